using Ledger.Crypto;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// A workspace where issuer "acme" has signing and encryption key pairs and issuer "other" a
/// signing pair, all made by <c>ledgerctl keygen</c>. Tests name their own files, so a class can share it.
/// </summary>
public sealed class IssuerWithKeys : IAsyncLifetime
{
    public Workspace Workspace { get; } = new();

    public string SigningPrivate => Workspace[FluxFormat.SigningPrivateFile("acme")];

    public string SigningPublic => Workspace[FluxFormat.SigningPublicFile("acme")];

    public string EncryptionPrivate => Workspace[FluxFormat.EncryptionPrivateFile("acme")];

    public string EncryptionPublic => Workspace[FluxFormat.EncryptionPublicFile("acme")];

    public string OtherSigningPrivate => Workspace[FluxFormat.SigningPrivateFile("other")];

    public string OtherSigningPublic => Workspace[FluxFormat.SigningPublicFile("other")];

    public string OtherEncryptionPrivate => Workspace[FluxFormat.EncryptionPrivateFile("other")];

    /// <summary>acme's signing key, for tests that forge tokens the tool would never write.</summary>
    public JsonWebKey SigningKey => JsonWebKeySet.ParsePrivate(File.ReadAllText(SigningPrivate)).Keys.Single();

    public JsonWebKey EncryptionKey => JsonWebKeySet.Parse(File.ReadAllText(EncryptionPublic)).Keys.Single();

    /// <summary>A fresh path in the workspace, so tests sharing it never collide.</summary>
    public string NewPath(string suffix) => Workspace[$"{Guid.NewGuid():N}{suffix}"];

    public async Task InitializeAsync()
    {
        (await Workspace.RunAsync("keygen", "sig", "acme")).Expect(0);
        (await Workspace.RunAsync("keygen", "enc", "acme")).Expect(0);
        (await Workspace.RunAsync("keygen", "sig", "other")).Expect(0);
        (await Workspace.RunAsync("keygen", "enc", "other")).Expect(0);
    }

    public Task DisposeAsync()
    {
        Workspace.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Signs a license key offline with the tool and returns its path.</summary>
    public async Task<string> SignLicenseAsync(string customer = "customer-42", string audience = "acme-app", string capabilities = "sso,fips", int days = 30, string? key = null)
    {
        var path = NewPath(".jwt");
        (await Workspace.RunAsync("sign", "license-key", "--key", key ?? SigningPrivate, "--customer", customer, "--duration", days.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--capabilities", capabilities, "--audience", audience, "--output", path)).Expect(0);
        return path;
    }
}
