using Google.Protobuf.WellKnownTypes;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Grpc;
using V1 = Ledger.Contracts.Notary.V1;

namespace Ledger.Notary.Features.KeyManagement;

/// <summary>Between Notary's domain types and its gRPC contract.</summary>
public static class ProtoMapping
{
    private const string Purposes = "one of KEY_PURPOSE_LICENSE, KEY_PURPOSE_ATTESTATION, KEY_PURPOSE_FEED, KEY_PURPOSE_ENCRYPTION, KEY_PURPOSE_CHECKPOINT";

    /// <summary>The purpose a request names; an unspecified or unknown one is reported for <paramref name="field"/> and read as null.</summary>
    public static KeyPurpose? Purpose(RequestValidation validation, V1.KeyPurpose purpose, string field = "purpose")
    {
        var known = ToDomain(purpose);
        validation.Require(known is not null, field, "required: " + Purposes);
        return known;
    }

    /// <summary>A listing's purpose filter: unspecified means every purpose, an unknown value is refused.</summary>
    public static KeyPurpose? PurposeFilter(V1.KeyPurpose purpose)
    {
        if (purpose == V1.KeyPurpose.Unspecified)
        {
            return null;
        }

        var validation = new RequestValidation();
        var known = Purpose(validation, purpose);
        validation.ThrowIfInvalid();
        return known;
    }

    public static KeyPurpose? ToDomain(V1.KeyPurpose purpose) => purpose switch
    {
        V1.KeyPurpose.License => KeyPurpose.License,
        V1.KeyPurpose.Attestation => KeyPurpose.Attestation,
        V1.KeyPurpose.Feed => KeyPurpose.Feed,
        V1.KeyPurpose.Encryption => KeyPurpose.Encryption,
        V1.KeyPurpose.Checkpoint => KeyPurpose.Checkpoint,
        _ => null,
    };

    public static V1.KeyPurpose ToProto(KeyPurpose purpose) => purpose switch
    {
        KeyPurpose.License => V1.KeyPurpose.License,
        KeyPurpose.Attestation => V1.KeyPurpose.Attestation,
        KeyPurpose.Feed => V1.KeyPurpose.Feed,
        KeyPurpose.Checkpoint => V1.KeyPurpose.Checkpoint,
        _ => V1.KeyPurpose.Encryption,
    };

    /// <summary>The key id a request names; one that is not a UUID is reported for <paramref name="field"/>.</summary>
    public static Guid Kid(RequestValidation validation, string kid, string field = "kid")
    {
        var valid = Guid.TryParse(kid, out var id) && kid.Length == 36;
        validation.Require(valid, field, "required: a key id (UUID, as ListKeys shows it)");
        return id;
    }

    public static V1.RotateKeyResponse ToProto(KeyLifecycle.Rotation rotation) => new()
    {
        NewKey = ToProto(rotation.NewKey, null),
        PreviousKid = rotation.Previous?.Id.ToString() ?? "",
    };

    public static V1.KeyInfo ToProto(SigningKey key, DateTimeOffset? signedUntil)
    {
        var info = new V1.KeyInfo
        {
            Kid = key.Id.ToString(),
            Purpose = ToProto(key.Purpose),
            Algorithm = key.Algorithm,
            Status = key.Status switch
            {
                KeyStatus.Pending => V1.KeyStatus.Pending,
                KeyStatus.Active => V1.KeyStatus.Active,
                KeyStatus.Retiring => V1.KeyStatus.Retiring,
                KeyStatus.Retired => V1.KeyStatus.Retired,
                _ => V1.KeyStatus.Compromised,
            },
            CreatedAt = key.CreatedAt.ToTimestamp(),
            PublicJwkJson = key.PublicJwk,
            Thumbprint = key.Thumbprint,
        };
        if (key.ActivatesAt is { } activatesAt) info.ActivatesAt = activatesAt.ToTimestamp();
        if (key.ActivatedAt is { } activatedAt) info.ActivatedAt = activatedAt.ToTimestamp();
        if (key.RotatedOutAt is { } rotatedOutAt) info.RotatedOutAt = rotatedOutAt.ToTimestamp();
        if (key.RetiredAt is { } retiredAt) info.RetiredAt = retiredAt.ToTimestamp();
        if (key.CompromisedAt is { } compromisedAt) info.CompromisedAt = compromisedAt.ToTimestamp();
        if (signedUntil is { } until) info.SignedUntil = until.ToTimestamp();
        return info;
    }
}
