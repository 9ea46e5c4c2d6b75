using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;
using Ledger.Verification;

namespace Ledger.Cli.Tests.Commands.Feed;

/// <summary><c>feed pull|verify|watch</c> against the running Revocation service.</summary>
[Collection(RunningLedgerCollection.Name)]
public sealed class FeedTests(RunningLedger ledger) : IDisposable
{
    private readonly OnlineWorkspace _online = new(ledger);

    [Fact]
    public async Task a_revocation_is_watched_pulled_and_verified()
    {
        var (id, version) = await RevokedLicenseAsync();

        var watched = (await _online.RunAsync("feed", "watch", "--after", (version - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--count", "1", "--output-format", "json")).Expect(0);
        var record = JsonNode.Parse(watched.Stdout.Split('\n')[0])!;
        Assert.Equal(id.ToString(), record["license_id"]!.GetValue<string>());
        Assert.Equal(version, record["feed_version"]!.GetValue<long>());
        Assert.Equal("ledger", record["issuer"]!.GetValue<string>());

        var pulled = (await _online.RunAsync("feed", "pull", "--feed-file", "feed.jws", "--output-format", "json")).Expect(0);
        Assert.Equal("full", pulled.Json["kind"]!.GetValue<string>());
        var payload = RevocationFeedPayload.Parse(Ledger.Crypto.Base64Url.Decode(File.ReadAllText(_online["feed.jws"]).Trim().Split('.')[1]));
        Assert.Contains(payload.Entries, e => e.Id == id);

        File.WriteAllText(_online["ledger.jwks"], (await _online.RunAsync("keys", "jwks")).Expect(0).Stdout);
        var fromFile = (await _online.RunAsync("feed", "verify", "feed.jws", "--key", "ledger.jwks", "--issuer", "ledger", "--output-format", "json")).Expect(0);
        Assert.True(fromFile.Json["accepted"]!.GetValue<bool>());

        // Over gRPC, continuing from the stored state: a delta from the stored version.
        var overGrpc = (await _online.RunAsync("feed", "verify", "--key", "ledger.jwks", "--issuer", "ledger", "--output-format", "json")).Expect(0);
        Assert.Equal(fromFile.Json["version"]!.GetValue<long>(), overGrpc.Json["previous_version"]!.GetValue<long>());
        Assert.Contains(id, FeedState.Parse(File.ReadAllText(overGrpc.Json["state_file"]!.GetValue<string>())).Revoked);

        var overHttp = (await _online.RunAsync("feed", "verify", $"{ledger.Revocation.HttpUrl}/feeds/revocations", "--key", "ledger.jwks", "--issuer", "ledger")).Expect(0);
        Assert.StartsWith("Valid:", overHttp.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_feed_signed_by_a_key_outside_the_trusted_jwks_is_refused()
    {
        (await _online.RunAsync("feed", "pull", "--feed-file", "feed.jws")).Expect(0);
        (await _online.Files.RunAsync("keygen", "sig", "stranger")).Expect(0);

        var result = (await _online.RunAsync("feed", "verify", "feed.jws", "--key", FluxFormat.SigningPublicFile("stranger"), "--issuer", "ledger", "--output-format", "json")).Expect(1);

        Assert.Equal("FeedSignatureInvalid", result.Json["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task pulling_never_overwrites_a_feed_file()
    {
        _online.Files.Write("feed.jws", "keep me");

        (await _online.RunAsync("feed", "pull", "--feed-file", "feed.jws")).Expect(2);

        Assert.Equal("keep me", File.ReadAllText(_online["feed.jws"]));
    }

    private async Task<(Guid Id, long FeedVersion)> RevokedLicenseAsync()
    {
        var issued = (await _online.RunAsync("license", "issue", "--customer-id", "feed-test", "--customer-name", "Feed Corp", "--product", "flux-enterprise",
            "--audience", "acme-app", "--duration", "30", "--output-format", "json")).Expect(0);
        var id = issued.Json["license_id"]!.GetValue<string>();
        var revoked = await _online.EventuallyAsync("license", "revoke", id, "--reason", "cessation_of_operation", "--output-format", "json");
        return (Guid.Parse(id), revoked.Json["feed_version"]!.GetValue<long>());
    }

    public void Dispose() => _online.Dispose();
}
