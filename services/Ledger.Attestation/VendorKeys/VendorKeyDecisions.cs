using Ledger.Crypto;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Attestation.VendorKeys;

/// <summary>Changes to a vendor's key ring and whether a key may sign, decided from the ring, the command and the time.</summary>
public static class VendorKeyDecisions
{
    /// <summary>Active keys a vendor may hold at once: enough to rotate, few enough to audit.</summary>
    public const int MaxActiveKeys = 16;

    public static VendorKeyRegistered Register(
        VendorKeyRing? ring, string vendorId, JsonWebKey publicKey, DateTimeOffset now, string requestedBy, string idempotencyKey)
    {
        var kid = publicKey.Thumbprint();
        if (ring?.Find(kid) is { } existing)
        {
            throw new RuleViolation(existing.IsRemoved
                ? $"Key {kid} of vendor {vendorId} was removed at {existing.RemovedAt:u} ({existing.RemovalReason}); a removed key stays removed. Generate a new key pair and register its public key."
                : $"Key {kid} is already registered for vendor {vendorId} (since {existing.RegisteredAt:u}); it can sign statements now.",
                ErrorReasons.VendorKeyAlreadyRegistered);
        }

        var active = ring?.Keys.Count(k => !k.IsRemoved) ?? 0;
        if (active >= MaxActiveKeys)
        {
            throw new RuleViolation(
                $"Vendor {vendorId} already has {active} active keys, the most a ring holds. Remove keys that no longer sign before registering another.",
                ErrorReasons.VendorKeyLimitReached);
        }

        var stored = publicKey.ToPublic().With(kid: kid, alg: JsonWebKey.AlgorithmEdDsa);
        return new VendorKeyRegistered(VendorKeyRing.IdFor(vendorId), vendorId, kid, stored.ToJson(), now, requestedBy, idempotencyKey);
    }

    /// <summary>Null when the key is already removed: removal is final and the first one stands.</summary>
    public static VendorKeyRemoved? Remove(
        VendorKeyRing? ring, string vendorId, string kid, string reason, DateTimeOffset now, string requestedBy, string idempotencyKey)
    {
        var key = ring?.Find(kid)
            ?? throw new RecordNotFound($"Vendor {vendorId} has no key {kid}. List the vendor's keys to find its kid (the key's RFC 7638 thumbprint).",
                ErrorReasons.VendorKeyNotFound);
        return key.IsRemoved ? null : new VendorKeyRemoved(ring!.Id, vendorId, kid, reason, now, requestedBy, idempotencyKey);
    }

    /// <summary>The key that may sign for the vendor, or the reason it may not: unknown to the ring, or removed.</summary>
    public static VendorKey Signer(VendorKeyRing? ring, string vendorId, string? kid)
    {
        var key = kid is null ? null : ring?.Find(kid);
        if (key is null)
        {
            throw new RuleViolation(
                $"The statement is signed by key {kid ?? "(no kid)"}, which is not registered for vendor {vendorId}. " +
                "Register the vendor's public key with RegisterVendorKey, or sign with a registered key (its kid is the key's RFC 7638 thumbprint).",
                ErrorReasons.VendorKeyNotRegistered);
        }

        if (key.IsRemoved)
        {
            throw new RuleViolation(
                $"The statement is signed by key {key.Kid} of vendor {vendorId}, which was removed at {key.RemovedAt:u} ({key.RemovalReason}); " +
                "a removed key is no longer countersigned. Sign the statement again with a registered key.",
                ErrorReasons.VendorKeyRemoved);
        }

        return key;
    }
}
