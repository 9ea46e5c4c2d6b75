namespace Ledger.Attestation.VendorKeys;

/// <summary>An event in one vendor's key ring stream (stream id = <see cref="VendorKeyRing.IdFor"/> of the vendor id).</summary>
public interface IVendorKeyEvent
{
    Guid RingId { get; }

    string VendorId { get; }

    DateTimeOffset At { get; }

    string RequestedBy { get; }

    string? IdempotencyKey { get; }
}

/// <summary>A vendor key was registered. <paramref name="Kid"/> is its RFC 7638 thumbprint; <paramref name="PublicJwk"/> never holds "d".</summary>
public sealed record VendorKeyRegistered(
    Guid RingId, string VendorId, string Kid, string PublicJwk, DateTimeOffset At, string RequestedBy, string? IdempotencyKey) : IVendorKeyEvent;

/// <summary>A vendor key was removed; final. Nothing it signed verifies from now on.</summary>
public sealed record VendorKeyRemoved(
    Guid RingId, string VendorId, string Kid, string Reason, DateTimeOffset At, string RequestedBy, string? IdempotencyKey) : IVendorKeyEvent;
