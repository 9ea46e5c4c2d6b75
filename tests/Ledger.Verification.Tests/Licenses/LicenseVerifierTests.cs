using System.Text.Json.Nodes;
using Ledger.Crypto;
using Ledger.Verification.Tests.Support;

namespace Ledger.Verification.Tests.Licenses;

public sealed class LicenseVerifierTests : IDisposable
{
    private static readonly DateTimeOffset Now = LedgerWithSigningKeys.Now;
    private readonly LedgerWithSigningKeys ledger = new();

    public void Dispose() => ledger.Dispose();

    [Fact]
    public void valid_license_with_fresh_full_feed_verifies_and_returns_the_state_to_persist()
    {
        ledger.History.RevokeNew();
        var license = LedgerWithSigningKeys.NewLicense();
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));

        var verdict = LicenseVerifier.Verify(ledger.Sign(license), ledger.Jwks, ledger.Expectations, Now, feed, previous: null);

        Assert.Equal(VerificationStatus.Valid, verdict.Status);
        Assert.True(verdict.IsValid);
        Assert.Equal(license.Id, verdict.Claims!.LicenseId);
        Assert.Equal("cust_7f3a", verdict.Claims.Subject);
        Assert.Equal(["cad.export", "cad.render"], verdict.Claims.Capabilities);
        Assert.Equal(("acme-cad", "pro", 1), (verdict.Claims.Product, verdict.Claims.Edition, verdict.Claims.Revision));
        Assert.Equal(1, verdict.Feed!.Version);
        Assert.Single(verdict.Feed.Revoked);
    }

    [Fact]
    public void valid_license_verifies_against_an_accepted_feed_state()
    {
        var (_, state) = ledger.AcceptedFullFeed();

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, ledger.Expectations, Now, state);

        Assert.Equal(VerificationStatus.Valid, verdict.Status);
        Assert.Same(state, verdict.Feed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a license key")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d.e")]
    public void text_that_is_not_a_compact_jws_is_malformed(string licenseKey)
    {
        var verdict = Verify(licenseKey);

        Assert.Equal(VerificationStatus.Malformed, verdict.Status);
        Assert.Null(verdict.Claims);
        Assert.Contains("license key", verdict.Detail);
    }

    [Fact]
    public void license_signed_with_another_typ_is_malformed()
    {
        var token = ledger.SignLicense(LedgerWithSigningKeys.NewLicense().ToJson().ToJsonString(), typ: "attestation+jwt");

        Assert.Equal(VerificationStatus.Malformed, Verify(token).Status);
    }

    [Fact]
    public void feed_presented_as_a_license_is_malformed()
    {
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)), ledger.LicenseKey, LedgerWithSigningKeys.LicenseKid);

        Assert.Equal(VerificationStatus.Malformed, Verify(feed).Status);
    }

    [Theory]
    [InlineData("jti", "\"0193a9a0-1b2c-4d3e-8f40-5a6b7c8d9e0f\"")]
    [InlineData("jti", "\"licence-42\"")]
    [InlineData("jti", null)]
    [InlineData("iss", "42")]
    [InlineData("sub", null)]
    [InlineData("aud", "[]")]
    [InlineData("aud", "[\"acme-cad\", 7]")]
    [InlineData("iat", null)]
    [InlineData("nbf", "\"yesterday\"")]
    [InlineData("exp", "\"2027-01-01\"")]
    [InlineData("exp", "null")]
    [InlineData("caps", "\"cad.export\"")]
    [InlineData("caps", "[\"cad.export\", 7]")]
    [InlineData("rev", "\"1\"")]
    [InlineData("product", "false")]
    [InlineData("sub", "\"acme\\u0085corp\"")]
    [InlineData("iss", "\"ledger\\u007f\"")]
    [InlineData("product", "\"cad\\u0007\"")]
    public void license_whose_claims_are_missing_or_mistyped_is_malformed(string claim, string? rawValue)
    {
        var payload = LedgerWithSigningKeys.NewLicense().ToJson();
        if (rawValue is null)
        {
            payload.Remove(claim);
        }
        else
        {
            payload[claim] = JsonNode.Parse(rawValue);
        }

        var verdict = Verify(ledger.SignLicense(payload.ToJsonString()));

        Assert.Equal(VerificationStatus.Malformed, verdict.Status);
        Assert.Contains($"'{claim}'", verdict.Detail);
    }

    [Fact]
    public void a_license_with_aud_as_an_array_and_no_caps_as_the_flux_operator_writes_it_is_valid()
    {
        var payload = LedgerWithSigningKeys.NewLicense().ToJson();
        payload["aud"] = new JsonArray("other-product", payload["aud"]!.GetValue<string>());
        payload.Remove("caps");

        var verdict = LicenseVerifier.Verify(ledger.SignLicense(payload.ToJsonString()), ledger.Jwks, ledger.Expectations with { RequiredCapabilities = [] }, Now, ledger.AcceptedFullFeed().State);

        Assert.Equal(VerificationStatus.Valid, verdict.Status);
        Assert.Empty(verdict.Claims!.Capabilities);
        Assert.Equal(2, verdict.Claims.Audiences.Count);
    }

    [Fact]
    public void a_flux_typed_license_key_is_accepted_only_from_a_key_trusted_for_licenses()
    {
        var token = ledger.SignLicense(LedgerWithSigningKeys.NewLicense().ToJson().ToJsonString(), typ: LicenseClaims.FluxTokenType);
        var state = ledger.AcceptedFullFeed().State;
        var marked = new JsonWebKeySet(ledger.Jwks.Keys.Select(k => k.Kid == LedgerWithSigningKeys.LicenseKid ? k.With(purpose: "license") : k));
        var markedForFeeds = new JsonWebKeySet(ledger.Jwks.Keys.Select(k => k.Kid == LedgerWithSigningKeys.LicenseKid ? k.With(purpose: "feed") : k));

        // The fixture's keys name their purpose; a Flux set's do not.
        var fluxSet = JsonWebKeySet.Parse(System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(ledger.Jwks.ToJson(), ",\"purpose\":\"[a-z]+\"", ""), "\"purpose\":\"[a-z]+\",", ""));
        var unmarked = LicenseVerifier.Verify(token, fluxSet, ledger.Expectations, Now, state);
        var saidToBeLicenseKeys = LicenseVerifier.Verify(token, fluxSet, ledger.Expectations, Now, state, new FeedOptions { UnmarkedKeyPurpose = "license" });
        var licenseKey = LicenseVerifier.Verify(token, marked, ledger.Expectations, Now, state);
        var feedKey = LicenseVerifier.Verify(token, markedForFeeds, ledger.Expectations, Now, state, new FeedOptions { UnmarkedKeyPurpose = "license" });

        // Keys that name no purpose vouch for nothing until the caller says what the set is for.
        Assert.Equal(VerificationStatus.UnknownKey, unmarked.Status);
        Assert.Equal(VerificationStatus.Valid, saidToBeLicenseKeys.Status);
        Assert.Equal(VerificationStatus.Valid, licenseKey.Status);
        Assert.Equal(VerificationStatus.UnknownKey, feedKey.Status);
    }

    [Fact]
    public void claims_carrying_digests_are_an_attestation_not_a_license()
    {
        var payload = LedgerWithSigningKeys.NewLicense().ToJson();
        payload["digests"] = new JsonArray("sha256:0000000000000000000000000000000000000000000000000000000000000001");

        var verdict = Verify(ledger.SignLicense(payload.ToJsonString()));

        Assert.Equal(VerificationStatus.Malformed, verdict.Status);
        Assert.Contains("attestation", verdict.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"alg\":\"none\",\"kid\":\"license-2026-01\",\"typ\":\"license+jwt\"}", false)]
    [InlineData("{\"alg\":\"HS256\",\"kid\":\"license-2026-01\",\"typ\":\"license+jwt\"}", true)]
    [InlineData("{\"alg\":\"EdDSA\",\"kid\":\"license-2026-01\",\"typ\":\"license+jwt\",\"crit\":[\"exp\"]}", true)]
    [InlineData("{\"alg\":\"EdDSA\",\"kid\":\"license-2026-01\",\"typ\":\"license+jwt\",\"jku\":\"https://attacker.example/jwks\"}", true)]
    [InlineData("{\"alg\":\"EdDSA\",\"kid\":\"../../dev/null\",\"typ\":\"license+jwt\"}", true)]
    public void license_with_a_hostile_header_is_malformed(string header, bool signed)
    {
        var payload = LedgerWithSigningKeys.NewLicense().ToJson().ToJsonString();
        var signingInput = $"{Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(header))}.{Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(payload))}";
        var signature = signed ? Base64Url.Encode(ledger.LicenseKey.Sign(System.Text.Encoding.ASCII.GetBytes(signingInput))) : string.Empty;

        var verdict = Verify($"{signingInput}.{signature}");

        Assert.Equal(VerificationStatus.Malformed, verdict.Status);
        Assert.Null(verdict.Claims);
    }

    [Fact]
    public void license_with_a_repeated_claim_is_malformed()
    {
        var payload = LedgerWithSigningKeys.NewLicense().ToJson().ToJsonString();
        var repeated = payload.Replace("\"aud\":", "\"aud\":\"other\",\"aud\":", StringComparison.Ordinal);

        Assert.Equal(VerificationStatus.Malformed, Verify(ledger.SignLicense(repeated)).Status);
    }

    [Fact]
    public void tampered_license_has_a_bad_signature()
    {
        var token = LedgerWithSigningKeys.WithPayload(ledger.Sign(LedgerWithSigningKeys.NewLicense()), claims =>
        {
            claims["caps"] = new JsonArray("cad.export", "cad.render", "cad.everything");
            return claims;
        });

        var verdict = Verify(token);

        Assert.Equal(VerificationStatus.BadSignature, verdict.Status);
        Assert.Contains("altered or forged", verdict.Detail);
    }

    [Fact]
    public void license_signed_by_a_key_outside_the_jwks_is_an_unknown_key()
    {
        var token = ledger.SignLicense(LedgerWithSigningKeys.NewLicense().ToJson().ToJsonString(), ledger.StrangerKey, LedgerWithSigningKeys.StrangerKid);

        var verdict = Verify(token);

        Assert.Equal(VerificationStatus.UnknownKey, verdict.Status);
        Assert.Contains("Refresh the JWKS", verdict.Detail);
    }

    [Fact]
    public void license_signed_by_a_stranger_under_a_trusted_kid_has_a_bad_signature()
    {
        var token = ledger.SignLicense(LedgerWithSigningKeys.NewLicense().ToJson().ToJsonString(), ledger.StrangerKey, LedgerWithSigningKeys.LicenseKid);

        Assert.Equal(VerificationStatus.BadSignature, Verify(token).Status);
    }

    [Theory]
    [InlineData("retired")]
    [InlineData("compromised")]
    public void license_signed_by_a_withdrawn_key_is_refused(string status)
    {
        var jwks = ledger.JwksWith(LedgerWithSigningKeys.LicenseKid, status);

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), jwks, ledger.Expectations, Now, ledger.AcceptedFullFeed().State);

        Assert.Equal(VerificationStatus.KeyRetiredOrCompromised, verdict.Status);
        Assert.Contains(status, verdict.Detail);
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("active")]
    [InlineData("retiring")]
    public void license_signed_by_a_published_key_in_rotation_is_valid(string status)
    {
        var jwks = ledger.JwksWith(LedgerWithSigningKeys.LicenseKid, status);

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), jwks, ledger.Expectations, Now, ledger.AcceptedFullFeed().State);

        Assert.Equal(VerificationStatus.Valid, verdict.Status);
    }

    [Fact]
    public void license_issued_after_its_keys_not_after_is_refused()
    {
        var license = LedgerWithSigningKeys.NewLicense();
        var jwks = ledger.JwksWith(LedgerWithSigningKeys.LicenseKid, notAfter: license.IssuedAt.AddDays(-1));

        var verdict = LicenseVerifier.Verify(ledger.Sign(license), jwks, ledger.Expectations, Now, ledger.AcceptedFullFeed().State);

        Assert.Equal(VerificationStatus.KeyRetiredOrCompromised, verdict.Status);
    }

    [Fact]
    public void license_from_another_issuer_is_wrong_issuer()
    {
        var verdict = Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense() with { Issuer = "other-vendor" }));

        Assert.Equal(VerificationStatus.WrongIssuer, verdict.Status);
        Assert.Contains("'other-vendor'", verdict.Detail);
        Assert.NotNull(verdict.Claims);
    }

    [Fact]
    public void license_for_another_product_is_wrong_audience()
    {
        var verdict = Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense() with { Audience = "acme-cam" }));

        Assert.Equal(VerificationStatus.WrongAudience, verdict.Status);
        Assert.Contains("'acme-cam'", verdict.Detail);
    }

    [Fact]
    public void license_before_its_nbf_is_not_yet_valid()
    {
        var license = LedgerWithSigningKeys.NewLicense() with { NotBefore = Now.AddHours(1) };

        Assert.Equal(VerificationStatus.NotYetValid, Verify(ledger.Sign(license)).Status);
    }

    [Fact]
    public void license_whose_nbf_is_within_the_clock_skew_is_valid()
    {
        var license = LedgerWithSigningKeys.NewLicense() with { NotBefore = Now.AddMinutes(1) };

        Assert.Equal(VerificationStatus.Valid, Verify(ledger.Sign(license)).Status);
    }

    [Fact]
    public void license_past_its_exp_is_expired()
    {
        var license = LedgerWithSigningKeys.NewLicense() with { ExpiresAt = Now.AddMinutes(-3) };

        var verdict = Verify(ledger.Sign(license));

        Assert.Equal(VerificationStatus.Expired, verdict.Status);
        Assert.Contains("Renew", verdict.Detail);
    }

    [Fact]
    public void license_that_expired_within_the_clock_skew_is_still_valid()
    {
        var license = LedgerWithSigningKeys.NewLicense() with { ExpiresAt = Now.AddMinutes(-1) };

        Assert.Equal(VerificationStatus.Valid, Verify(ledger.Sign(license)).Status);
    }

    [Fact]
    public void license_without_a_required_capability_names_what_is_missing()
    {
        var expected = ledger.Expectations with { RequiredCapabilities = ["cad.export", "cad.simulate", "cad.cloud"] };

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, expected, Now, ledger.AcceptedFullFeed().State);

        Assert.Equal(VerificationStatus.MissingCapability, verdict.Status);
        Assert.Contains("'cad.simulate', 'cad.cloud'", verdict.Detail);
        Assert.DoesNotContain("'cad.export'", verdict.Detail);
    }

    [Fact]
    public void revoked_license_fails_offline_verification()
    {
        var license = LedgerWithSigningKeys.NewLicense();
        ledger.History.RevokeNew();
        ledger.History.Revoke(license.Id);
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));

        var verdict = LicenseVerifier.Verify(ledger.Sign(license), ledger.Jwks, ledger.Expectations, Now, feed, previous: null);

        Assert.Equal(VerificationStatus.Revoked, verdict.Status);
        Assert.False(verdict.IsValid);
        Assert.Contains(license.Id.ToString(), verdict.Detail);
        Assert.Equal(2, verdict.Feed!.Version);
    }

    [Fact]
    public void license_revoked_in_a_delta_fails_against_the_delta_applied_state()
    {
        ledger.History.RevokeNew();
        var (_, before) = ledger.AcceptedFullFeed();
        var license = LedgerWithSigningKeys.NewLicense();
        ledger.History.Revoke(license.Id);
        var delta = ledger.SignFeed(ledger.History.DeltaSince(before.Version, Now.AddMinutes(-1)));

        var fromFeed = LicenseVerifier.Verify(ledger.Sign(license), ledger.Jwks, ledger.Expectations, Now, delta, before);
        var fromState = LicenseVerifier.Verify(ledger.Sign(license), ledger.Jwks, ledger.Expectations, Now, fromFeed.Feed!);

        Assert.Equal(VerificationStatus.Revoked, fromFeed.Status);
        Assert.Equal(VerificationStatus.Revoked, fromState.Status);
        Assert.Equal(2, fromState.Feed!.Revoked.Count);
    }

    [Fact]
    public void license_check_with_a_stale_feed_state_is_feed_stale()
    {
        var (_, state) = ledger.AcceptedFullFeed();

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, ledger.Expectations, Now.AddDays(2), state);

        Assert.Equal(VerificationStatus.FeedStale, verdict.Status);
        Assert.Contains("Fetch a fresh feed", verdict.Detail);
    }

    [Fact]
    public void stale_feed_state_is_accepted_only_with_the_unsafe_option()
    {
        var (_, state) = ledger.AcceptedFullFeed();
        var unsafeOptions = new FeedOptions { AllowStaleFeedUnsafe = true };

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, ledger.Expectations, Now.AddDays(2), state, unsafeOptions);

        Assert.Equal(VerificationStatus.Valid, verdict.Status);
    }

    [Fact]
    public void license_check_with_a_stale_feed_is_feed_stale_and_keeps_no_state()
    {
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddDays(-3)));

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, ledger.Expectations, Now, feed, previous: null);

        Assert.Equal(VerificationStatus.FeedStale, verdict.Status);
        Assert.Null(verdict.Feed);
    }

    [Fact]
    public void license_check_with_a_forged_feed_is_feed_signature_invalid()
    {
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)), ledger.StrangerKey, LedgerWithSigningKeys.StrangerKid);

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, ledger.Expectations, Now, feed, previous: null);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, verdict.Status);
    }

    [Fact]
    public void license_check_with_a_replayed_older_feed_is_rolled_back()
    {
        var oldFeed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-30)));
        ledger.History.RevokeNew();
        var (_, current) = ledger.AcceptedFullFeed();

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, ledger.Expectations, Now, oldFeed, current);

        Assert.Equal(VerificationStatus.FeedRolledBack, verdict.Status);
    }

    [Fact]
    public void failing_license_still_returns_the_newly_accepted_feed_state()
    {
        ledger.History.RevokeNew();
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));
        var expired = LedgerWithSigningKeys.NewLicense() with { ExpiresAt = Now.AddDays(-1) };

        var verdict = LicenseVerifier.Verify(ledger.Sign(expired), ledger.Jwks, ledger.Expectations, Now, feed, previous: null);

        Assert.Equal(VerificationStatus.Expired, verdict.Status);
        Assert.Equal(1, verdict.Feed!.Version);
    }

    [Fact]
    public void feed_state_of_another_issuer_does_not_cover_the_license()
    {
        var (_, state) = ledger.AcceptedFullFeed();

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, ledger.Expectations, Now, state with { Issuer = "other-vendor" });

        Assert.Equal(VerificationStatus.NotCovered, verdict.Status);
    }

    [Fact]
    public void feed_of_another_issuer_does_not_cover_the_license()
    {
        var other = new RevocationHistory("other-vendor");
        var feed = ledger.SignFeed(other.Full(Now.AddMinutes(-5)));

        var verdict = LicenseVerifier.Verify(ledger.Sign(LedgerWithSigningKeys.NewLicense()), ledger.Jwks, ledger.Expectations, Now, feed, previous: null);

        Assert.Equal(VerificationStatus.NotCovered, verdict.Status);
        Assert.Contains("'other-vendor'", verdict.Detail);
    }

    [Fact]
    public void feed_pruned_past_the_licenses_expiry_does_not_cover_it()
    {
        var license = LedgerWithSigningKeys.NewLicense() with { ExpiresAt = Now.AddDays(1) };
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5), prunedBefore: Now.AddDays(2)));

        var verdict = LicenseVerifier.Verify(ledger.Sign(license), ledger.Jwks, ledger.Expectations, Now, feed, previous: null);

        Assert.Equal(VerificationStatus.NotCovered, verdict.Status);
        Assert.Contains("cannot speak for it", verdict.Detail);
    }

    private LicenseVerdict Verify(string licenseKey) =>
        LicenseVerifier.Verify(licenseKey, ledger.Jwks, ledger.Expectations, Now, ledger.AcceptedFullFeed().State);
}
