using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Ledger.Crypto;
using Ledger.Notary.Custody;
using Ledger.Notary.Features.SignatureLog;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ServiceDefaults.Grpc;
using Ledger.Verification;

namespace Ledger.Notary.Features.Signing;

/// <summary>
/// Signs payloads with the active key of a purpose, after <see cref="SigningRules"/> accepted them, and
/// records every signature in the signature log (in the transaction that records the key's usage)
/// before any signature is returned.
/// </summary>
public sealed class Signer(KeyRing ring, IKeyCustody custody, SigningRules rules, RevocationLogHead revocationLog, SignatureLogStore log, TimeProvider clock)
{
    public const int MaxPayloadBytes = 64 * 1024;

    /// <summary>Full revocation feeds grow with unpruned revocations (about 130 bytes each).</summary>
    public const int MaxFeedPayloadBytes = 8 * 1024 * 1024;

    public const int MaxBatch = 1000;

    public static int PayloadLimit(KeyPurpose purpose) => purpose == KeyPurpose.Feed ? MaxFeedPayloadBytes : MaxPayloadBytes;

    private static readonly Counter<long> Signatures =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.notary.signatures", description: "Signatures made, by key purpose");

    public sealed record Signed(SigningKey Key, IReadOnlyList<string> Jws, IReadOnlyList<long> LogIndexes);

    public sealed record Countersignature(SigningKey Key, string Protected, string Signature, long LogIndex);

    public async Task<Signed> SignAsync(
        KeyPurpose purpose, IReadOnlyList<ReadOnlyMemory<byte>> payloads, string typ, DateTimeOffset? expiresAt, string client, CancellationToken cancellationToken)
    {
        var subjects = rules.Check(purpose, typ, payloads, expiresAt, batch: payloads.Count > 1);
        await CheckFeedVersionsAsync(subjects, payloads.Count > 1, cancellationToken);
        var key = ActiveKey(purpose);
        var header = Jws.ProtectedHeader(key.Id.ToString(), typ);
        var result = new string[payloads.Count];
        var pending = new SignatureLogStore.Pending[payloads.Count];
        for (var i = 0; i < payloads.Count; i++)
        {
            var signingInput = Jws.SigningInput(header, payloads[i].Span);
            var signature = await custody.SignAsync(key.Id, purpose, signingInput, cancellationToken);
            result[i] = Jws.Compact(signingInput, signature);
            pending[i] = new SignatureLogStore.Pending(subjects[i].Name, SHA256.HashData(signingInput));
        }

        // Durable before any signature leaves: the log entries and the key's expiry, in one transaction.
        var entries = await log.AppendAsync(key, client, pending, expiresAt!.Value, clock.GetUtcNow(), cancellationToken);
        Signatures.Add(payloads.Count, new KeyValuePair<string, object?>("purpose", purpose.Name()));
        return new Signed(key, result, entries.Select(e => e.Index).ToList());
    }

    public async Task<Countersignature> CountersignAsync(
        KeyPurpose purpose, ReadOnlyMemory<byte> payload, string typ, DateTimeOffset? expiresAt, string client, CancellationToken cancellationToken)
    {
        var subject = rules.Check(purpose, typ, [payload], expiresAt, batch: false)[0];
        var key = ActiveKey(purpose);
        var header = Jws.ProtectedHeader(key.Id.ToString(), typ);
        var signingInput = Jws.SigningInput(header, payload.Span);
        var signature = await custody.SignAsync(key.Id, purpose, signingInput, cancellationToken);
        var entries = await log.AppendAsync(key, client, [new SignatureLogStore.Pending(subject.Name, SHA256.HashData(signingInput))], expiresAt!.Value, clock.GetUtcNow(), cancellationToken);
        Signatures.Add(1, new KeyValuePair<string, object?>("purpose", purpose.Name()));
        return new Countersignature(key, header, Base64Url.Encode(signature), entries[0].Index);
    }

    /// <summary>Rule feed-version: a feed or filter is of a version the revocation log has reached.</summary>
    private async Task CheckFeedVersionsAsync(IReadOnlyList<SigningRules.Subject> subjects, bool batch, CancellationToken cancellationToken)
    {
        if (subjects.All(s => s.FeedVersion is null) || await revocationLog.VersionAsync(cancellationToken) is not { } head)
        {
            return;
        }

        var validation = new Ledger.ServiceDefaults.Grpc.RequestValidation();
        for (var i = 0; i < subjects.Count; i++)
        {
            if (subjects[i].FeedVersion is { } version && version > head)
            {
                validation.Fail(batch ? $"payloads[{i}].ver" : "payload.ver", $"rule feed-version: version {version} is past the revocation log's version {head}");
            }
        }

        validation.ThrowIfInvalid();
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
