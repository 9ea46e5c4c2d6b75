using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Archives;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Crypto;

namespace Ledger.Cli.Commands.Encrypt;

/// <summary><c>ledgerctl encrypt token|manifests</c>: compact JWE (ECDH-ES+A128KW, A128GCM) to a recipient's P-256 key.</summary>
internal static class EncryptCommands
{
    /// <summary>Plaintext tokens up to 512 KiB, so the JWE stays under the 1 MiB a decrypter accepts.</summary>
    public const long MaxTokenBytes = 512 * 1024;

    public static Command Create()
    {
        var encrypt = new CliCommand("encrypt", "Encrypt to a recipient's public encryption key (JWE ECDH-ES+A128KW / A128GCM).",
            "ledgerctl encrypt token --key acme-enc.public.jwks --input secret.txt --output secret.jwe");
        encrypt.Add(Token());
        encrypt.Add(Manifests());
        return encrypt;
    }

    private static CliCommand Token()
    {
        var input = new Option<string>("--input") { Description = $"The file to encrypt (at most {MaxTokenBytes / 1024} KiB).", Required = true, HelpName = "FILE" };
        var output = new Option<string>("--output") { Description = "Where to write the JWE (never overwritten).", Required = true, HelpName = "FILE" };
        var key = KeyMaterial.Option(KeyRole.EncryptionPublic);
        var command = new CliCommand("token", "Encrypt a small file (a license key, a pull secret) as a compact JWE.",
            "ledgerctl encrypt token --key acme-enc.public.jwks --input license.jwt --output license.jwe");
        command.Add(input);
        command.Add(output);
        command.Add(key);
        command.Handle(
            run =>
            {
                var path = run.Get(output)!;
                LocalFiles.RefuseExisting(path, "Output file");
                var plaintext = LocalFiles.ReadBytes(run.Get(input)!, MaxTokenBytes, "input file");
                var recipient = KeyMaterial.EncryptionRecipient(run.Get(key));
                var jwe = Jwe.Encrypt(plaintext, recipient);
                LocalFiles.WriteNewLine(path, jwe, LocalFiles.PublicMode);
                var json = new JsonObject { ["kid"] = recipient.Kid, ["input_bytes"] = plaintext.Length, ["output"] = path };
                return Task.FromResult(run.Print(json, $"Encrypted {plaintext.Length} bytes to key {recipient.Kid} ({JsonWebKey.AlgorithmEcdhEsA128Kw}, A128GCM); written to {path}."));
            },
            outputNamesAFile: true);
        return command;
    }

    private static CliCommand Manifests()
    {
        var directory = new Argument<string>("DIR") { Description = "The manifest directory to archive and encrypt." };
        var output = new Option<string>("--output") { Description = "Where to write the JWE (never overwritten).", Required = true, HelpName = "FILE" };
        var key = KeyMaterial.Option(KeyRole.EncryptionPublic);
        var command = new CliCommand("manifests", $"Archive a directory (tar: regular files and directories, at most {ManifestArchive.MaxBytes / 1024 / 1024} MiB and {ManifestArchive.MaxEntries} entries), then encrypt the archive as a compact JWE.",
            "ledgerctl encrypt manifests ./deploy --key acme-enc.public.jwks --output deploy.jwe");
        command.Add(directory);
        command.Add(output);
        command.Add(key);
        command.Handle(
            run =>
            {
                var path = run.Get(output)!;
                LocalFiles.RefuseExisting(path, "Output file");
                var recipient = KeyMaterial.EncryptionRecipient(run.Get(key));
                var source = run.Get(directory)!;
                var (tar, files, digest) = ManifestArchive.Create(source);
                var jwe = Jwe.Encrypt(tar, recipient, contentType: ManifestArchive.ContentType);
                LocalFiles.WriteNewLine(path, jwe, LocalFiles.PublicMode);
                var json = new JsonObject
                {
                    ["directory"] = source,
                    ["digest"] = digest,
                    ["files"] = files,
                    ["archive_bytes"] = tar.Length,
                    ["kid"] = recipient.Kid,
                    ["output"] = path,
                };
                return Task.FromResult(run.Print(json, $"""
                    Encrypted {Plural.Of(files, "file")} from {source} ({tar.Length} bytes of tar) to key {recipient.Kid}; written to {path}.
                      digest  {digest} (the receiver's 'decrypt manifests' prints the same for an intact copy)
                    """));
            },
            outputNamesAFile: true);
        return command;
    }
}
