namespace Ledger.IntegrationEvents.V1;

/// <summary>A license's capabilities were replaced; a new license key was issued (revision increased).</summary>
public sealed record LicenseCapabilitiesChanged(Guid LicenseId, string Issuer, IReadOnlyList<string> Capabilities, int Revision, DateTimeOffset ChangedAt);
