using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Feeds;
using Ledger.Cli.Keys;
using Ledger.Cli.Licensing;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Commands.Verify;

/// <summary>
/// <c>ledgerctl verify license-key FILE</c>: the offline verifier (<see cref="LicenseVerifier"/>)
/// against a trusted JWKS and, for revocation, a signed feed (file or URL, continued from the
/// stored feed state), the stored feed state alone, or an issuer's own revoked set. It fails
/// closed: a license is valid only when its issuer, its audience and its revocation were checked,
/// unless an option says that check is knowingly skipped.
/// </summary>
internal static class VerifyLicenseKeyCommand
{
    /// <summary>Keys in the trusted set without a "purpose" member (a Flux JWKS) are license keys here.</summary>
    private static readonly FeedOptions Options = new() { UnmarkedKeyPurpose = "license" };

    public static CliCommand Create()
    {
        var file = new Argument<string>("FILE") { Description = "The license key file." };
        var key = KeyMaterial.Option(KeyRole.SigningPublic);
        var revokedSet = new Option<string>("--revoked-set") { Description = "An issuer's revoked set (Flux format, written by 'ledgerctl revoke license-key').", HelpName = "FILE" };
        var feed = new Option<string>("--feed") { Description = "A signed revocation feed: a file, or a URL such as http://127.0.0.1:5030/feeds/revocations. The accepted state is kept in the state directory.", HelpName = "FILE|URL" };
        var capability = new Option<string[]>("--capability") { Description = "A capability the license must grant; repeatable.", HelpName = "NAME" };
        var audience = new Option<string>("--audience") { Description = "The audience the license must be for (your product's verifier id). Required unless --any-audience." };
        var anyAudience = new Option<bool>("--any-audience") { Description = "Accept a license for any audience (weakens the check: a license made for another product passes)." };
        var issuer = new Option<string>("--issuer") { Description = "The issuer the license must come from. Default: the issuer named by the signing key's kid (<issuer>:<thumbprint>); required for other keys (Notary's)." };
        var noRevocationCheck = new Option<bool>("--no-revocation-check") { Description = "Skip the revocation check when there is no --feed, --revoked-set or stored feed state (weakens the check: a revoked license passes)." };
        var stateDir = StateDirectory.Option();
        var feedTimeout = FeedInput.TimeoutOption();

        var command = new CliCommand("license-key", "Verify a license key offline: signature, issuer, audience, validity, capabilities and revocation.",
            "ledgerctl verify license-key customer-42.jwt --key acme-sig.public.jwks --audience acme-app --revoked-set revocations.json",
            "ledgerctl verify license-key license.jwt --key ledger.jwks --issuer ledger --audience acme-app --feed http://127.0.0.1:5030/feeds/revocations");
        command.Add(file);
        foreach (var option in new Option[] { key, revokedSet, feed, capability, audience, anyAudience, issuer, noRevocationCheck, stateDir, feedTimeout })
        {
            command.Add(option);
        }

        command.Handle(async run =>
        {
            if (run.Given(revokedSet) && run.Given(feed))
            {
                throw CliFailure.Usage("Give either --revoked-set or --feed, not both.");
            }

            if (run.Given(audience) && run.Get(anyAudience))
            {
                throw CliFailure.Usage("Give either --audience or --any-audience, not both.");
            }

            var licenseKey = LicenseKeyFile.Read(run.Get(file)!);
            var trusted = KeyMaterial.TrustedKeys(run.Get(key));
            var peeked = LicenseKeyFile.PeekUnverified(licenseKey);
            var signer = Jws.Verify(licenseKey, trusted, new JwsVerifyOptions { RequiredType = LicenseClaims.TokenType });
            var (expectedIssuer, issuerCheck) = run.Given(issuer)
                ? (LicenseTermsRules.Text(run.Get(issuer), "--issuer"), "checked: --issuer")
                : signer.Key is not null && KeyNames.NameOf(signer.Kid) is { } named
                    ? (named, "checked: named by the signing key")
                    : (peeked?.Issuer ?? "unknown", IssuerNotChecked);
            var audienceChecked = run.Given(audience);
            var expectedAudience = audienceChecked ? LicenseTermsRules.Text(run.Get(audience), "--audience") : peeked?.Audience ?? "unknown";
            var required = (run.Get(capability) ?? []).Select(c => c.Trim()).Where(c => c.Length > 0).ToList();
            var expectations = new LicenseExpectations(expectedIssuer, expectedAudience, required);
            var now = DateTimeOffset.UtcNow;

            LicenseVerdict verdict;
            JsonObject revocation;
            string revocationText;
            if (run.Get(feed) is { Length: > 0 } feedLocation)
            {
                var stateDirectory = StateDirectory.Resolve(run.Get(stateDir));
                var store = new FeedStateStore(stateDirectory);
                var previous = store.Load(expectedIssuer);
                var feedJws = await FeedInput.ReadAsync(feedLocation, previous, stateDirectory, run.Get(feedTimeout), run.Cancellation);
                verdict = LicenseVerifier.Verify(licenseKey, trusted, expectations, now, feedJws, previous, Options);
                string? savedTo = null;
                if (verdict.Feed is { } accepted && !accepted.Equals(previous))
                {
                    savedTo = store.Save(accepted);
                }

                var state = verdict.Feed ?? previous;
                revocation = new JsonObject
                {
                    ["source"] = "feed",
                    ["location"] = feedLocation,
                    ["feed_version"] = state?.Version,
                    ["feed_expires_at"] = Json.Time(state?.ExpiresAt),
                    ["state_file"] = store.PathFor(expectedIssuer),
                    ["state_saved"] = savedTo is not null,
                };
                revocationText = verdict.Feed is null
                    ? $"feed {feedLocation} refused; stored state kept ({store.PathFor(expectedIssuer)})"
                    : $"feed {feedLocation}, version {verdict.Feed.Version}{(savedTo is null ? string.Empty : $" (state saved to {savedTo})")}";
            }
            else if (run.Get(revokedSet) is { Length: > 0 } setPath)
            {
                var set = RevokedSet.Read(setPath);
                verdict = VerifyAgainst(licenseKey, trusted, expectations, now, set.Issuer, set.Ids);
                verdict = verdict.Status switch
                {
                    VerificationStatus.NotCovered => verdict with { Detail = $"The revoked set {setPath} is for issuer '{set.Issuer}', not '{verdict.Claims!.Issuer}'; it cannot speak for this license. Pass the revoked set of the license's issuer." },
                    VerificationStatus.Revoked => verdict with { Detail = $"License {verdict.Claims!.LicenseId} is revoked: listed in {setPath} since {Json.Time(set.RevokedAt(verdict.Claims.LicenseId)!.Value)}. Stop honouring it; the customer should contact the vendor." },
                    VerificationStatus.Valid => verdict with { Detail = $"License {verdict.Claims!.LicenseId} is valid for '{verdict.Claims.Audience}' until {Json.Time(verdict.Claims.ExpiresAt)}, and not in the revoked set {setPath}." },
                    _ => verdict,
                };
                revocation = new JsonObject { ["source"] = "revoked-set", ["location"] = setPath, ["revoked_count"] = set.Count };
                revocationText = $"revoked set {setPath} ({set.Count} revoked)";
            }
            else if (new FeedStateStore(StateDirectory.Resolve(run.Get(stateDir))) is var stored && stored.Load(expectedIssuer) is { FromFilter: false } state)
            {
                // The feed accepted last time (it must still be fresh): no download, still checked.
                verdict = LicenseVerifier.Verify(licenseKey, trusted, expectations, now, state, Options);
                revocation = new JsonObject
                {
                    ["source"] = "stored-state",
                    ["state_file"] = stored.PathFor(expectedIssuer),
                    ["feed_version"] = state.Version,
                    ["feed_expires_at"] = Json.Time(state.ExpiresAt),
                };
                revocationText = $"stored feed state {stored.PathFor(expectedIssuer)}, version {state.Version} (refresh it with --feed)";
            }
            else
            {
                verdict = VerifyAgainst(licenseKey, trusted, expectations, now, peeked?.Issuer ?? expectedIssuer, new HashSet<Guid>());
                if (verdict.IsValid)
                {
                    verdict = run.Get(noRevocationCheck)
                        ? verdict with { Detail = $"License {verdict.Claims!.LicenseId} is valid for '{verdict.Claims.Audience}' until {Json.Time(verdict.Claims.ExpiresAt)}. Revocation was not checked (--no-revocation-check)." }
                        : verdict with
                        {
                            Status = VerificationStatus.NotCovered,
                            Detail = $"License {verdict.Claims!.LicenseId} verifies, but revocation not checked: there is no --feed, --revoked-set or stored feed state for issuer '{expectedIssuer}'. Pass one, or --no-revocation-check to accept it without.",
                        };
                }

                revocation = new JsonObject { ["source"] = "none" };
                revocationText = run.Get(noRevocationCheck) ? "not checked (--no-revocation-check)" : "not checked: pass --feed or --revoked-set";
            }

            // Fail closed on what the verifier could not be asked to check.
            if (verdict.IsValid && issuerCheck == IssuerNotChecked)
            {
                verdict = verdict with
                {
                    Status = VerificationStatus.WrongIssuer,
                    Detail = $"The issuer could not be checked: the signing key '{signer.Kid}' does not name one. Pass --issuer with the issuer you trust (for Notary's keys, the ledger's issuer, e.g. 'ledger').",
                };
            }

            if (verdict.IsValid && !audienceChecked && !run.Get(anyAudience))
            {
                verdict = verdict with
                {
                    Status = VerificationStatus.WrongAudience,
                    Detail = $"The audience was not checked: pass --audience with your product's id (the license is for '{verdict.Claims!.Audience}'), or --any-audience to accept a license made for any product.",
                };
            }

            return new LicenseVerdictReport(verdict.Status, verdict.Detail, verdict.Claims, expectedIssuer, issuerCheck, expectedAudience,
                audienceChecked, required, revocation, revocationText).Print(run);
        });
        return command;
    }

    private const string IssuerNotChecked = "not checked: pass --issuer";

    /// <summary>
    /// Verifies against revocations the operator holds locally (a revoked set, or none). The verifier
    /// takes them as an accepted feed state; that state is made here, never persisted, and only
    /// answers "revoked?" for the issuer it names.
    /// </summary>
    private static LicenseVerdict VerifyAgainst(string licenseKey, JsonWebKeySet trusted, LicenseExpectations expectations, DateTimeOffset now, string issuer, IReadOnlySet<Guid> revoked)
    {
        var local = new FeedState(issuer, 0, FeedChain.Encode(FeedChain.Genesis(issuer)), revoked, now.AddDays(1), null);
        return LicenseVerifier.Verify(licenseKey, trusted, expectations, now, local, Options);
    }
}
