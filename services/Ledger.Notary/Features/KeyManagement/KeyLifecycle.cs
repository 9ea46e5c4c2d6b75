using Ledger.Crypto;
using Ledger.Idempotency;
using Ledger.Notary.Custody;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Domain;
using Marten;
using JasperFx;
using JasperFx.Events;
using Marten.Exceptions;
using RotateKeyResponse = Ledger.Contracts.Notary.V1.RotateKeyResponse;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Notary.Features.KeyManagement;

/// <summary>
/// Rotation, retirement and compromise of keys. Ring-wide changes run under the ring's
/// advisory lock and re-read the ring inside it; single-key changes use the key stream's
/// optimistic concurrency.
/// </summary>
public sealed class KeyLifecycle(IDocumentStore store, IKeyCustody custody, KeyRing ring, KeyUsage usage, IdempotentRequests idempotent, TimeProvider clock)
{
    public sealed record Rotation(SigningKey NewKey, SigningKey? Previous);

    /// <summary>
    /// Rotates the ring once per idempotency key. The record is looked up under the ring's lock, so a
    /// retry that arrives while the first attempt still runs waits for it and then gets its answer;
    /// the record commits with the rotation, so both happen or neither does.
    /// </summary>
    public async Task<RotateKeyResponse> RotateAsync(
        KeyPurpose purpose, DateTimeOffset? activateAt, string reason, string requestedBy, IdempotentCall call, CancellationToken cancellationToken)
    {
        await using var ringLock = await RingLock.AcquireAsync(store, purpose, cancellationToken);
        if (await FirstResponseAsync(call, cancellationToken) is { } first)
        {
            return first;
        }

        await using var session = store.LightweightSession();
        var response = ProtoMapping.ToProto(await StageRotationAsync(session, purpose, activateAt, reason, requestedBy, cancellationToken));
        idempotent.Record(session, call, response);
        try
        {
            // One commit: the wrapped private key, the new key's stream, the previous key's rotation and the request's record.
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (DocumentAlreadyExistsException)
        {
            // The same key, sent at the same moment for another ring (whose lock this is not): refused as a reused key.
            return await FirstResponseAsync(call, cancellationToken)
                ?? throw new InvalidOperationException($"Idempotency record {call.Id} conflicted on insert but cannot be read.");
        }

        await ring.RefreshAsync(cancellationToken);
        return response;
    }

    private async Task<RotateKeyResponse?> FirstResponseAsync(IdempotentCall call, CancellationToken cancellationToken) =>
        (await idempotent.FindAsync([call], cancellationToken)).TryGetValue(call.Id, out var record)
            ? IdempotentRequests.Replay<RotateKeyResponse>(record, call)
            : null;

    /// <summary>
    /// Adds a new key to the ring in <paramref name="session"/>, for a caller that holds the ring's lock
    /// and commits: reads the ring afresh, and returns the rotation as it will be once committed.
    /// </summary>
    private async Task<Rotation> StageRotationAsync(
        IDocumentSession session, KeyPurpose purpose, DateTimeOffset? activateAt, string reason, string requestedBy, CancellationToken cancellationToken)
    {
        var current = await session.Query<SigningKey>()
            .Where(k => k.Purpose == purpose && (k.Status == KeyStatus.Pending || k.Status == KeyStatus.Active))
            .ToListAsync(cancellationToken);
        if (current.FirstOrDefault(k => k.Status == KeyStatus.Pending) is { } pending)
        {
            throw new RuleViolation(
                $"A rotation of the {purpose.Name()} ring is in progress: key {pending.Id} activates at {pending.ActivatesAt:u}. " +
                "Wait for it, or retire the pending key to cancel that rotation.",
                ErrorReasons.RotationInProgress);
        }

        var now = clock.GetUtcNow();
        var active = current.FirstOrDefault(k => k.Status == KeyStatus.Active);
        var immediate = activateAt is null || activateAt <= now;
        var newKid = UuidV7.NewId();
        var generated = custody.Generate(newKid, purpose, session);
        var newKey = new SigningKey();
        var generatedEvent = new KeyGenerated(
            newKid, purpose, purpose.Algorithm(), generated.PublicJwk, generated.Thumbprint, now,
            immediate ? null : activateAt, string.IsNullOrWhiteSpace(reason) ? "rotation" : reason.Trim(), requestedBy);
        newKey.Apply(generatedEvent);
        if (immediate)
        {
            var activated = new KeyActivated(newKid, purpose, active?.Id, generated.PublicJwk, now, requestedBy);
            newKey.Apply(activated);
            session.Events.StartStream<SigningKey>(newKid, generatedEvent, activated);
            RotateOut(session, active, newKid, now, requestedBy);
        }
        else
        {
            session.Events.StartStream<SigningKey>(newKid, generatedEvent);
        }

        return new Rotation(newKey, immediate ? active : null);
    }

    /// <summary>
    /// Takes a signing key made elsewhere into custody with its kid (a Flux distro signing key), as the
    /// ring's active key or to verify only. Its signed-until is recorded before the commit, so the
    /// retirement sweep never sees it without one and takes it out of the JWKS early.
    /// </summary>
    public async Task<Rotation> ImportAsync(
        KeyPurpose purpose, JsonWebKey privateKey, string? issuer, bool activate, DateTimeOffset? signedUntil, string reason, string requestedBy, CancellationToken cancellationToken)
    {
        var kid = Guid.Parse(privateKey.Kid!);
        await using var ringLock = await RingLock.AcquireAsync(store, purpose, cancellationToken);
        await using var session = store.LightweightSession();
        if (await session.Events.FetchStreamStateAsync(kid, cancellationToken) is not null)
        {
            throw new RuleViolation($"Notary already has a key with kid {kid}. A key is imported once; list keys with ListKeys.");
        }

        var current = await session.Query<SigningKey>()
            .Where(k => k.Purpose == purpose && (k.Status == KeyStatus.Pending || k.Status == KeyStatus.Active))
            .ToListAsync(cancellationToken);
        if (activate && current.FirstOrDefault(k => k.Status == KeyStatus.Pending) is { } pending)
        {
            throw new RuleViolation(
                $"A rotation of the {purpose.Name()} ring is in progress: key {pending.Id} activates at {pending.ActivatesAt:u}. " +
                "Wait for it, or retire the pending key, before importing a key to activate.", ErrorReasons.RotationInProgress);
        }

        var now = clock.GetUtcNow();
        var active = current.FirstOrDefault(k => k.Status == KeyStatus.Active);
        var imported = custody.Import(kid, purpose, privateKey, session);
        var importedEvent = new KeyImported(kid, purpose, purpose.Algorithm(), imported.PublicJwk, imported.Thumbprint, issuer, now,
            string.IsNullOrWhiteSpace(reason) ? "imported" : reason.Trim(), requestedBy);
        if (activate)
        {
            session.Events.StartStream<SigningKey>(kid, importedEvent, new KeyActivated(kid, purpose, active?.Id, imported.PublicJwk, now, requestedBy));
            RotateOut(session, active, kid, now, requestedBy);
        }
        else
        {
            session.Events.StartStream<SigningKey>(kid, importedEvent);
        }

        await usage.RecordAsync(kid, signedUntil, cancellationToken);
        await session.SaveChangesAsync(cancellationToken);
        await ring.RefreshAsync(cancellationToken);
        return new Rotation(await LoadAsync(kid, cancellationToken), activate ? active : null);
    }

    /// <summary>
    /// Gives a ring an active key when it has none (first start), and activates a pending key whose time has come.
    /// Decided and done under the ring's lock: replicas starting together on an empty database create one first key.
    /// </summary>
    public async Task<Rotation?> EnsureActiveAsync(KeyPurpose purpose, CancellationToken cancellationToken)
    {
        await using var ringLock = await RingLock.AcquireAsync(store, purpose, cancellationToken);
        return await EnsureActiveUnderLockAsync(purpose, cancellationToken);
    }

    private async Task<Rotation?> EnsureActiveUnderLockAsync(KeyPurpose purpose, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var current = await session.Query<SigningKey>()
            .Where(k => k.Purpose == purpose && (k.Status == KeyStatus.Pending || k.Status == KeyStatus.Active))
            .ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var active = current.FirstOrDefault(k => k.Status == KeyStatus.Active);
        var due = current.FirstOrDefault(k => k.Status == KeyStatus.Pending && (k.ActivatesAt is null || k.ActivatesAt <= now || active is null));
        if (due is not null)
        {
            session.Events.Append(due.Id, new KeyActivated(due.Id, purpose, active?.Id, due.PublicJwk, now, SigningKey.NotaryActor));
            RotateOut(session, active, due.Id, now, SigningKey.NotaryActor);
            await session.SaveChangesAsync(cancellationToken);
            await ring.RefreshAsync(cancellationToken);
            return new Rotation(await LoadAsync(due.Id, cancellationToken), active);
        }

        if (active is not null)
        {
            return null;
        }

        var first = await StageRotationAsync(session, purpose, null, "initial key of the ring", SigningKey.NotaryActor, cancellationToken);
        await session.SaveChangesAsync(cancellationToken);
        await ring.RefreshAsync(cancellationToken);
        return first;
    }

    /// <summary>
    /// Retires the key. A retire that meets another change to the key committed first (Notary's own
    /// sweep retiring it as everything it signed expired, or another replica) reads the key again:
    /// retired by then, it is the answer; changed otherwise, the key's rules decide again.
    /// </summary>
    public Task<SigningKey> RetireAsync(Guid kid, string reason, string requestedBy, CancellationToken cancellationToken) =>
        ReadAgainOnConflictAsync(() => RetireOnceAsync(kid, reason, requestedBy, cancellationToken));

    private async Task<SigningKey> RetireOnceAsync(Guid kid, string reason, string requestedBy, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<SigningKey>(kid, cancellationToken);
        var key = stream.Aggregate ?? throw new RecordNotFound($"No key with kid {kid}. List keys with ListKeys.", ErrorReasons.KeyNotFound);
        if (key.Status == KeyStatus.Retired)
        {
            return key;
        }

        var signedUntil = (await usage.ReadAllAsync(cancellationToken)).GetValueOrDefault(kid, DateTimeOffset.MinValue);
        stream.AppendOne(key.Retire(signedUntil, reason, requestedBy, clock.GetUtcNow()));
        await session.SaveChangesAsync(cancellationToken);
        await ring.RefreshAsync(cancellationToken);
        return await LoadAsync(kid, cancellationToken);
    }

    /// <summary>
    /// Marks the key compromised and, when it was the ring's active key, gives the ring a new one under the
    /// ring's lock. The mark alone is read again and retried when another change to the key (a retirement,
    /// which takes no ring lock) committed first; the replacement is never retried blindly.
    /// </summary>
    public async Task<(SigningKey Key, SigningKey? Replacement)> MarkCompromisedAsync(
        Guid kid, string reason, string requestedBy, CancellationToken cancellationToken)
    {
        var key = await LoadAsync(kid, cancellationToken);
        if (key.Status == KeyStatus.Compromised)
        {
            return (key, null);
        }

        await using (var ringLock = await RingLock.AcquireAsync(store, key.Purpose, cancellationToken))
        {
            var wasActive = await ReadAgainOnConflictAsync(() => MarkOnceAsync(kid, key.Purpose, reason, requestedBy, cancellationToken));
            await ring.RefreshAsync(cancellationToken);
            if (!wasActive)
            {
                return (await LoadAsync(kid, cancellationToken), null);
            }

            // The ring must keep signing: replace the compromised active key at once, under the same
            // lock, so no other replica's sweep gives the ring its new key in between.
            var rotation = await EnsureActiveUnderLockAsync(key.Purpose, cancellationToken);
            return (await LoadAsync(kid, cancellationToken), rotation?.NewKey);
        }
    }

    /// <summary>Appends the mark unless the key is compromised already; whether the key was the ring's active key.</summary>
    private async Task<bool> MarkOnceAsync(Guid kid, KeyPurpose purpose, string reason, string requestedBy, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<SigningKey>(kid, cancellationToken);
        var status = stream.Aggregate!.Status;
        if (status == KeyStatus.Compromised)
        {
            return false;
        }

        stream.AppendOne(new KeyMarkedCompromised(kid, purpose, string.IsNullOrWhiteSpace(reason) ? "marked compromised" : reason.Trim(), clock.GetUtcNow(), requestedBy));
        await session.SaveChangesAsync(cancellationToken);
        return status == KeyStatus.Active;
    }

    /// <summary>Retires every retiring key whose signatures have all expired.</summary>
    public async Task<int> RetireExpiredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var usageByKid = await usage.ReadAllAsync(cancellationToken);
        var retired = 0;
        foreach (var key in ring.Keys.Where(k => k.Status == KeyStatus.Retiring))
        {
            if (usageByKid.GetValueOrDefault(key.Id, DateTimeOffset.MinValue) > now)
            {
                continue;
            }

            try
            {
                await RetireAsync(key.Id, "everything it signed has expired", SigningKey.NotaryActor, cancellationToken);
                retired++;
            }
            catch (RuleViolation)
            {
                // Changed meanwhile by a key admin or another replica into a state that is not retired this way.
            }
        }

        return retired;
    }

    public async Task<SigningKey> LoadAsync(Guid kid, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<SigningKey>(kid, cancellationToken)
            ?? throw new RecordNotFound($"No key with kid {kid}. List keys with ListKeys.", ErrorReasons.KeyNotFound);
    }

    /// <summary>
    /// Runs a single-key change again when another change to the key committed first (the key stream's
    /// optimistic concurrency): each attempt reads the key afresh, so its rules decide on what is there now.
    /// </summary>
    private static async Task<T> ReadAgainOnConflictAsync<T>(Func<Task<T>> change)
    {
        const int MaxAttempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await change();
            }
            catch (Exception e) when (attempt < MaxAttempts && e is ConcurrencyException or EventStreamUnexpectedMaxEventIdException)
            {
            }
        }
    }

    private static void RotateOut(IDocumentSession session, SigningKey? previous, Guid successor, DateTimeOffset now, string requestedBy)
    {
        if (previous is not null)
        {
            // Expected version: a concurrent change to the previous key fails the whole commit.
            session.Events.Append(previous.Id, previous.Version + 1, new KeyRotatedOut(previous.Id, successor, now, requestedBy));
        }
    }
}
