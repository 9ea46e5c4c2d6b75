using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Archives;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Crypto;

namespace Ledger.Cli.Commands.Decrypt;

/// <summary><c>ledgerctl decrypt token|manifests</c>: the other half of <c>encrypt</c>, with the private encryption key.</summary>
internal static class DecryptCommands
{
    public static Command Create()
    {
        var decrypt = new CliCommand("decrypt", "Decrypt a JWE with your private encryption key.",
            "ledgerctl decrypt token --key acme-enc.private.jwks --input secret.jwe --output secret.txt");
        decrypt.Add(Token());
        decrypt.Add(Manifests());
        return decrypt;
    }

    private static CliCommand Token()
    {
        var input = new Option<string>("--input") { Description = "The JWE file.", Required = true, HelpName = "FILE" };
        var output = new Option<string>("--output") { Description = "Where to write the plaintext (mode 0600, never overwritten).", Required = true, HelpName = "FILE" };
        var key = KeyMaterial.Option(KeyRole.EncryptionPrivate);
        var command = new CliCommand("token", "Decrypt a compact JWE made by 'encrypt token'.",
            "ledgerctl decrypt token --key acme-enc.private.jwks --input license.jwe --output license.jwt");
        command.Add(input);
        command.Add(output);
        command.Add(key);
        command.Handle(
            run =>
            {
                var path = run.Get(output)!;
                LocalFiles.RefuseExisting(path, "Output file");
                var jwe = LocalFiles.ReadToken(run.Get(input)!, JweDecryptOptions.Default.MaxTokenBytes, "JWE file");
                var privateKey = KeyMaterial.DecryptionKey(run.Get(key));
                var plaintext = Decrypt(jwe, privateKey, JweDecryptOptions.Default);
                LocalFiles.WriteNew(path, plaintext, LocalFiles.PrivateMode);
                var json = new JsonObject { ["kid"] = privateKey.Kid, ["output_bytes"] = plaintext.Length, ["output"] = path };
                return Task.FromResult(run.Print(json, $"Decrypted {plaintext.Length} bytes with key {privateKey.Kid}; written to {path} (mode 0600)."));
            },
            outputNamesAFile: true);
        return command;
    }

    private static CliCommand Manifests()
    {
        var file = new Argument<string>("FILE") { Description = "The JWE made by 'encrypt manifests'." };
        var outputDir = new Option<string>("--output-dir") { Description = "A new or empty directory to unpack into.", Required = true, HelpName = "DIR" };
        var key = KeyMaterial.Option(KeyRole.EncryptionPrivate);
        var command = new CliCommand("manifests", $"Decrypt an archive and unpack it safely: links, paths leaving the directory, more than {ManifestArchive.MaxEntries} entries or {ManifestArchive.MaxBytes / 1024 / 1024} MiB are refused before anything is written.",
            "ledgerctl decrypt manifests deploy.jwe --key acme-enc.private.jwks --output-dir ./deploy");
        command.Add(file);
        command.Add(outputDir);
        command.Add(key);
        command.Handle(run =>
        {
            var target = run.Get(outputDir)!;
            if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
            {
                throw CliFailure.Usage($"--output-dir {target} exists and is not empty; ledgerctl unpacks only into a new or empty directory.");
            }

            var jwe = LocalFiles.ReadToken(run.Get(file)!, ManifestArchive.MaxEncryptedBytes, "encrypted archive");
            var privateKey = KeyMaterial.DecryptionKey(run.Get(key));
            var tar = Decrypt(jwe, privateKey, new JweDecryptOptions { MaxTokenBytes = (int)ManifestArchive.MaxEncryptedBytes });
            var files = SafeExtraction.Extract(tar, target);
            var digest = DirectoryHash.Compute(target);
            var json = new JsonObject { ["kid"] = privateKey.Kid, ["files"] = files, ["archive_bytes"] = tar.Length, ["output_dir"] = target, ["digest"] = digest };
            return Task.FromResult(run.Print(json, $"""
                Decrypted and unpacked {Plural.Of(files, "file")} into {target} with key {privateKey.Kid}.
                  digest  {digest} (compare with the one 'encrypt manifests' printed)
                """));
        });
        return command;
    }

    private static byte[] Decrypt(string jwe, JsonWebKey privateKey, JweDecryptOptions options)
    {
        try
        {
            return Jwe.Decrypt(jwe, privateKey, options);
        }
        catch (JoseException e)
        {
            throw CliFailure.Refused($"{e.Message}");
        }
    }
}
