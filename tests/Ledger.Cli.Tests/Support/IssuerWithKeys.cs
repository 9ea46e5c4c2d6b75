using Ledger.Crypto;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// A workspace where issuer "acme" has signing and encryption key pairs and issuer "other" a
/// signing pair, all made by <c>ledgerctl keygen</c>. Tests name their own files, so a class can share it.
/// </summary>
public sealed class IssuerWithKeys : IAsyncLifetime
{
    public Workspace Workspace { get; } = new();

    public string SigningPrivate => Workspace["acme-sig.private.jwks"];

    public string SigningPublic => Workspace["acme-sig.public.jwks"];

    public string EncryptionPrivate => Workspace["acme-enc.private.jwks"];

    public string EncryptionPublic => Workspace["acme-enc.public.jwks"];

    public string OtherSigningPrivate => Workspace["other-sig.private.jwks"];

    public string OtherSigningPublic => Workspace["other-sig.public.jwks"];

    public string OtherEncryptionPrivate => Workspace["other-enc.private.jwks"];

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
