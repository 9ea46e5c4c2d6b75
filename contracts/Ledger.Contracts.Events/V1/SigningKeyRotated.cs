namespace Ledger.IntegrationEvents.V1;

/// <summary>A key ring has a new active key; the previous one is retiring (still verifies).</summary>
/// <param name="Purpose">license, attestation, feed or encryption.</param>
/// <param name="Kid">The new active key.</param>
/// <param name="PreviousKid">The key now retiring, if the ring had one.</param>
/// <param name="PublicJwk">The new key's public JWK (JSON).</param>
/// <param name="RotatedAt">When it became active.</param>
public sealed record SigningKeyRotated(string Purpose, Guid Kid, Guid? PreviousKid, string PublicJwk, DateTimeOffset RotatedAt);
