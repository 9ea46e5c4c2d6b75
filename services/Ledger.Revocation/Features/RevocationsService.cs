using Ledger.ServiceDefaults.Hosting;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Contracts.Revocation.V1;
using RevocationRecord = Ledger.Revocation.Revocations.RevocationRecord;
using Ledger.Crypto;
using Ledger.Revocation.Features.AuthorizingRekeys;
using Ledger.Revocation.Features.Feeds;
using Ledger.Revocation.Features.FluxInterop;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.Features.Watching;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Marten;
using V1 = Ledger.Contracts.Revocation.V1;
using Ledger.ClientTokens;
using Ledger.Idempotency;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Revocation.Features;

/// <summary>gRPC <c>ledger.revocation.v1.Revocations</c>. Reads are open to any registered client: feeds are public anyway.</summary>
[Authorize]
public sealed class RevocationsService(
    Revoker revoker, RekeyAuthorization rekeys, TrustedJwks jwks, FeedPublisher feeds, RevocationWatch watch, LedgerIssuer issuer, IDocumentStore store,
    IdempotentRequests idempotent, TimeProvider clock)
    : Ledger.Contracts.Revocation.V1.Revocations.RevocationsBase
{
    private const int MaxCommentLength = 500;

    /// <summary>Licenses one RevokeLicenses call may revoke: one commit holds them all.</summary>
    public const int MaxLicensesPerBatch = 20_000;
    private static readonly TimeSpan DefaultImportedLifetime = TimeSpan.FromDays(5 * 365);
    private static readonly TimeSpan MaxImportedLifetime = TimeSpan.FromDays(10 * 365);

    [Authorize(Roles = LedgerRoles.Revoker)]
    public override async Task<RevokeResponse> Revoke(RevokeRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var reason = Reason(request.Reason, validation);
        validation.Require(request.Comment.Length <= MaxCommentLength, "comment", $"at most {MaxCommentLength} characters");
        Guid licenseId = default;
        switch (request.LicenseCase)
        {
            case RevokeRequest.LicenseOneofCase.LicenseId:
                validation.Require(UuidV7.TryParse(request.LicenseId, out licenseId), "license_id", "a license id (UUIDv7, the license key's jti)");
                break;
            case RevokeRequest.LicenseOneofCase.LicenseKey:
                validation.ThrowIfInvalid();
                licenseId = await LicenseIdOfKeyAsync(request.LicenseKey, context.CancellationToken);
                break;
            default:
                validation.Fail("license", "required: license_id or license_key");
                break;
        }

        validation.ThrowIfInvalid();
        var outcome = await revoker.RevokeAsync(licenseId, reason, request.Comment.Length == 0 ? null : request.Comment,
            CallerIdentity.Of(context), context.CancellationToken);
        return new RevokeResponse { Revocation = ToProto(outcome.Record), NewlyRevoked = outcome.NewlyRevoked };
    }

    [Authorize(Roles = LedgerRoles.Revoker)]
    public override async Task<RevokeLicensesResponse> RevokeLicenses(RevokeLicensesRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var reason = Reason(request.Reason, validation);
        validation.Require(request.Comment.Length <= MaxCommentLength, "comment", $"at most {MaxCommentLength} characters");
        var ids = new List<Guid>();
        switch (request.SelectionCase)
        {
            case RevokeLicensesRequest.SelectionOneofCase.LicenseIds:
                var listed = request.LicenseIds.Ids;
                validation.Require(listed.Count is > 0 and <= MaxLicensesPerBatch, "license_ids",
                    $"1 to {MaxLicensesPerBatch:N0} license ids; split a longer list into several calls (each with its own idempotency key)");
                for (var i = 0; i < listed.Count; i++)
                {
                    if (UuidV7.TryParse(listed[i], out var id))
                    {
                        ids.Add(id);
                    }
                    else
                    {
                        validation.Fail($"license_ids.ids[{i}]", "a license id (UUIDv7, the license key's jti)");
                    }
                }

                break;
            case RevokeLicensesRequest.SelectionOneofCase.CustomerId:
                validation.Require(request.CustomerId.Length is > 0 and <= 200, "customer_id", "the vendor's customer id as given to IssueLicense (1 to 200 characters)");
                break;
            case RevokeLicensesRequest.SelectionOneofCase.SigningKeyId:
                validation.Require(request.SigningKeyId.Length is > 0 and <= 200 && request.SigningKeyId.Trim() == request.SigningKeyId, "signing_key_id",
                    "the kid of a Notary license key, as in the license keys' JWS header and the JWKS (1 to 200 characters, no surrounding spaces)");
                break;
            default:
                validation.Fail("selection", "required: license_ids, customer_id or signing_key_id");
                break;
        }

        validation.ThrowIfInvalid();
        var caller = CallerIdentity.Of(context);
        var comment = request.Comment.Length == 0 ? null : request.Comment;
        for (var attempt = 1; ; attempt++)
        {
            Revoker.BatchOutcome? outcome = null;
            try
            {
                var response = await idempotent.RunAsync("revoke-licenses", caller, request.IdempotencyKey, request, async session =>
                {
                    var moreRemaining = false;
                    IReadOnlyList<Guid> selected;
                    switch (request.SelectionCase)
                    {
                        case RevokeLicensesRequest.SelectionOneofCase.CustomerId:
                            selected = await LicensesOfCustomerAsync(session, request.CustomerId, context.CancellationToken);
                            break;
                        case RevokeLicensesRequest.SelectionOneofCase.SigningKeyId:
                            (selected, moreRemaining) = await LicensesSignedByAsync(session, request.SigningKeyId, context.CancellationToken);
                            break;
                        default:
                            selected = ids;
                            break;
                    }

                    outcome = await revoker.RevokeManyAsync(session, selected, reason, comment, caller, context.CancellationToken);
                    var answer = new RevokeLicensesResponse
                    {
                        FeedVersion = outcome.FeedVersion,
                        FirstFeedVersion = outcome.Revoked.Count > 0 ? outcome.Revoked[0].FeedVersion : 0,
                        MoreRemaining = moreRemaining,
                    };
                    answer.RevokedLicenseIds.AddRange(outcome.Revoked.Select(r => r.Id.ToString()));
                    answer.AlreadyRevokedLicenseIds.AddRange(outcome.AlreadyRevoked.Select(r => r.Id.ToString()));
                    return answer;
                }, context.CancellationToken);
                if (outcome is not null)
                {
                    revoker.Committed(outcome);
                }

                return response;
            }
            catch (Exception e) when (attempt < Revoker.MaxConflictAttempts && Revoker.IsConflict(e))
            {
                // A re-keying check wrote one of the licenses between this batch's read and its commit: read again.
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), context.CancellationToken);
            }
        }
    }

    private static async Task<IReadOnlyList<Guid>> LicensesOfCustomerAsync(IDocumentSession session, string customerId, CancellationToken cancellationToken)
    {
        var ids = await session.Query<KnownLicense>()
            .Where(l => l.CustomerId == customerId)
            .OrderBy(l => l.IssuedAt)
            .Select(l => l.Id)
            .Take(MaxLicensesPerBatch + 1)
            .ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            throw new RecordNotFound(
                $"Revocation knows no license of customer '{customerId}'. Check the customer id (the vendor's, as given to IssueLicense); licenses issued moments ago are learned within seconds.",
                ErrorReasons.LicenseUnknown);
        }

        if (ids.Count > MaxLicensesPerBatch)
        {
            throw new RuleViolation(
                $"Customer '{customerId}' has more than {MaxLicensesPerBatch:N0} licenses, more than one call revokes; nothing was revoked. Revoke them by license_ids in several calls.",
                ErrorReasons.RuleViolated);
        }

        return ids;
    }

    /// <summary>
    /// The unrevoked, unexpired licenses any of whose keys <paramref name="kid"/> signed, oldest first, at most
    /// one batch of them (and whether more are left). A license revoked between this read and the batch's
    /// lock is listed as already revoked, not revoked twice. NOT_FOUND when no known license,
    /// revoked, expired or not, was signed by that key: a mistyped kid must not look like "nothing left".
    /// </summary>
    private async Task<(IReadOnlyList<Guid> Ids, bool MoreRemaining)> LicensesSignedByAsync(IDocumentSession session, string kid, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var ids = await session.Query<KnownLicense>()
            .Where(l => l.SigningKeyIds!.Contains(kid) && l.RevokedAt == null && l.LatestExpiresAt > now)
            .OrderBy(l => l.IssuedAt)
            .Select(l => l.Id)
            .Take(MaxLicensesPerBatch + 1)
            .ToListAsync(cancellationToken);
        if (ids.Count == 0 && !await session.Query<KnownLicense>().AnyAsync(l => l.SigningKeyIds!.Contains(kid), cancellationToken))
        {
            throw new RecordNotFound(
                $"Revocation knows no license signed by key '{kid}'; nothing was revoked. Check the kid (ledgerctl keys list --purpose license, or the kid in a license key's JWS header); " +
                "licenses issued moments ago are learned within seconds, and licenses learned before Revocation recorded signing keys can only be revoked by id or customer.",
                ErrorReasons.LicenseUnknown);
        }

        return ids.Count > MaxLicensesPerBatch ? ([.. ids.Take(MaxLicensesPerBatch)], true) : (ids, false);
    }

    public override async Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        if (!UuidV7.TryParse(request.LicenseId, out var licenseId))
        {
            throw RequestValidation.Invalid("license_id", "a license id (UUIDv7, the license key's jti)");
        }

        await using var session = store.QuerySession();
        var record = await session.LoadAsync<RevocationRecord>(licenseId, context.CancellationToken);
        var known = await session.LoadAsync<KnownLicense>(licenseId, context.CancellationToken);
        if (record is null && known is null)
        {
            throw new RecordNotFound($"Revocation does not know license {licenseId}. A license issued moments ago is learned within seconds; retry shortly.",
                ErrorReasons.LicenseUnknown);
        }

        var response = new GetStatusResponse { Revoked = record is not null };
        if (record is not null)
        {
            response.Revocation = ToProto(record);
        }

        if (known is not null)
        {
            response.LicenseExpiresAt = known.ExpiresAt.ToTimestamp();
        }

        return response;
    }

    public override async Task<GetFeedResponse> GetFeed(GetFeedRequest request, ServerCallContext context)
    {
        if (request.Since < 0)
        {
            throw RequestValidation.Invalid("since", "a feed version >= 0 (0 for the full feed)");
        }

        var feed = await feeds.GetAsync(request.Since, context.CancellationToken);
        return new GetFeedResponse { Feed = feed.Jws, Version = feed.Version, Kind = feed.Kind };
    }

    [Authorize(Roles = LedgerRoles.RevokerOrAuditor)]
    public override async Task Watch(WatchRequest request, IServerStreamWriter<V1.RevocationRecord> responseStream, ServerCallContext context)
    {
        if (request.AfterVersion < 0)
        {
            throw RequestValidation.Invalid("after_version", "a feed version >= 0");
        }

        using var slot = watch.TryEnter() ?? throw new RpcException(new Status(StatusCode.ResourceExhausted,
            "This Revocation replica already serves its maximum of watches (Ledger:Revocation:MaxWatchers). Retry later, or poll the signed feed (GET /feeds/revocations?since=N)."));
        // Headers now, before any record: the client learns the watch is open (it holds a slot) without waiting for a revocation.
        await context.WriteResponseHeadersAsync([]);

        await foreach (var record in watch.FollowAsync(request.AfterVersion, context.CancellationToken))
        {
            await responseStream.WriteAsync(ToProto(record), context.CancellationToken);
        }
    }

    [Authorize(Roles = LedgerRoles.Revoker)]
    public override async Task<ImportRevocationsResponse> ImportRevocations(ImportRevocationsRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var reason = Reason(request.Reason, validation);
        FluxRevocationSet? set = null;
        try
        {
            set = FluxRevocationSet.Parse(request.RevocationsJson);
        }
        catch (FormatException e)
        {
            validation.Fail("revocations_json", $"not a Flux revocations.json: {e.Message}");
        }

        if (set is not null && set.Issuer != issuer.Name)
        {
            validation.Fail("revocations_json", $"its issuer is '{set.Issuer}', but this ledger's feeds are for '{issuer.Name}'; import only your own issuer's set");
        }

        var now = clock.GetUtcNow();
        var expiresBy = validation.Time(request.LicensesExpireBy, "licenses_expire_by") ?? now + DefaultImportedLifetime;
        validation.Require(expiresBy > now && expiresBy <= now + MaxImportedLifetime, "licenses_expire_by",
            $"a time in the future, at most {MaxImportedLifetime.TotalDays / 365:F0} years ahead (default {DefaultImportedLifetime.TotalDays / 365:F0} years): the latest expiry of the listed licenses");

        validation.ThrowIfInvalid();
        var response = new ImportRevocationsResponse();
        foreach (var (licenseId, revokedAt) in set!.Keys.OrderBy(k => k.Value))
        {
            var outcome = await revoker.ImportAsync(licenseId, revokedAt, reason, expiresBy, CallerIdentity.Of(context), context.CancellationToken);
            if (outcome.NewlyRevoked)
            {
                response.Imported++;
            }
            else
            {
                response.AlreadyRevoked++;
            }
        }

        response.FeedVersion = (await feeds.HeadAsync(context.CancellationToken)).Version;
        return response;
    }

    [Authorize(Roles = LedgerRoles.LicenseSigner)]
    public override async Task<AuthorizeRekeyResponse> AuthorizeRekey(AuthorizeRekeyRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        validation.Require(UuidV7.TryParse(request.LicenseId, out var licenseId), "license_id", "a license id (UUIDv7, the license key's jti)");
        var expiresAt = validation.Time(request.ExpiresAt, "expires_at");
        validation.Require(request.ExpiresAt is not null, "expires_at", "required: the new key's exp");
        validation.Require(request.Revision >= 2, "revision", "the new key's rev (2 or more: the first key is issued with the license)");
        validation.ThrowIfInvalid();
        var latest = await rekeys.AuthorizeAsync(licenseId, expiresAt!.Value, request.Revision, context.CancellationToken);
        return new AuthorizeRekeyResponse { LatestExpiresAt = latest.ToTimestamp() };
    }

    private async Task<Guid> LicenseIdOfKeyAsync(string licenseKey, CancellationToken cancellationToken)
    {
        var verification = Jws.Verify(licenseKey, await jwks.LicenseKeysAsync(cancellationToken));
        if (!verification.IsValid)
        {
            // A key that does not verify is not trusted to name a license (it could name anyone's).
            throw RequestValidation.Invalid("license_key",
                $"does not verify against Notary's license keys ({verification.Failure}); revoke by license_id instead if the key is damaged");
        }

        using var claims = JsonDocument.Parse(verification.Payload);
        if (!claims.RootElement.TryGetProperty("jti", out var jti) || !UuidV7.TryParse(jti.GetString(), out var licenseId))
        {
            throw RequestValidation.Invalid("license_key", "has no license id (jti)");
        }

        if (claims.RootElement.TryGetProperty("iss", out var iss) && iss.GetString() != issuer.Name)
        {
            throw RequestValidation.Invalid("license_key", $"was issued by '{iss.GetString()}', not by this ledger ('{issuer.Name}')");
        }

        return licenseId;
    }

    private static string Reason(V1.RevocationReason reason, RequestValidation validation)
    {
        switch (reason)
        {
            case V1.RevocationReason.Unspecified: return RevocationReasons.Unspecified;
            case V1.RevocationReason.KeyCompromise: return RevocationReasons.KeyCompromise;
            case V1.RevocationReason.AffiliationChanged: return RevocationReasons.AffiliationChanged;
            case V1.RevocationReason.Superseded: return RevocationReasons.Superseded;
            case V1.RevocationReason.CessationOfOperation: return RevocationReasons.CessationOfOperation;
            case V1.RevocationReason.PrivilegeWithdrawn: return RevocationReasons.PrivilegeWithdrawn;
            default:
                validation.Fail("reason", "one of the RFC 5280 reasons this API lists (e.g. REVOCATION_REASON_KEY_COMPROMISE)");
                return "";
        }
    }

    private static V1.RevocationRecord ToProto(RevocationRecord record) => new()
    {
        LicenseId = record.Id.ToString(),
        Issuer = record.Issuer,
        Reason = record.Reason,
        RevokedAt = record.RevokedAt.ToTimestamp(),
        FeedVersion = record.FeedVersion,
        RequestedBy = record.RequestedBy,
        LicenseExpiresAt = record.LicenseExpiresAt.ToTimestamp(),
        Comment = record.Comment ?? "",
    };
}
