using System.Text;
using Ledger.Attestation.Features.Verifying;
using Ledger.Attestation.Statements;
using Ledger.Crypto;

namespace Ledger.Attestation.Tests.Statements;

/// <summary>
/// Mutated input (seeded, so a failure reproduces) must come back as a refusal the callers handle,
/// never as another exception, which a handler would turn into Internal.
/// </summary>
public sealed class MalformedInputTests
{
    private const int Rounds = 3000;

    private static readonly byte[] Statement = Encoding.UTF8.GetBytes(
        $$$"""{"jti":"{{{UuidV7.NewId()}}}","iss":"ledger","vendor":"acme","iat":1763892000,"exp":1795428000,"kind":"manifest","manifest":{"name":"acme/m","digest":"h1:{{{Convert.ToBase64String(new byte[32])}}}","ignore":[".sig"]}}""");

    private const string Troublemakers = "{}[]\",:\\0e-.\u00ff";

    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = input.ToList();
        for (var edits = random.Next(1, 4); edits > 0 && bytes.Count > 0; edits--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(3))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveAt(at); break;
                default: bytes.Insert(at, (byte)Troublemakers[random.Next(Troublemakers.Length)]); break;
            }
        }

        return [.. bytes];
    }

    [Fact]
    public void mutated_statements_parse_or_are_refused_as_format_errors()
    {
        var random = new Random(20261123);
        for (var i = 0; i < Rounds; i++)
        {
            var input = Mutate(random, Statement);
            try
            {
                AttestationStatement.Parse(input);
            }
            catch (StatementFormatException)
            {
            }
        }
    }

    [Fact]
    public void mutated_attestations_are_read_or_refused_without_throwing()
    {
        using var key = Ed25519SigningKey.Generate();
        var compact = Jws.Sign(Statement, key, "k1", "attestation+jwt");
        var json = JwsJson.FromCompact(compact).ToJson();
        var random = new Random(7);
        for (var i = 0; i < Rounds; i++)
        {
            var text = Encoding.UTF8.GetString(Mutate(random, Encoding.UTF8.GetBytes(i % 2 == 0 ? compact : json)));
            if (AttestationEnvelope.TryParse(text, out var envelope, out _))
            {
                Assert.Equal(envelope.Document.Signatures.Count, envelope.Kids.Count);
            }
        }
    }

    [Fact]
    public void mutated_references_parse_or_are_refused_without_throwing()
    {
        var reference = Encoding.UTF8.GetBytes($"registry.example.com:5000/acme/app:1.0@{Vendor.Digest("x")}");
        var random = new Random(42);
        for (var i = 0; i < Rounds; i++)
        {
            var text = Encoding.UTF8.GetString(Mutate(random, reference));
            if (ArtifactReference.TryParse(text, out var parsed, out _))
            {
                Assert.Equal(text, parsed.ToString());
            }
        }
    }
}
