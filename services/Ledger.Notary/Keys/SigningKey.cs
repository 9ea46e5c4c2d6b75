using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Notary.Keys;

/// <summary>A key's current state, rebuilt from its lifecycle stream. Never holds private material.</summary>
public sealed class SigningKey
{
    public const string NotaryActor = "notary";

    public Guid Id { get; set; }

    public KeyPurpose Purpose { get; set; }

    public string Algorithm { get; set; } = "";

    public KeyStatus Status { get; set; }

    public string PublicJwk { get; set; } = "";

    public string Thumbprint { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ActivatesAt { get; set; }

    public DateTimeOffset? ActivatedAt { get; set; }

    public DateTimeOffset? RotatedOutAt { get; set; }

    public DateTimeOffset? RetiredAt { get; set; }

    public DateTimeOffset? CompromisedAt { get; set; }

    public int Version { get; set; }

    public void Apply(KeyGenerated e)
    {
        Id = e.Kid;
        Purpose = e.Purpose;
        Algorithm = e.Algorithm;
        PublicJwk = e.PublicJwk;
        Thumbprint = e.Thumbprint;
        CreatedAt = e.At;
        ActivatesAt = e.ActivatesAt;
        Status = KeyStatus.Pending;
    }

    public void Apply(KeyActivated e)
    {
        Status = KeyStatus.Active;
        ActivatedAt = e.At;
    }

    public void Apply(KeyRotatedOut e)
    {
        Status = KeyStatus.Retiring;
        RotatedOutAt = e.At;
    }

    public void Apply(KeyRetired e)
    {
        Status = KeyStatus.Retired;
        RetiredAt = e.At;
    }

    public void Apply(KeyMarkedCompromised e)
    {
        Status = KeyStatus.Compromised;
        CompromisedAt = e.At;
    }

    /// <summary>Retiring is allowed once nothing the key signed is still valid.</summary>
    public KeyRetired Retire(DateTimeOffset signedUntil, string reason, string requestedBy, DateTimeOffset now) => Status switch
    {
        KeyStatus.Pending => new KeyRetired(Id, Purpose, Reason(reason, "rotation cancelled before activation"), now, requestedBy),
        KeyStatus.Retiring when signedUntil <= now => new KeyRetired(Id, Purpose, Reason(reason, "everything it signed has expired"), now, requestedBy),
        KeyStatus.Retiring => throw new RuleViolation(
            $"Key {Id} signed tokens that stay valid until {signedUntil:u}; retiring it now would make them fail verification. " +
            "Wait until then (Notary retires it by itself), or mark it compromised if it is unsafe.",
            ErrorReasons.KeyStillVerifying),
        KeyStatus.Active => throw new RuleViolation(
            $"Key {Id} is the active {Purpose.Name()} key; rotate the ring first, then retire it once what it signed has expired.",
            ErrorReasons.KeyActive),
        _ => throw new RuleViolation($"Key {Id} is {Status.ToString().ToLowerInvariant()}; only pending or retiring keys can be retired.", ErrorReasons.KeyNotRetirable),
    };

    private static string Reason(string given, string fallback) => string.IsNullOrWhiteSpace(given) ? fallback : given.Trim();
}
