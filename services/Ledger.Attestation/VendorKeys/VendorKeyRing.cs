using System.Security.Cryptography;
using System.Text;
using Ledger.Crypto;

namespace Ledger.Attestation.VendorKeys;

/// <summary>One key of a vendor's ring.</summary>
public sealed class VendorKey
{
    public string Kid { get; set; } = "";

    public string PublicJwk { get; set; } = "";

    public DateTimeOffset RegisteredAt { get; set; }

    public DateTimeOffset? RemovedAt { get; set; }

    public string? RemovalReason { get; set; }

    public bool IsRemoved => RemovedAt is not null;
}

/// <summary>A vendor's keys, rebuilt from its ring stream and kept as a document (inline).</summary>
public sealed class VendorKeyRing
{
    public Guid Id { get; set; }

    public int Version { get; set; }

    public string VendorId { get; set; } = "";

    public List<VendorKey> Keys { get; set; } = [];

    /// <summary>
    /// The ring's stream id, derived from the vendor id (a UUIDv8 of its SHA-256), so the ring is found
    /// by name and two first registrations for one vendor meet on the same stream.
    /// </summary>
    public static Guid IdFor(string vendorId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("ledger-vendor-key-ring\n" + vendorId), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    public VendorKey? Find(string kid) => Keys.Find(k => k.Kid == kid);

    /// <summary>Every key, removed ones too, so a signature by a removed key is recognised and refused by name.</summary>
    public JsonWebKeySet ToJwks() => new(Keys.Select(k => JsonWebKey.Parse(k.PublicJwk)));

    public void Apply(VendorKeyRegistered e)
    {
        Id = e.RingId;
        VendorId = e.VendorId;
        Keys.Add(new VendorKey { Kid = e.Kid, PublicJwk = e.PublicJwk, RegisteredAt = e.At });
    }

    public void Apply(VendorKeyRemoved e)
    {
        if (Find(e.Kid) is { } key)
        {
            key.RemovedAt = e.At;
            key.RemovalReason = e.Reason;
        }
    }
}
