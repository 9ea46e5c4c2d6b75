using System.Diagnostics.Metrics;
using Ledger.Crypto;
using Ledger.Notary.Custody;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Notary.Features.Signing;

/// <summary>Signs payloads with the active key of a purpose.</summary>
public sealed class Signer(KeyRing ring, IKeyCustody custody, KeyUsage usage)
{
    public const int MaxPayloadBytes = 64 * 1024;

    /// <summary>Full revocation feeds grow with unpruned revocations (about 130 bytes each).</summary>
    public const int MaxFeedPayloadBytes = 8 * 1024 * 1024;

    public const int MaxBatch = 1000;

    public static int PayloadLimit(KeyPurpose purpose) => purpose == KeyPurpose.Feed ? MaxFeedPayloadBytes : MaxPayloadBytes;

    private static readonly Counter<long> Signatures =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.notary.signatures", description: "Signatures made, by key purpose");

    public sealed record Signed(SigningKey Key, IReadOnlyList<string> Jws);

    public sealed record Countersignature(SigningKey Key, string Protected, string Signature);

    public async Task<Signed> SignAsync(
        KeyPurpose purpose, IReadOnlyList<ReadOnlyMemory<byte>> payloads, string? typ, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var key = ActiveKey(purpose);
        // The expiry is durable before any signature leaves: the key stays published until then.
        await usage.RecordAsync(key.Id, expiresAt, cancellationToken);
        var header = Jws.ProtectedHeader(key.Id.ToString(), typ);
        var result = new string[payloads.Count];
        for (var i = 0; i < payloads.Count; i++)
        {
            var signingInput = Jws.SigningInput(header, payloads[i].Span);
            var signature = await custody.SignAsync(key.Id, purpose, signingInput, cancellationToken);
            result[i] = Jws.Compact(signingInput, signature);
        }

        Signatures.Add(payloads.Count, new KeyValuePair<string, object?>("purpose", purpose.Name()));
        return new Signed(key, result);
    }

    public async Task<Countersignature> CountersignAsync(
        KeyPurpose purpose, ReadOnlyMemory<byte> payload, string? typ, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var key = ActiveKey(purpose);
        await usage.RecordAsync(key.Id, expiresAt, cancellationToken);
        var header = Jws.ProtectedHeader(key.Id.ToString(), typ);
        var signature = await custody.SignAsync(key.Id, purpose, Jws.SigningInput(header, payload.Span), cancellationToken);
        Signatures.Add(1, new KeyValuePair<string, object?>("purpose", purpose.Name()));
        return new Countersignature(key, header, Base64Url.Encode(signature));
    }

    private SigningKey ActiveKey(KeyPurpose purpose)
    {
        if (!purpose.Signs())
        {
            throw new RuleViolation($"{purpose.Name()} keys encrypt; they never sign. Use the license, attestation or feed purpose.", ErrorReasons.PurposeCannotSign);
        }

        return ring.Active(purpose)
            ?? throw new RuleViolation($"The {purpose.Name()} ring has no active key yet; Notary creates one at start. Retry in a moment.", ErrorReasons.NoActiveKey);
    }
}
