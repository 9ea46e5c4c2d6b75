namespace Ledger.IntegrationEvents.V1;

/// <summary>A key must no longer be trusted: drop it from every cached JWKS now.</summary>
public sealed record SigningKeyCompromised(string Purpose, Guid Kid, string Reason, DateTimeOffset CompromisedAt);
