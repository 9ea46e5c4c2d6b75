namespace Ledger.Verification;

/// <summary>What this verifier requires of a license: who issued it, which product it is for, and the capabilities it needs.</summary>
public sealed record LicenseExpectations(string Issuer, string Audience, IReadOnlyCollection<string> RequiredCapabilities);
