using System.Text;
using Ledger.Attestation.Statements;
using Ledger.Crypto;

namespace Ledger.Attestation.Tests.Statements;

public sealed class AttestationStatementTests
{
    private static readonly Guid Id = UuidV7.NewId(DateTimeOffset.FromUnixTimeSeconds(1763892000));
    private static readonly string App = $"ghcr.io/acme/app:1.0.0@{Vendor.Digest("app")}";

    [Fact]
    public void an_artifacts_statement_is_written_in_the_documented_form_and_reads_back()
    {
        Assert.True(ArtifactReference.TryParse(App, out var app, out _));
        var statement = new AttestationStatement(Id, "ledger", "acme", DateTimeOffset.FromUnixTimeSeconds(1763892000),
            DateTimeOffset.FromUnixTimeSeconds(1795428000), AttestationKind.Artifacts, [app], null);

        var json = Encoding.UTF8.GetString(statement.ToJson());

        Assert.Equal($$"""{"jti":"{{Id}}","iss":"ledger","vendor":"acme","iat":1763892000,"exp":1795428000,"kind":"artifacts","subjects":["{{App}}"]}""", json);
        var read = AttestationStatement.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(statement.Id, read.Id);
        Assert.Equal(statement.ExpiresAt, read.ExpiresAt);
        Assert.Equal([App], read.Subjects);
        Assert.Equal(json, Encoding.UTF8.GetString(read.ToJson()));
    }

    [Fact]
    public void a_manifest_statement_carries_name_digest_and_ignore_list()
    {
        var digest = "h1:" + Convert.ToBase64String(new byte[32]);
        var statement = new AttestationStatement(Id, "ledger", null, DateTimeOffset.FromUnixTimeSeconds(1763892000), null,
            AttestationKind.Manifest, [], new ManifestSubject("acme/manifests", digest, [".sig"]));

        var json = Encoding.UTF8.GetString(statement.ToJson());

        Assert.Equal($$$"""{"jti":"{{{Id}}}","iss":"ledger","iat":1763892000,"kind":"manifest","manifest":{"name":"acme/manifests","digest":"{{{digest}}}","ignore":[".sig"]}}""", json);
        var read = AttestationStatement.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal([".sig"], read.Manifest!.Ignore);
        Assert.Equal([digest], read.Subjects);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"artifacts","subjects":["APP"],"jti":"JTI"}""", "" },
        { """[1,2]""", "" },
        { """{"iss":"ledger","iat":1,"kind":"artifacts","subjects":["APP"]}""", "jti" },
        { """{"jti":"JTI_UPPER","iss":"ledger","iat":1,"kind":"artifacts","subjects":["APP"]}""", "jti" },
        { """{"jti":"JTI","iss":"","iat":1,"kind":"artifacts","subjects":["APP"]}""", "iss" },
        { """{"jti":"JTI","iss":"ledger","vendor":"ACME","iat":1,"kind":"artifacts","subjects":["APP"]}""", "vendor" },
        { """{"jti":"JTI","iss":"ledger","vendor":null,"iat":1,"kind":"artifacts","subjects":["APP"]}""", "vendor" },
        { """{"jti":"JTI","iss":"ledger","iat":"1","kind":"artifacts","subjects":["APP"]}""", "iat" },
        { """{"jti":"JTI","iss":"ledger","iat":1e3,"kind":"artifacts","subjects":["APP"]}""", "iat" },
        { """{"jti":"JTI","iss":"ledger","iat":-1,"kind":"artifacts","subjects":["APP"]}""", "iat" },
        { """{"jti":"JTI","iss":"ledger","iat":5,"exp":5,"kind":"artifacts","subjects":["APP"]}""", "exp" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"artifacts"}""", "subjects" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"artifacts","subjects":"APP"}""", "subjects" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"artifacts","subjects":[1]}""", "subjects[0]" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"artifacts","subjects":["APP","APP"]}""", "subjects[1]" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"artifacts","subjects":["APP"],"manifest":{}}""", "manifest" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"manifest","manifest":{"name":"m","digest":"h1:x"}}""", "manifest.digest" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"manifest","manifest":{"name":"m","digest":"H1","extra":1}}""", "manifest.extra" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"manifest","subjects":["APP"]}""", "subjects" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"sbom","subjects":["APP"]}""", "kind" },
        { """{"jti":"JTI","iss":"ledger","iat":1,"kind":"artifacts","subjects":["APP"],"predicate":{}}""", "predicate" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void statements_are_read_strictly_naming_each_bad_field(string template, string field)
    {
        var json = template.Replace("JTI_UPPER", Id.ToString().ToUpperInvariant(), StringComparison.Ordinal)
            .Replace("JTI", Id.ToString(), StringComparison.Ordinal)
            .Replace("APP", App, StringComparison.Ordinal)
            .Replace("H1", "h1:" + Convert.ToBase64String(new byte[32]), StringComparison.Ordinal);

        var error = Assert.Throws<StatementFormatException>(() => AttestationStatement.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(error.Violations, v => v.Field == field);
    }

    [Fact]
    public void a_uuidv4_is_not_an_attestation_id()
    {
        var json = $$"""{"jti":"{{Guid.NewGuid()}}","iss":"ledger","iat":1,"kind":"artifacts","subjects":["{{App}}"]}""";

        var error = Assert.Throws<StatementFormatException>(() => AttestationStatement.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Equal("jti", Assert.Single(error.Violations).Field);
    }

    [Fact]
    public void bytes_that_are_not_utf8_json_are_refused_as_a_whole()
    {
        var error = Assert.Throws<StatementFormatException>(() => AttestationStatement.Parse([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));

        Assert.Equal("", Assert.Single(error.Violations).Field);
    }
}
