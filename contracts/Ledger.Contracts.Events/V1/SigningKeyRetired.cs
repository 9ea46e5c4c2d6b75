namespace Ledger.IntegrationEvents.V1;

/// <summary>A key left the JWKS because nothing it signed is still valid.</summary>
public sealed record SigningKeyRetired(string Purpose, Guid Kid, DateTimeOffset RetiredAt);
