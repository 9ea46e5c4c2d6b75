using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>
/// Verifies a license key offline against the trusted JWKS, the caller's expectations, a time, and
/// revocation data (a stored feed state, a feed, or a filter). Checks run in a fixed order and fail
/// closed: the license key (structure, key, signature, claims, issuer, audience, validity,
/// capabilities), then the revocation data, then revocation itself.
/// </summary>
public static class LicenseVerifier
{
    // The typ is checked after the signature (TypeRefusal), since which types are accepted depends on the signing key.
    private static readonly JwsVerifyOptions LicenseKeyRules = new();

    /// <summary>Verifies against an already accepted feed state (which must still be fresh).</summary>
    public static LicenseVerdict Verify(string licenseKey, JsonWebKeySet trusted, LicenseExpectations expected, DateTimeOffset now, FeedState feed, FeedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(feed);
        options ??= FeedOptions.Default;
        var (claims, failure) = VerifyLicenseKey(licenseKey, trusted, expected, now, options);
        if (failure is not null)
        {
            return failure with { Feed = feed };
        }

        return CheckRevocations(claims!, feed, now, options);
    }

    /// <summary>
    /// Accepts <paramref name="feedJws"/> after <paramref name="previous"/>, then verifies the license
    /// against the new state. The verdict carries the new state whenever the feed was accepted.
    /// </summary>
    public static LicenseVerdict Verify(string licenseKey, JsonWebKeySet trusted, LicenseExpectations expected, DateTimeOffset now, string feedJws, FeedState? previous, FeedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        options ??= FeedOptions.Default;
        var acceptance = RevocationFeeds.Accept(feedJws, trusted, expected.Issuer, previous, now, options);
        var (claims, failure) = VerifyLicenseKey(licenseKey, trusted, expected, now, options);
        if (failure is not null)
        {
            return failure with { Feed = acceptance.State };
        }

        if (acceptance.State is not { } state)
        {
            return new LicenseVerdict(acceptance.Status, acceptance.Detail, claims, null);
        }

        return CheckRevocations(claims!, state, now, options);
    }

    /// <summary>
    /// Verifies the license against a signed CRLite-style filter (<c>typ: revocation-filter+jwt</c>). The
    /// verdict's state records the filter's (version, chain) for rollback checks; it has no revocation list.
    /// </summary>
    public static LicenseVerdict VerifyWithFilter(string licenseKey, JsonWebKeySet trusted, LicenseExpectations expected, DateTimeOffset now, string filterJws, FeedState? previous, FeedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        options ??= FeedOptions.Default;
        var (filter, state, refusal) = AcceptFilter(filterJws, trusted, expected.Issuer, previous, now, options);
        var (claims, failure) = VerifyLicenseKey(licenseKey, trusted, expected, now, options);
        if (failure is not null)
        {
            return failure with { Feed = state };
        }

        if (refusal is not null)
        {
            return new LicenseVerdict(refusal.Status, refusal.Detail, claims, null);
        }

        var license = claims!;
        if (!UuidV7.IsVersion7(license.LicenseId))
        {
            return new LicenseVerdict(VerificationStatus.NotCovered, $"License {license.LicenseId} has a UUIDv6 id; the filter covers licenses by UUIDv7 timestamp. Verify it with the revocation feed instead.", license, state);
        }

        var idTime = UuidV7.Timestamp(license.LicenseId);
        if (idTime > filter!.CoversUntil)
        {
            return new LicenseVerdict(VerificationStatus.NotCovered, $"License {license.LicenseId} was issued at {idTime.Text()}, after the filter's covers_until ({filter.CoversUntil.Text()}), so the filter cannot say whether it is revoked. Fetch a newer filter or the revocation feed.", license, state);
        }

        if (filter.ReadCascade().IsRevoked(license.LicenseId))
        {
            return new LicenseVerdict(VerificationStatus.Revoked, $"License {license.LicenseId} is revoked according to filter version {filter.Version}. Stop honouring it; the customer should contact the vendor.", license, state);
        }

        if (filter.Superseded.TryGetValue(license.LicenseId, out var floor) && license.Revision < floor)
        {
            return new LicenseVerdict(VerificationStatus.Superseded, Superseded(license, floor, $"filter version {filter.Version}"), license, state);
        }

        return new LicenseVerdict(VerificationStatus.Valid, $"License {license.LicenseId} is valid for '{license.Audience}' until {license.ExpiresAt.Text()}, and not revoked as of filter version {filter.Version}.", license, state);
    }

