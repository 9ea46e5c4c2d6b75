using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.Keys;

/// <summary>
/// <c>keys list|jwks|history|rotate|retire|compromise|import</c> against the running Notary. Only the
/// encryption ring is rotated (an imported license key only verifies), so the other online tests keep
/// their license, feed and attestation keys.
/// </summary>
[Collection(RunningLedgerCollection.Name)]
public sealed class KeysTests(RunningLedger ledger) : IDisposable
{
    private readonly OnlineWorkspace _online = new(ledger);

    [Fact]
    public async Task keys_are_listed_and_the_jwks_holds_only_public_keys()
    {
        var listed = (await _online.RunAsync("keys", "list", "--output-format", "json")).Expect(0);
        var purposes = listed.Json["keys"]!.AsArray().Select(k => k!["purpose"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "license", "attestation", "feed", "encryption" }, purposes);

        var jwks = JsonWebKeySet.Parse((await _online.RunAsync("keys", "jwks", "--purpose", "license")).Expect(0).Stdout);
        Assert.All(jwks.Keys, k => Assert.Equal("license", k.Purpose));
    }

    [Fact]
    public async Task a_flux_signing_key_imported_to_verify_keeps_its_license_keys_verifying_against_notarys_jwks()
    {
        (await _online.Files.RunAsync("keygen", "sig", "https://vendor.example", "-o", "keys")).Expect(0);
        var privateSet = _online[$"keys/{FluxFormat.SigningPrivateFile("https://vendor.example")}"];
        (await _online.Files.RunAsync("sign", "license-key", "-k", privateSet, "-c", "Acme Corp", "-d", "30", "-o", "acme.jwt")).Expect(0);

        var imported = (await _online.RunAsync("keys", "import", privateSet, "--purpose", "license", "--signed-until", DateTimeOffset.UtcNow.AddYears(1).ToString("O"),
            "--reason", "moving from Flux", "--output-format", "json")).Expect(0);
        File.WriteAllText(_online["ledger.jwks"], (await _online.RunAsync("keys", "jwks", "--purpose", "license")).Expect(0).Stdout);

        var kid = imported.Json["key"]!["kid"]!.GetValue<string>();
        Assert.Equal(JsonWebKeySet.ParsePrivate(File.ReadAllText(privateSet)).Keys.Single().Kid, kid);
        Assert.Equal("retiring", imported.Json["key"]!["status"]!.GetValue<string>());
        var verified = (await _online.Files.RunAsync("verify", "license-key", "acme.jwt", "-k", "ledger.jwks", "--issuer", "https://vendor.example", "--audience", "flux-operator", "--no-revocation-check", "--output-format", "json")).Expect(0);
        Assert.Equal("Valid", verified.Json["status"]!.GetValue<string>());
        var history = (await _online.RunAsync("keys", "history", kid, "--output-format", "json")).Expect(0);
        Assert.Equal("KeyImported", history.Json["entries"]![0]!["event"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_ring_is_rotated_and_a_retiring_key_marked_compromised_leaves_the_jwks()
    {
        var rotated = (await _online.RunAsync("keys", "rotate", "--purpose", "encryption", "--reason", "test rotation", "--output-format", "json")).Expect(0);
        var newKid = rotated.Json["new_key"]!["kid"]!.GetValue<string>();
        var previousKid = rotated.Json["previous_kid"]!.GetValue<string>();
        Assert.Equal("active", rotated.Json["new_key"]!["status"]!.GetValue<string>());

        var history = (await _online.RunAsync("keys", "history", newKid, "--output-format", "json")).Expect(0);
        Assert.NotEmpty(history.Json["entries"]!.AsArray());

        var compromised = (await _online.RunAsync("keys", "compromise", previousKid, "--reason", "test", "--output-format", "json")).Expect(0);
        Assert.Equal("compromised", compromised.Json["key"]!["status"]!.GetValue<string>());
        var jwks = JsonWebKeySet.Parse((await _online.RunAsync("keys", "jwks")).Expect(0).Stdout);
        Assert.Null(jwks.Find(previousKid));
        Assert.NotNull(jwks.Find(newKid));
    }

    [Fact]
    public async Task a_rotation_retried_with_its_printed_idempotency_key_makes_no_second_key()
    {
        var rotated = (await _online.RunAsync("keys", "rotate", "--purpose", "encryption", "--output-format", "json")).Expect(0);
        var key = rotated.Json["idempotency_key"]!.GetValue<string>();
        var newKid = rotated.Json["new_key"]!["kid"]!.GetValue<string>();

        var retried = (await _online.RunAsync("keys", "rotate", "--purpose", "encryption", "--idempotency-key", key, "--output-format", "json")).Expect(0);
        var retriedAsText = (await _online.RunAsync("keys", "rotate", "--purpose", "encryption", "--idempotency-key", key)).Expect(0);

        Assert.Equal(newKid, retried.Json["new_key"]!["kid"]!.GetValue<string>());
        Assert.Contains(newKid, retriedAsText.Stdout, StringComparison.Ordinal);
        Assert.Contains($"idempotency  {key}", retriedAsText.Stdout, StringComparison.Ordinal);
        var active = (await _online.RunAsync("keys", "list", "--purpose", "encryption", "--output-format", "json")).Expect(0)
            .Json["keys"]!.AsArray().Where(k => k!["status"]!.GetValue<string>() == "active").Select(k => k!["kid"]!.GetValue<string>());
        Assert.Equal([newKid], active);
    }

    [Fact]
    public async Task a_call_that_may_have_been_applied_names_the_idempotency_key_to_retry_with_and_a_refusal_does_not()
    {
        var given = (await _online.RunAsync("keys", "rotate", "--purpose", "license", "--idempotency-key", "rotate-2027",
            "--server", "http://127.0.0.1:9", "--timeout", "5")).Expect(3);
        var generated = (await _online.RunAsync("keys", "rotate", "--purpose", "license",
            "--server", "http://127.0.0.1:9", "--timeout", "5", "--output-format", "json")).Expect(3);
        var refused = (await _online.RunAsync("keys", "rotate", "--purpose", "license", "--activate-at", "2099-01-01", "--idempotency-key", "too-late")).Expect(2);

        Assert.Contains("Retry it with --idempotency-key rotate-2027", given.Stderr, StringComparison.Ordinal);
        var key = generated.Json["idempotency_key"]!.GetValue<string>();
        Assert.True(Guid.TryParse(key, out _), key);
        Assert.Contains($"--idempotency-key {key}", generated.Stderr, StringComparison.Ordinal);
        Assert.Contains("activate_at", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("idempotency-key too-late", refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_retiring_key_that_signed_nothing_still_valid_can_be_retired()
    {
        var rotated = (await _online.RunAsync("keys", "rotate", "--purpose", "encryption", "--output-format", "json")).Expect(0);
        var previousKid = rotated.Json["previous_kid"]!.GetValue<string>();

        var retired = (await _online.RunAsync("keys", "retire", previousKid, "--reason", "test", "--output-format", "json")).Expect(0);

        Assert.Equal("retired", retired.Json["key"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task retiring_an_active_key_is_refused_with_the_reason()
    {
        var active = (await _online.RunAsync("keys", "list", "--purpose", "license", "--output-format", "json")).Expect(0)
            .Json["keys"]!.AsArray().First(k => k!["status"]!.GetValue<string>() == "active")!["kid"]!.GetValue<string>();

        var result = (await _online.RunAsync("keys", "retire", active)).Expect(2);

        Assert.Contains("refused the request", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unknown_purpose_is_a_usage_error_listing_the_purposes()
    {
        var result = (await _online.RunAsync("keys", "rotate", "--purpose", "billing")).Expect(2);

        Assert.Contains("license, attestation, feed, encryption", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _online.Dispose();
}
