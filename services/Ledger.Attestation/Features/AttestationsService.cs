using Ledger.ServiceDefaults.Hosting;
using Grpc.Core;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Features.AttestingArtifacts;
using Ledger.Attestation.Features.AttestingManifests;
using Ledger.Attestation.Features.Countersigning;
using Ledger.Attestation.Features.Querying;
using Ledger.Attestation.Features.Revoking;
using Ledger.Attestation.Features.Verifying;
using Ledger.Idempotency;
using Ledger.Attestation.Statements;
using Ledger.ServiceDefaults.Grpc;
using V1 = Ledger.Contracts.Attestation.V1;
using Ledger.ClientTokens;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Attestation.Features;

/// <summary>gRPC <c>ledger.attestation.v1.Attestations</c>: validates the whole request, then hands it to its feature.</summary>
[Authorize]
public sealed class AttestationsService(
    IdempotentRequests idempotent,
    ArtifactAttestation artifactAttestation,
    ManifestAttestation manifestAttestation,
    Countersigner countersigner,
    AttestationVerification verification,
    AttestationRevocation revocation,
    AttestationQueries queries,
    LedgerIssuer issuer,
    TimeProvider clock) : V1.Attestations.AttestationsBase
{
    [Authorize(Roles = LedgerRoles.Attestor)]
    public override async Task<V1.AttestationResponse> AttestArtifacts(V1.AttestArtifactsRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var now = clock.GetUtcNow();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var artifacts = SubjectRules.Artifacts(request.Artifacts, "artifacts", validation.Reporter());
        var expiresAt = RequestRules.ExpiresAt(validation, request.ExpiresAt, now);
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        return await idempotent.RunAsync("attest-artifacts", caller, request.IdempotencyKey, request, async session =>
        {
            var attestation = await artifactAttestation.AttestAsync(session, artifacts, expiresAt, caller, request.IdempotencyKey, context.CancellationToken);
            return new V1.AttestationResponse { Attestation = attestation.ToProto(clock.GetUtcNow()) };
        }, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.Attestor)]
    public override async Task<V1.AttestationResponse> AttestManifest(V1.AttestManifestRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var now = clock.GetUtcNow();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        SubjectRules.ManifestName(request.Name, "name", validation.Reporter());
        SubjectRules.ManifestDigest(request.Digest, "digest", validation.Reporter());
        var ignore = SubjectRules.Ignore(request.Ignore, "ignore", validation.Reporter());
        var expiresAt = RequestRules.ExpiresAt(validation, request.ExpiresAt, now);
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        var manifest = new ManifestSubject(request.Name, request.Digest, ignore);
        return await idempotent.RunAsync("attest-manifest", caller, request.IdempotencyKey, request, async session =>
        {
            var attestation = await manifestAttestation.AttestAsync(session, manifest, expiresAt, caller, request.IdempotencyKey, context.CancellationToken);
            return new V1.AttestationResponse { Attestation = attestation.ToProto(clock.GetUtcNow()) };
        }, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.Attestor)]
    public override async Task<V1.AttestationResponse> Countersign(V1.CountersignRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var statement = VendorStatement.Read(request.Statement, issuer.Name, clock.GetUtcNow(), validation);
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        return await idempotent.RunAsync("countersign", caller, request.IdempotencyKey, request, async session =>
        {
            var attestation = await countersigner.CountersignAsync(session, statement!, caller, request.IdempotencyKey, context.CancellationToken);
            return new V1.AttestationResponse { Attestation = attestation.ToProto(clock.GetUtcNow()) };
        }, context.CancellationToken);
    }

    public override async Task<V1.VerifyResponse> Verify(V1.VerifyRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        if (string.IsNullOrWhiteSpace(request.Attestation))
        {
            validation.Fail("attestation", "required: the attestation as received, a compact JWS or JWS JSON general serialization");
        }
        else if (request.Attestation.Length > StatementLimits.MaxAttestationBytes)
        {
            validation.Fail("attestation", $"{request.Attestation.Length} bytes; an attestation is at most {StatementLimits.MaxAttestationBytes} bytes");
        }

        var artifacts = request.Artifacts.Count == 0 ? [] : SubjectRules.Artifacts(request.Artifacts, "artifacts", validation.Reporter());
        var manifestDigest = request.ManifestDigest.Length == 0 ? null : request.ManifestDigest;
        if (manifestDigest is not null)
        {
            SubjectRules.ManifestDigest(manifestDigest, "manifest_digest", validation.Reporter());
        }

        if (request.Artifacts.Count == 0 && manifestDigest is null)
        {
            validation.Fail("artifacts", "give what you hold to check against the attestation: the artifacts with their digests, or manifest_digest");
        }
        else if (request.Artifacts.Count > 0 && manifestDigest is not null)
        {
            validation.Fail("manifest_digest", "give either artifacts or manifest_digest: an attestation is about one or the other");
        }

        validation.ThrowIfInvalid();
        var verdict = await verification.VerifyAsync(request.Attestation, artifacts, manifestDigest, context.CancellationToken);
        return verdict.ToProto();
    }

    [Authorize(Roles = LedgerRoles.AttestorOrAuditor)]
    public override async Task<V1.AttestationResponse> GetAttestation(V1.GetAttestationRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var id = RequestRules.AttestationId(validation, request.AttestationId);
        validation.ThrowIfInvalid();
        var attestation = await queries.GetAsync(id, context.CancellationToken);
        return new V1.AttestationResponse { Attestation = attestation.ToProto(clock.GetUtcNow()) };
    }

    [Authorize(Roles = LedgerRoles.AttestorOrAuditor)]
    public override Task<V1.ListAttestationsResponse> ListAttestations(V1.ListAttestationsRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        if (request.VendorId.Length > 0)
        {
            RequestRules.VendorId(validation, request.VendorId);
        }

        validation.Require(Enum.IsDefined(request.Kind), "kind", "unspecified (every kind), artifacts or manifest");
        validation.Require(request.Subject.Length <= ArtifactReference.MaxLength, "subject", $"at most {ArtifactReference.MaxLength} characters");
        validation.Require(request.PageSize is >= 0 and <= AttestationQueries.MaxPageSize, "page_size",
            $"1 to {AttestationQueries.MaxPageSize}, or 0 for the default of {AttestationQueries.DefaultPageSize}");
        validation.ThrowIfInvalid();

        var filter = new AttestationQueries.Filter(
            request.VendorId.Length == 0 ? null : request.VendorId,
            request.Kind switch
            {
                V1.AttestationKind.Artifacts => AttestationKind.Artifacts,
                V1.AttestationKind.Manifest => AttestationKind.Manifest,
                _ => null,
            },
            request.Subject.Length == 0 ? null : request.Subject);
        return queries.ListAsync(filter, request.PageSize, request.PageToken, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.Attestor)]
    public override async Task<V1.RevokeAttestationResponse> RevokeAttestation(V1.RevokeAttestationRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var id = RequestRules.AttestationId(validation, request.AttestationId);
        var reason = RequestRules.RevocationReason(validation, request.Reason);
        var comment = RequestRules.Text(validation, request.Comment, "comment", required: false);
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        return await idempotent.RunAsync("revoke", caller, request.IdempotencyKey, request, async session =>
        {
            var outcome = await revocation.RevokeAsync(session, id, reason, comment, caller, request.IdempotencyKey, context.CancellationToken);
            return new V1.RevokeAttestationResponse { Attestation = outcome.Attestation.ToProto(clock.GetUtcNow()), NewlyRevoked = outcome.NewlyRevoked };
        }, context.CancellationToken);
    }
}