    private static (LicenseClaims? Claims, LicenseVerdict? Failure) VerifyLicenseKey(string licenseKey, JsonWebKeySet trusted, LicenseExpectations expected, DateTimeOffset now, FeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(expected.Issuer);
        ArgumentNullException.ThrowIfNull(expected.Audience);

        var verification = Jws.Verify(licenseKey ?? string.Empty, trusted, LicenseKeyRules);
        if (verification.Key is { } key && KeyStatus.IsWithdrawn(key))
        {
            return Fail(VerificationStatus.KeyRetiredOrCompromised, $"The license key is signed with key '{verification.Kid}', which the JWKS marks {key.Status}; licenses it signed are no longer trusted. Ask the vendor for a license key signed with a current key.");
        }

        if (verification.Key is { } signer && KeyStatus.PurposeMismatch(signer, "license", options) is { } mismatch)
        {
            return Fail(VerificationStatus.UnknownKey, $"The license key is signed with key '{verification.Kid}', {mismatch}. Only a license key vouches for a license; this one is not trusted.");
        }

        if (!verification.IsValid || verification.Payload is null)
        {
            return verification.Failure switch
            {
                JwsFailure.UnknownKey => Fail(VerificationStatus.UnknownKey, $"The license key names a signing key the trusted JWKS does not hold ({verification.Detail}). Refresh the JWKS from the vendor; if the key is still unknown, the license key is not genuine."),
                JwsFailure.BadSignature => Fail(VerificationStatus.BadSignature, $"The license key's signature does not verify ({verification.Detail}). It was altered or forged; ask the vendor for the original license key."),
                _ => Fail(VerificationStatus.Malformed, $"The text is not a Ledger license key ({verification.Failure}: {verification.Detail}). Paste the whole license key, a compact JWS of type '{LicenseClaims.TokenType}'."),
            };
        }

        if (TypeRefusal(verification, options) is { } refusal)
        {
            return Fail(VerificationStatus.Malformed, refusal);
        }

        LicenseClaims claims;
        try
        {
            claims = LicenseClaims.Parse(verification.Payload);
        }
        catch (FeedFormatException ex)
        {
            return Fail(VerificationStatus.Malformed, $"The license key is signed but its claims are malformed: {ex.Message} Ask the vendor to reissue it.");
        }

        var skew = options.ClockSkew;
        if (verification.Key!.NotAfter is { } keyEnd && claims.IssuedAt > keyEnd.Plus(skew))
        {
            return Fail(VerificationStatus.KeyRetiredOrCompromised, $"The license key was issued at {claims.IssuedAt.Text()}, after its signing key '{verification.Kid}' stopped being valid ({keyEnd.Text()}). Ask the vendor for a license key signed with a current key.", claims);
        }

        if (!string.Equals(claims.Issuer, expected.Issuer, StringComparison.Ordinal))
        {
            return Fail(VerificationStatus.WrongIssuer, $"The license key was issued by '{JsonMembers.Printable(claims.Issuer)}', not '{JsonMembers.Printable(expected.Issuer)}'. Use a license key from the expected vendor.", claims);
        }

        if (!claims.Audiences.Contains(expected.Audience, StringComparer.Ordinal))
        {
            return Fail(VerificationStatus.WrongAudience, $"The license key is for '{JsonMembers.Printable(claims.Audience)}', not '{JsonMembers.Printable(expected.Audience)}'. Use the license key issued for this product.", claims);
        }

        if (claims.NotBefore > now.Plus(skew))
        {
            return Fail(VerificationStatus.NotYetValid, $"License {claims.LicenseId} is valid only from {claims.NotBefore.Text()}; the time is {now.Text()}. Wait until then, or check this machine's clock.", claims);
        }

        if (claims.ExpiresAt <= now.Minus(skew))
        {
            return Fail(VerificationStatus.Expired, $"License {claims.LicenseId} expired at {claims.ExpiresAt.Text()}; the time is {now.Text()}. Renew the license with the vendor.", claims);
        }

        if (MissingCapabilities(expected.RequiredCapabilities, claims.Capabilities) is { } missing)
        {
            return Fail(VerificationStatus.MissingCapability, $"License {claims.LicenseId} lacks the required {(missing.Count == 1 ? "capability" : "capabilities")} {string.Join(", ", missing.Select(c => $"'{JsonMembers.Printable(c)}'"))}. Upgrade the license with the vendor.", claims);
        }

        return (claims, null);
    }

