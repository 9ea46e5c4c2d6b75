using Ledger.Cli.Tests.Support;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Tests.Commands.Verify;

/// <summary>
/// <c>verify license-key --feed</c> and <c>feed verify</c> with signed feed files and URLs: the
/// accepted state is persisted in the state directory and protects the next check.
/// </summary>
public sealed class FeedVerificationTests : IAsyncLifetime
{
    private readonly IssuerWithKeys _issuer = new();

    private Workspace Workspace => _issuer.Workspace;

    // acme's license key (a Flux JWKS: no purpose member) and a feed key that says it signs feeds, in one trusted set.
    private readonly Ed25519SigningKey _feedKey = Ed25519SigningKey.Generate();

    private JsonWebKey FeedKey => JsonWebKey.FromEd25519(_feedKey.PublicKey, _feedKey.ExportSeed(), "acme-feed-1").With(purpose: "feed");

    private string Keys => Workspace["trusted.jwks"];

    public async Task InitializeAsync()
    {
        await _issuer.InitializeAsync();
        var license = JsonWebKeySet.Parse(File.ReadAllText(_issuer.SigningPublic)).Keys;
        File.WriteAllText(Keys, new JsonWebKeySet([.. license, FeedKey.ToPublic()]).ToJson());
    }

    public Task DisposeAsync()
    {
        _feedKey.Dispose();
        return _issuer.DisposeAsync();
    }

    [Fact]
    public async Task a_feed_is_accepted_and_remembered_and_an_older_feed_is_refused_as_a_rollback()
    {
        var license = await _issuer.SignLicenseAsync();
        var id = LicenseId(license);
        var before = Feed([Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f")]);
        var after = Feed([Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f"), id]);

        var valid = (await Verify(license, before)).Expect(0);
        Assert.Equal(1, valid.Json["revocation"]!["feed_version"]!.GetValue<long>());
        var stateFile = valid.Json["revocation"]!["state_file"]!.GetValue<string>();
        Assert.StartsWith(Workspace[".state"], stateFile, StringComparison.Ordinal);
        Assert.Equal(1, FeedState.Parse(File.ReadAllText(stateFile)).Version);

        var revoked = (await Verify(license, after)).Expect(1);
        Assert.Equal("Revoked", revoked.Json["status"]!.GetValue<string>());
        Assert.Equal(2, FeedState.Parse(File.ReadAllText(stateFile)).Version);

        var rolledBack = (await Verify(license, before)).Expect(1);
        Assert.Equal("FeedRolledBack", rolledBack.Json["status"]!.GetValue<string>());
        Assert.Equal(2, FeedState.Parse(File.ReadAllText(stateFile)).Version);
    }

    [Fact]
    public async Task a_key_below_the_feeds_revision_floor_is_superseded_also_from_the_stored_state()
    {
        // keygen-signed keys carry no rev: revision 0, below any floor.
        var license = await _issuer.SignLicenseAsync();
        var feed = Feed([], floors: [(LicenseId(license), 2)]);

        var superseded = (await Verify(license, feed)).Expect(1);
        Assert.Equal("Superseded", superseded.Json["status"]!.GetValue<string>());
        Assert.Contains("revision 2 or later", superseded.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var stored = (await Workspace.RunAsync("verify", "license-key", license, "--key", Keys, "--audience", "acme-app", "--output-format", "json")).Expect(1);
        Assert.Equal("Superseded", stored.Json["status"]!.GetValue<string>());
        Assert.Equal("stored-state", stored.Json["revocation"]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_stale_feed_is_refused()
    {
        var license = await _issuer.SignLicenseAsync();
        var stale = Feed([], issuedAt: DateTimeOffset.UtcNow.AddDays(-3));

        var result = (await Verify(license, stale)).Expect(1);

        Assert.Equal("FeedStale", result.Json["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task feed_verify_accepts_a_feed_file_and_stores_its_state()
    {
        var feed = Feed([Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f")]);

        var result = (await Workspace.RunAsync("feed", "verify", feed, "--key", Keys, "--issuer", "acme", "--output-format", "json")).Expect(0);

        Assert.True(result.Json["accepted"]!.GetValue<bool>());
        Assert.Equal(1, result.Json["revoked_count"]!.GetValue<int>());
        Assert.True(File.Exists(result.Json["state_file"]!.GetValue<string>()));

        var foreign = (await Workspace.RunAsync("feed", "verify", feed, "--key", Keys, "--issuer", "globex")).Expect(1);
        Assert.StartsWith("NotCovered:", foreign.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_feed_url_is_fetched_with_since_and_revalidated_by_etag()
    {
        var license = await _issuer.SignLicenseAsync();
        var body = File.ReadAllText(Feed([]));
        using var server = new FeedServer(() => body);

        (await Workspace.RunAsync("verify", "license-key", license, "--key", Keys, "--audience", "acme-app", "--feed", server.Url)).Expect(0);
        (await Workspace.RunAsync("verify", "license-key", license, "--key", Keys, "--audience", "acme-app", "--feed", server.Url)).Expect(0);
        (await Workspace.RunAsync("verify", "license-key", license, "--key", Keys, "--audience", "acme-app", "--feed", server.Url)).Expect(0);

        Assert.Equal(3, server.Requests);
        Assert.Contains("/feeds/revocations?since=0", server.Urls);
        Assert.Equal(1, server.NotModified);
        Assert.NotEmpty(Directory.GetFiles(Workspace[".state/http-cache"], "*.etag"));
    }

    [Fact]
    public async Task a_feed_url_larger_than_the_limit_is_refused()
    {
        var license = await _issuer.SignLicenseAsync();
        var huge = new string('a', FeedOptions.Default.MaxFeedBytes + 1);
        using var server = new FeedServer(() => huge);

        var result = (await Workspace.RunAsync("verify", "license-key", license, "--key", Keys, "--feed", server.Url)).Expect(1);

        Assert.Contains("refused", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unreachable_feed_url_is_a_server_error()
    {
        var license = await _issuer.SignLicenseAsync();

        var result = (await Workspace.RunAsync("verify", "license-key", license, "--key", Keys, "--feed", "http://127.0.0.1:9/feeds/revocations", "--feed-timeout", "5")).Expect(3);

        Assert.Contains("127.0.0.1:9", result.Stderr, StringComparison.Ordinal);
    }

    private Task<Ledgerctl.Result> Verify(string license, string feed) =>
        Workspace.RunAsync("verify", "license-key", license, "--key", Keys, "--audience", "acme-app", "--feed", feed, "--output-format", "json");

    private string Feed(IReadOnlyList<Guid> revoked, DateTimeOffset? issuedAt = null, IReadOnlyList<(Guid, int)>? floors = null)
    {
        var path = _issuer.NewPath(".jws");
        File.WriteAllText(path, SignedFeeds.Full(FeedKey, "acme", revoked, issuedAt, floors: floors));
        return path;
    }

    private static Guid LicenseId(string licenseFile)
    {
        var payload = Ledger.Crypto.Base64Url.Decode(File.ReadAllText(licenseFile).Trim().Split('.')[1]);
        return LicenseClaims.Parse(payload).LicenseId;
    }
}
