using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Feeds;
using Ledger.Cli.Keys;
using Ledger.Cli.Files;
using Ledger.Cli.Licensing;
using Ledger.Cli.Transparency;
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
    private static readonly FeedOptions LicenseRules = new() { UnmarkedKeyPurpose = KeyMaterial.LicensePurpose };

    /// <summary>The audience the Flux Operator requires of its license keys.</summary>
    private const string FluxAudience = "flux-operator";

    public static CliCommand Create()
    {
        var file = new Argument<string>("FILE") { Description = "The license key file." };
        var key = KeyMaterial.Option(KeyRole.SigningPublic);
        var revokedSet = new Option<string>("--revoked-set", "-r") { Description = "An issuer's revoked set (Flux format, written by 'ledgerctl revoke license-key').", HelpName = "FILE" };
        var feed = new Option<string>("--feed") { Description = "A signed revocation feed: a file, or a URL such as http://127.0.0.1:5030/feeds/revocations. The accepted state is kept in the state directory.", HelpName = "FILE|URL" };
        var capability = new Option<string[]>("--capability") { Description = "A capability the license must grant; repeatable.", HelpName = "NAME" };
        var audience = new Option<string>("--audience") { Description = "The audience the license must be for (your product's verifier id). Required unless --any-audience." };
        var anyAudience = new Option<bool>("--any-audience") { Description = "Accept a license for any audience (weakens the check: a license made for another product passes)." };
        var issuer = new Option<string>("--issuer") { Description = "The issuer the license must come from. Default: the issuer named by the signing key's kid (<issuer>:<thumbprint>); required for other keys (Notary's)." };
        var noRevocationCheck = new Option<bool>("--no-revocation-check") { Description = "Skip the revocation check when there is no --feed, --revoked-set or stored feed state (weakens the check: a revoked license passes)." };
        var stateDir = StateDirectory.Option();
        var feedTimeout = FeedInput.TimeoutOption();

        var receiptFile = new Option<string>("--receipt") { Description = "The license key's receipt from Notary's signature log ('ledgerctl license get ID --receipt-file FILE'): proves offline that the ledger recorded the signature.", HelpName = "FILE" };
        var checkpoint = new Option<string>("--checkpoint") { Description = "A signature log checkpoint to check the receipt against: a file with the signed note, or Notary's URL (http://127.0.0.1:5010/signature-log/checkpoint, whose consistency proofs are fetched too). The largest checkpoint accepted is kept in the state directory; a smaller or inconsistent one is refused.", HelpName = "FILE|URL" };
        var requireReceipt = new Option<bool>("--require-receipt") { Description = "Refuse a license key without a receipt (ReceiptMissing). Off by default; on in the hardened profile (docs/TRANSPARENCY.md)." };
        var logOrigin = new Option<string>("--log-origin") { Description = "The signature log's name in its checkpoints. Default: <issuer>/signature-log." };

        var command = new CliCommand("license-key", "Verify a license key offline (Ledger's license+jwt or the Flux Operator's format): signature, issuer, audience, validity, capabilities, revocation and, with a receipt, inclusion in Notary's signature log. The key set is trusted for licenses. Fails closed: an unchecked issuer, audience or revocation is a refusal unless an option says so; a Flux-format key checked with a Flux key set is checked as the Flux Operator checks it (docs/CLI.md).",
            "ledgerctl verify license-key customer-42.jwt -k keys/bc530bc4-sig-public.jwks --revoked-set revocations.json",
            "ledgerctl verify license-key license.jwt --key ledger.jwks --issuer ledger --audience acme-app --feed http://127.0.0.1:5030/feeds/revocations",
            "ledgerctl verify license-key license.jwt --key ledger.jwks --issuer ledger --audience acme-app --feed http://127.0.0.1:5030/feeds/revocations --receipt license.receipt.json --checkpoint http://127.0.0.1:5010/signature-log/checkpoint --require-receipt");
        command.Add(file);
        foreach (var option in new Option[] { key, revokedSet, feed, capability, audience, anyAudience, issuer, noRevocationCheck, stateDir, feedTimeout, receiptFile, checkpoint, requireReceipt, logOrigin })
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
            // Unmarked keys stay unmarked, so a set that also signs feeds keeps doing so; for the license they
            // count as license keys (the set given to 'verify license-key' is trusted for licenses).
            var trusted = KeyMaterial.TrustedKeys(run.Get(key), purpose: null);
            var peeked = LicenseKeyFile.PeekUnverified(licenseKey);
            var signer = Jws.Verify(licenseKey, trusted);
            // As a drop-in for flux-operator-cli (keys from FLUX_DISTRO_SIG_PUBLIC_JWKS), a Flux-format license
            // key (typ JWT) signed by a key of that Flux set (no purpose) is checked as the Flux Operator checks
            // it: audience flux-operator, the set's issuer when it names one, and no revocation data means
            // revocation is not checked (said in the detail), as the Flux tool does.
            var fluxRules = KeyMaterial.SigningKeysFromFluxVariable(run.Get(key)) && signer.Key is { Purpose: null } && LicenseKeyFile.IsFluxFormat(licenseKey);
            var (expectedIssuer, issuerCheck) = run.Given(issuer)
                ? (LicenseTermsRules.Text(run.Get(issuer), "--issuer"), "checked: --issuer")
                : signer.Key is not null && KeyNames.NameOf(signer.Kid) is { } named
                    ? (named, "checked: named by the signing key")
                    : trusted.Issuer is { Length: > 0 } setIssuer
                        ? (setIssuer, "checked: the key set's issuer")
                        : signer.Key is { Purpose: null }
                            // A Flux or keygen public set names no issuer: the key itself is the trust anchor.
                            ? (peeked?.Issuer ?? "unknown", IssuerOfUnmarkedKey)
                            : (peeked?.Issuer ?? "unknown", IssuerNotChecked);
            var fluxAudience = fluxRules && !run.Given(audience) && !run.Get(anyAudience);
            var audienceChecked = run.Given(audience) || fluxAudience;
            var expectedAudience = run.Given(audience) ? LicenseTermsRules.Text(run.Get(audience), "--audience") : fluxAudience ? FluxAudience : peeked?.Audience ?? "unknown";
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
                verdict = LicenseVerifier.Verify(licenseKey, trusted, expectations, now, feedJws, previous, LicenseRules);
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
                verdict = LicenseVerifier.Verify(licenseKey, trusted, expectations, now, state, LicenseRules);
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
                    verdict = run.Get(noRevocationCheck) || fluxRules
                        ? verdict with { Detail = $"License {verdict.Claims!.LicenseId} is valid for '{verdict.Claims.Audience}' until {Json.Time(verdict.Claims.ExpiresAt)}. Revocation was not checked ({(fluxRules ? "Flux rules: pass --revoked-set to check it" : "--no-revocation-check")})." }
                        : verdict with
                        {
                            Status = VerificationStatus.NotCovered,
                            Detail = $"License {verdict.Claims!.LicenseId} verifies, but revocation not checked: there is no --feed, --revoked-set or stored feed state for issuer '{expectedIssuer}'. Pass one, or --no-revocation-check to accept it without.",
                        };
                }

                revocation = new JsonObject { ["source"] = "none" };
                revocationText = run.Get(noRevocationCheck) ? "not checked (--no-revocation-check)" : "not checked: pass --feed or --revoked-set";
            }

            JsonObject? log = null;
            string? logText = null;
            if (run.Given(receiptFile) || run.Given(checkpoint) || run.Get(requireReceipt))
            {
                var origin = run.Get(logOrigin) is { Length: > 0 } givenOrigin ? givenOrigin : $"{expectedIssuer}/signature-log";
                var store = new CheckpointStore(StateDirectory.Resolve(run.Get(stateDir)));
                var stored = store.Load(origin);
                SignatureReceipt? receipt = null;
                ReceiptVerdict logVerdict;
                try
                {
                    receipt = run.Get(receiptFile) is { Length: > 0 } receiptPath
                        ? SignatureReceipt.Parse(LocalFiles.ReadText(receiptPath, SignatureReceipt.MaxBytes, "receipt file"))
                        : null;
                    var (note, proofs) = run.Get(checkpoint) is { Length: > 0 } location && receipt is not null
                        ? await CheckpointInput.ReadAsync(location, receipt, stored, trusted, origin, TimeSpan.FromSeconds(run.Get(feedTimeout)), run.Cancellation)
                        : (null, []);
                    logVerdict = ReceiptVerifier.Verify(licenseKey, receipt, trusted, origin, new ReceiptOptions(run.Get(requireReceipt), note, stored, proofs));
                }
                catch (FeedFormatException e)
                {
                    logVerdict = new ReceiptVerdict(VerificationStatus.NotInLog, $"The receipt is not a signature log receipt ({e.Message}). Fetch it again with 'ledgerctl license get ID --receipt-file FILE'.", stored);
                }

                string? savedTo = null;
                if (logVerdict.IsValid && logVerdict.Latest is { } latest && (stored is null || latest.Size > stored.Size))
                {
                    savedTo = store.Save(latest);
                }

                if (verdict.IsValid && !logVerdict.IsValid)
                {
                    verdict = verdict with { Status = logVerdict.Status, Detail = logVerdict.Detail };
                }

                log = new JsonObject
                {
                    ["status"] = logVerdict.Status.ToString(),
                    ["detail"] = logVerdict.Detail,
                    ["origin"] = origin,
                    ["log_index"] = receipt?.Entry.Index,
                    ["checkpoint_size"] = logVerdict.Latest?.Size,
                    ["state_file"] = store.PathFor(origin),
                    ["state_saved"] = savedTo is not null,
                };
                logText = receipt is null
                    ? $"{logVerdict.Status}: {logVerdict.Detail}"
                    : $"{logVerdict.Status}: entry {receipt.Entry.Index}, checkpoint of {logVerdict.Latest?.Size} entries{(savedTo is null ? string.Empty : $" (saved to {savedTo})")}";
            }

            // Fail closed on what the verifier could not be asked to check.
            if (verdict.IsValid && issuerCheck == IssuerNotChecked && !fluxRules)
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
                audienceChecked, required, revocation, revocationText, log, logText).Print(run);
        });
        return command;
    }

    private const string IssuerNotChecked = "not checked: pass --issuer";
    private const string IssuerOfUnmarkedKey = "the license's own, not checked: the key set names no issuer (pass --issuer to check it)";

    /// <summary>
    /// Verifies against revocations the operator holds locally (a revoked set, or none). The verifier
    /// takes them as an accepted feed state; that state is made here, never persisted, and only
    /// answers "revoked?" for the issuer it names.
    /// </summary>
    private static LicenseVerdict VerifyAgainst(string licenseKey, JsonWebKeySet trusted, LicenseExpectations expectations, DateTimeOffset now, string issuer, IReadOnlySet<Guid> revoked)
    {
        var local = new FeedState(issuer, 0, FeedChain.Encode(FeedChain.Genesis(issuer)), revoked, now.AddDays(1), null);
        return LicenseVerifier.Verify(licenseKey, trusted, expectations, now, local, LicenseRules);
    }
}