    /// <summary>
    /// A license key is typed <c>license+jwt</c>, or <c>JWT</c> as the Flux Operator writes it. Flux signs
    /// license keys and attestations with one key and one typ, so a <c>JWT</c> is taken as a license key
    /// only when its signing key's purpose says license: the key's own <see cref="JsonWebKey.Purpose"/>, or
    /// for a key that names none, the purpose the caller gives the set (<see cref="FeedOptions.UnmarkedKeyPurpose"/>).
    /// Purpose separation by the key, not by the typ alone.
    /// </summary>
    private static string? TypeRefusal(JwsVerification verification, FeedOptions options)
    {
        var typ = verification.Header is { } header && header.TryGetProperty("typ", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
            ? value.GetString()
            : null;
        if (string.Equals(typ, LicenseClaims.TokenType, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (string.Equals(typ, LicenseClaims.FluxTokenType, StringComparison.OrdinalIgnoreCase))
        {
            return (verification.Key?.Purpose ?? options.UnmarkedKeyPurpose) == "license"
                ? null
                : $"The token is typed '{LicenseClaims.FluxTokenType}' (the Flux format) but its signing key '{verification.Kid}' is not a license key: a Flux-format license key is accepted only from a key set trusted for licenses.";
        }

        return $"The text is not a license key: its typ is '{JsonMembers.Printable(typ ?? "(none)")}', not '{LicenseClaims.TokenType}' or the Flux format's '{LicenseClaims.FluxTokenType}'.";
    }

    private static LicenseVerdict CheckRevocations(LicenseClaims license, FeedState feed, DateTimeOffset now, FeedOptions options)
    {
        if (!string.Equals(feed.Issuer, license.Issuer, StringComparison.Ordinal))
        {
            return new LicenseVerdict(VerificationStatus.NotCovered, $"The feed state is for issuer '{JsonMembers.Printable(feed.Issuer)}', not '{JsonMembers.Printable(license.Issuer)}'; it cannot speak for this license. Use the feed of the license's issuer.", license, feed);
        }

        if (feed.FromFilter)
        {
            return new LicenseVerdict(VerificationStatus.NotCovered, "The stored state came from a filter and holds no revocation list. Verify with the filter itself (VerifyWithFilter) or accept a full feed.", license, feed);
        }

        if (now > feed.ExpiresAt.Plus(options.ClockSkew) && !options.AllowStaleFeedUnsafe)
        {
            return new LicenseVerdict(VerificationStatus.FeedStale, $"The revocation feed expired at {feed.ExpiresAt.Text()}; the time is {now.Text()}. Fetch a fresh feed: an old one could be hiding recent revocations.", license, feed);
        }

        if (feed.PrunedBefore is { } prunedBefore && license.ExpiresAt < prunedBefore)
        {
            return new LicenseVerdict(VerificationStatus.NotCovered, $"The feed omits revocations of licenses that expire before {prunedBefore.Text()}, and license {license.LicenseId} expires at {license.ExpiresAt.Text()}; the feed cannot speak for it. Check this machine's clock, then renew the license.", license, feed);
        }

        if (feed.Revoked.Contains(license.LicenseId))
        {
            return new LicenseVerdict(VerificationStatus.Revoked, $"License {license.LicenseId} is revoked (feed version {feed.Version}). Stop honouring it; the customer should contact the vendor.", license, feed);
        }

        if (feed.Superseded.TryGetValue(license.LicenseId, out var floor) && license.Revision < floor.Revision)
        {
            return new LicenseVerdict(VerificationStatus.Superseded, Superseded(license, floor.Revision, $"feed version {feed.Version}"), license, feed);
        }

        return new LicenseVerdict(VerificationStatus.Valid, $"License {license.LicenseId} is valid for '{license.Audience}' until {license.ExpiresAt.Text()}, and not revoked as of feed version {feed.Version}.", license, feed);
    }

    private static (RevocationFilterPayload? Filter, FeedState? State, FeedAcceptance? Refusal) AcceptFilter(
        string filterJws, JsonWebKeySet trusted, string expectedIssuer, FeedState? previous, DateTimeOffset now, FeedOptions options)
    {
        const string What = "revocation filter";
        var (bytes, key, failure) = SignedFeedDocument.Verify(filterJws, trusted, RevocationFilterPayload.TokenType, What, options);
        if (failure is not null)
        {
            return (null, null, FeedAcceptance.Refuse(VerificationStatus.FeedSignatureInvalid, failure));
        }

        RevocationFilterPayload filter;
        try
        {
            filter = RevocationFilterPayload.Parse(bytes);
        }
        catch (FeedFormatException ex)
        {
            return (null, null, FeedAcceptance.Refuse(VerificationStatus.Malformed, $"The revocation filter is signed but its payload is malformed: {ex.Message} Report this to the Revocation service's operators and keep the previous filter."));
        }

        if (SignedFeedDocument.SignedAfterKeyEnd(key!, filter.IssuedAt, What, options) is { } lateSignature)
        {
            return (null, null, FeedAcceptance.Refuse(VerificationStatus.FeedSignatureInvalid, lateSignature));
        }

        if (RevocationFeeds.CheckSignedDocument(filter.Issuer, filter.Version, filter.Chain, filter.IssuedAt, filter.ExpiresAt, What, expectedIssuer, previous, now, options) is { } refusal)
        {
            return (null, null, refusal);
        }

        var state = new FeedState(filter.Issuer, filter.Version, filter.Chain, new HashSet<Guid>(), filter.ExpiresAt, null) { FromFilter = true };
        return (filter, state, null);
    }

    /// <summary>The required capabilities the license lacks, each once; null when it has them all (the common case, without allocating).</summary>
    private static List<string>? MissingCapabilities(IReadOnlyCollection<string>? required, IReadOnlyList<string> granted)
    {
        List<string>? missing = null;
        foreach (var capability in required ?? [])
        {
            if (!Grants(granted, capability) && !(missing?.Contains(capability, StringComparer.Ordinal) ?? false))
            {
                (missing ??= []).Add(capability);
            }
        }

        return missing;

        static bool Grants(IReadOnlyList<string> granted, string capability)
        {
            for (var i = 0; i < granted.Count; i++)
            {
                if (string.Equals(granted[i], capability, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static string Superseded(LicenseClaims license, int floor, string source) =>
        $"License key revision {license.Revision} of license {license.LicenseId} is superseded ({source}): the license was re-keyed with fewer rights or a shorter term, and only keys of revision {floor} or later are valid. Install the license's current key (ledgerctl license get).";

    private static (LicenseClaims?, LicenseVerdict?) Fail(VerificationStatus status, string detail, LicenseClaims? claims = null) =>
        (null, new LicenseVerdict(status, detail, claims, null));
}
