using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Testing;

/// <summary>Sign requests Notary accepts, one per purpose, as the services write them (and variants tests break on purpose).</summary>
public static class SignRequests
{
    public const string Issuer = "ledger";

    public static LicenseClaims LicenseClaims(Guid? licenseId = null, string issuer = Issuer, TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return new LicenseClaims(licenseId ?? UuidV7.NewId(), issuer, "sub-1", "acme-app", now, now, now + (lifetime ?? TimeSpan.FromDays(30)), ["sso"], "flux", null, 0);
    }

    public static SignRequest License(LicenseClaims? claims = null)
    {
        claims ??= LicenseClaims();
        return new SignRequest
        {
            Purpose = KeyPurpose.License, Payload = ByteString.CopyFrom(claims.ToJson()), Typ = Verification.LicenseClaims.TokenType,
            ExpiresAt = Timestamp.FromDateTimeOffset(claims.ExpiresAt),
        };
    }

    public static RevocationFeedPayload FeedPayload(long version = 0, string issuer = Issuer, TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var genesis = FeedChain.Encode(FeedChain.Genesis(issuer));
        return new RevocationFeedPayload(issuer, version, RevocationFeedPayload.Full, null, genesis, genesis, now, now + (lifetime ?? TimeSpan.FromHours(24)), 3600, now, []);
    }

    public static SignRequest Feed(RevocationFeedPayload? payload = null)
    {
        payload ??= FeedPayload();
        return new SignRequest
        {
            Purpose = KeyPurpose.Feed, Payload = ByteString.CopyFrom(payload.ToJson()), Typ = RevocationFeedPayload.TokenType,
            ExpiresAt = Timestamp.FromDateTimeOffset(payload.ExpiresAt),
        };
    }

    public static byte[] AttestationStatement(Guid? attestationId = null, string issuer = Issuer)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Encoding.UTF8.GetBytes(
            $$"""{"jti":"{{attestationId ?? UuidV7.NewId()}}","iss":"{{issuer}}","iat":{{now}},"exp":{{now + (86400 * 365)}},"kind":"artifacts","subjects":["registry.example/app@sha256:{{new string('0', 64)}}"]}""");
    }

    public static SignRequest Attestation(byte[]? statement = null) => new()
    {
        Purpose = KeyPurpose.Attestation, Payload = ByteString.CopyFrom(statement ?? AttestationStatement()), Typ = "attestation+jwt",
        ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(365)),
    };

    public static CountersignRequest Countersign(byte[]? statement = null) => new()
    {
        Purpose = KeyPurpose.Attestation, Payload = ByteString.CopyFrom(statement ?? AttestationStatement()), Typ = "attestation+jwt",
        ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(365)),
    };
}
