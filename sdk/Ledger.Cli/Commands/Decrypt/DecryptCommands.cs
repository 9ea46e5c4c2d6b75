using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Archives;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Crypto;

namespace Ledger.Cli.Commands.Decrypt;

/// <summary>
/// <c>ledgerctl decrypt token|manifests</c>: the other half of <c>encrypt</c>, with the private encryption
/// key. Only ECDH-ES+A128KW / A128GCM with a <c>kid</c> is accepted, as in the Flux distro format.
/// </summary>
internal static class DecryptCommands
{
    public static Command Create()
    {
        var decrypt = new CliCommand("decrypt", "Decrypt a JWE (ECDH-ES+A128KW / A128GCM, with kid) with your private encryption key.",
            "ledgerctl decrypt token -k keys/6db308f9-enc-private.jwks --input secret.jwe --output secret.txt");
        decrypt.Add(Token());
        decrypt.Add(Manifests());
        return decrypt;
    }

    private static CliCommand Token()
    {
        var input = new Option<string>("--input", "-i") { Description = "The JWE file.", Required = true, HelpName = "FILE" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the plaintext (mode 0600, never overwritten).", Required = true, HelpName = "FILE" };
        var key = KeyMaterial.Option(KeyRole.EncryptionPrivate);
        var command = new CliCommand("token", "Decrypt a compact JWE made by 'encrypt token' (or the Flux Operator's).",
            "ledgerctl decrypt token --input license.jwe --output license.jwt");
        command.Add(input);
        command.Add(output);
        command.Add(key);
        command.Handle(run =>
        {
            var path = run.Get(output)!;
            LocalFiles.RefuseExisting(path, "Output file");
            var options = JweDecryptOptions.Default with { FluxProfile = true };
            var jwe = LocalFiles.ReadToken(run.Get(input)!, options.MaxTokenBytes, "JWE file");
            var privateKey = KeyMaterial.DecryptionKey(run.Get(key));
            var plaintext = Decrypt(jwe, privateKey, options);
            LocalFiles.WriteNew(path, plaintext, LocalFiles.PrivateMode);
            var json = new JsonObject { ["kid"] = privateKey.Kid, ["output_bytes"] = plaintext.Length, ["output"] = path };
            return Task.FromResult(run.Print(json, $"Decrypted {plaintext.Length} bytes with key {privateKey.Kid}; written to {path} (mode 0600)."));
        });
        return command;
    }

    private static CliCommand Manifests()
    {
        var file = new Argument<string>("JWE") { Description = "The JWE made by 'encrypt manifests' (ZIP inside; a tar from older ledgerctl is read too)." };
        var outputDir = new Option<string>("--output-dir", "-o") { Description = "The directory to unpack into (created when missing).", Required = true, HelpName = "DIR" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace files the directory already has. Without it, any such file stops the command before anything is written." };
        var key = KeyMaterial.Option(KeyRole.EncryptionPrivate);
        var command = new CliCommand("manifests", $"Decrypt an archive and unpack it safely: links, paths leaving the directory, more than {ManifestArchive.MaxEntries} entries or {ManifestArchive.MaxBytes / 1024 / 1024} MiB are refused before anything is written; existing files are replaced only with --overwrite.",
            "ledgerctl decrypt manifests deploy.jwe --output-dir ./deploy",
            "ledgerctl decrypt manifests deploy.jwe -k keys/6db308f9-enc-private.jwks -o ./deploy --overwrite");
        command.Add(file);
        command.Add(outputDir);
        command.Add(overwrite);
        command.Add(key);
        command.Handle(run =>
        {
            var target = run.Get(outputDir)!;
            var jwe = LocalFiles.ReadToken(run.Get(file)!, ManifestArchive.MaxEncryptedBytes, "encrypted archive");
            var privateKey = KeyMaterial.DecryptionKey(run.Get(key));
            var archive = Decrypt(jwe, privateKey, new JweDecryptOptions { MaxTokenBytes = (int)ManifestArchive.MaxEncryptedBytes, FluxProfile = true });
            var unpacked = SafeExtraction.Extract(archive, target, run.Get(overwrite));
            var json = new JsonObject
            {
                ["kid"] = privateKey.Kid,
                ["format"] = unpacked.Format.ToString().ToLowerInvariant(),
                ["files"] = unpacked.Files,
                ["replaced"] = unpacked.Replaced,
                ["archive_bytes"] = archive.Length,
                ["output_dir"] = target,
                ["digest"] = unpacked.Digest,
            };
            return Task.FromResult(run.Print(json, $"""
                Decrypted and unpacked {Plural.Of(unpacked.Files, "file")} ({unpacked.Format.ToString().ToUpperInvariant()}) into {target} with key {privateKey.Kid}{(unpacked.Replaced > 0 ? $"; {Plural.Of(unpacked.Replaced, "file")} replaced" : string.Empty)}.
                  digest  {unpacked.Digest} (compare with the one 'encrypt manifests' printed)
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
