namespace Ledger.Notary.Keys;

/// <summary>An event in one key's lifecycle stream (stream id = kid).</summary>
public interface IKeyEvent
{
    Guid Kid { get; }

    DateTimeOffset At { get; }

    /// <summary>The client that asked, or "notary" for Notary's own decisions.</summary>
    string RequestedBy { get; }
}

/// <summary>A key pair was generated; its private half went into custody, never into this event.</summary>
public sealed record KeyGenerated(
    Guid Kid, KeyPurpose Purpose, string Algorithm, string PublicJwk, string Thumbprint,
    DateTimeOffset At, DateTimeOffset? ActivatesAt, string Reason, string RequestedBy) : IKeyEvent;

public sealed record KeyActivated(Guid Kid, KeyPurpose Purpose, Guid? PreviousKid, string PublicJwk, DateTimeOffset At, string RequestedBy) : IKeyEvent;

/// <summary>A successor took over signing; this key now only verifies.</summary>
public sealed record KeyRotatedOut(Guid Kid, Guid SuccessorKid, DateTimeOffset At, string RequestedBy) : IKeyEvent;

public sealed record KeyRetired(Guid Kid, KeyPurpose Purpose, string Reason, DateTimeOffset At, string RequestedBy) : IKeyEvent;

public sealed record KeyMarkedCompromised(Guid Kid, KeyPurpose Purpose, string Reason, DateTimeOffset At, string RequestedBy) : IKeyEvent;

/// <summary>
/// A key made elsewhere (a Flux distro signing key) was taken into custody with its kid; its private
/// half went into custody, never into this event. It verifies until retired; it signs only once a
/// KeyActivated follows.
/// </summary>
public sealed record KeyImported(
    Guid Kid, KeyPurpose Purpose, string Algorithm, string PublicJwk, string Thumbprint, string? Issuer,
    DateTimeOffset At, string Reason, string RequestedBy) : IKeyEvent;
