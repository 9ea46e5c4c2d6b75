using System.Text;
using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.Encrypt;

/// <summary><c>encrypt token</c> and <c>decrypt token</c>: compact JWE to the recipient's P-256 key.</summary>
public sealed class TokenEncryptionTests(IssuerWithKeys issuer) : IClassFixture<IssuerWithKeys>
{
    private Workspace Workspace => issuer.Workspace;

    [Fact]
    public async Task a_token_round_trips_and_the_plaintext_is_written_with_mode_0600()
    {
        var input = Workspace.Write($"{Guid.NewGuid():N}.txt", "pull-secret: s3cr3t\n");
        var jwe = issuer.NewPath(".jwe");
        var output = issuer.NewPath(".txt");

        (await Workspace.RunAsync("encrypt", "token", "--key", issuer.EncryptionPublic, "--input", input, "--output", jwe)).Expect(0);
        (await Workspace.RunAsync("decrypt", "token", "--key", issuer.EncryptionPrivate, "--input", jwe, "--output", output)).Expect(0);

        Assert.Equal("pull-secret: s3cr3t\n", File.ReadAllText(output));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        var header = Encoding.UTF8.GetString(Base64Url.Decode(File.ReadAllText(jwe).Trim().Split('.')[0]));
        Assert.Contains("\"alg\":\"ECDH-ES+A128KW\"", header, StringComparison.Ordinal);
        Assert.Contains("\"enc\":\"A128GCM\"", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task decrypting_with_the_wrong_key_is_refused_and_writes_nothing()
    {
        var input = Workspace.Write($"{Guid.NewGuid():N}.txt", "secret");
        var jwe = issuer.NewPath(".jwe");
        var output = issuer.NewPath(".txt");
        (await Workspace.RunAsync("encrypt", "token", "--key", issuer.EncryptionPublic, "--input", input, "--output", jwe)).Expect(0);

        var result = (await Workspace.RunAsync("decrypt", "token", "--key", issuer.OtherEncryptionPrivate, "--input", jwe, "--output", output)).Expect(1);

        Assert.Contains("encrypted to kid", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task a_tampered_token_is_refused()
    {
        var input = Workspace.Write($"{Guid.NewGuid():N}.txt", "secret");
        var jwe = issuer.NewPath(".jwe");
        (await Workspace.RunAsync("encrypt", "token", "--key", issuer.EncryptionPublic, "--input", input, "--output", jwe)).Expect(0);
        var parts = File.ReadAllText(jwe).Trim().Split('.');
        var ciphertext = Base64Url.Decode(parts[3]);
        ciphertext[0] ^= 1;
        parts[3] = Base64Url.Encode(ciphertext);
        File.WriteAllText(jwe, string.Join('.', parts));

        var result = (await Workspace.RunAsync("decrypt", "token", "--key", issuer.EncryptionPrivate, "--input", jwe, "--output", issuer.NewPath(".txt"))).Expect(1);

        Assert.Contains("was altered", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task encrypting_never_overwrites_the_output()
    {
        var input = Workspace.Write($"{Guid.NewGuid():N}.txt", "secret");
        var existing = Workspace.Write($"{Guid.NewGuid():N}.jwe", "keep me");

        (await Workspace.RunAsync("encrypt", "token", "--key", issuer.EncryptionPublic, "--input", input, "--output", existing)).Expect(2);

        Assert.Equal("keep me", File.ReadAllText(existing));
    }

    [Fact]
    public async Task encrypting_to_a_signing_key_is_a_usage_error()
    {
        var input = Workspace.Write($"{Guid.NewGuid():N}.txt", "secret");

        var result = (await Workspace.RunAsync("encrypt", "token", "--key", issuer.SigningPublic, "--input", input, "--output", issuer.NewPath(".jwe"))).Expect(2);

        Assert.Contains("no EC P-256 encryption key", result.Stderr, StringComparison.Ordinal);
    }
}
