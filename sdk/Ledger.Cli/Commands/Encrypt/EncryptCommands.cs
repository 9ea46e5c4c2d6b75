using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Archives;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Crypto;

namespace Ledger.Cli.Commands.Encrypt;

/// <summary>
/// <c>ledgerctl encrypt token|manifests</c>: compact JWE (ECDH-ES+A128KW, A128GCM, with the recipient's
/// <c>kid</c>) to a recipient's P-256 key, as the Flux Operator's distro tooling writes it.
/// </summary>
internal static class EncryptCommands
{
    /// <summary>Plaintext tokens up to 512 KiB, so the JWE stays under the 1 MiB a decrypter accepts.</summary>
    public const long MaxTokenBytes = 512 * 1024;

    public static Command Create()
    {
        var encrypt = new CliCommand("encrypt", "Encrypt to a recipient's public encryption key (JWE ECDH-ES+A128KW / A128GCM).",
            "ledgerctl encrypt token -k keys/6db308f9-enc-public.jwks --input secret.txt --output secret.jwe");
        encrypt.Add(Token());
        encrypt.Add(Manifests());
        return encrypt;
    }

    private static CliCommand Token()
    {
        var input = new Option<string>("--input", "-i") { Description = $"The file to encrypt (at most {MaxTokenBytes / 1024} KiB).", Required = true, HelpName = "FILE" };
        var output = OutputOption();
        var keyId = KeyIdOption();
        var key = KeyMaterial.Option(KeyRole.EncryptionPublic);
        var command = new CliCommand("token", "Encrypt a small file (a license key, a pull secret) as a compact JWE.",
            "ledgerctl encrypt token --input license.jwt --output license.jwe");
        command.Add(input);
        command.Add(output);
        command.Add(keyId);
        command.Add(key);
        command.Handle(run =>
        {
            var path = run.Get(output)!;
            LocalFiles.RefuseExisting(path, "Output file");
            var plaintext = LocalFiles.ReadBytes(run.Get(input)!, MaxTokenBytes, "input file");
            var recipient = Recipient(run, key, keyId);
            var jwe = Jwe.Encrypt(plaintext, recipient);
            LocalFiles.WriteNewLine(path, jwe, LocalFiles.PublicMode);
            var json = new JsonObject { ["kid"] = recipient.Kid, ["input_bytes"] = plaintext.Length, ["output"] = path };
            return Task.FromResult(run.Print(json, $"Encrypted {plaintext.Length} bytes to key {recipient.Kid} ({JsonWebKey.AlgorithmEcdhEsA128Kw}, A128GCM); written to {path}."));
        });
        return command;
    }

    private static CliCommand Manifests()
    {
        var directory = new Argument<string>("DIR") { Description = "The manifest directory to archive and encrypt.", DefaultValueFactory = _ => "." };
        var output = OutputOption();
        var ignore = new Option<string[]>("--ignore") { Description = "Glob patterns of files to leave out, comma-separated or repeated (a pattern with '/' matches the relative path, others the name). Default: *.jws.", HelpName = "PATTERN,..." };
        var keyId = KeyIdOption();
        var key = KeyMaterial.Option(KeyRole.EncryptionPublic);
        var command = new CliCommand("manifests", $"Archive a directory as ZIP (regular files and directories; links skipped; at most {ManifestArchive.MaxBytes / 1024 / 1024} MiB and {ManifestArchive.MaxEntries} entries), then encrypt the archive as a compact JWE.",
            "ledgerctl encrypt manifests ./deploy --output deploy.jwe",
            "ledgerctl encrypt manifests ./deploy --ignore '*.jws,secrets/*' -k keys/6db308f9-enc-public.jwks -o deploy.jwe");
        command.Add(directory);
        command.Add(output);
        command.Add(ignore);
        command.Add(keyId);
        command.Add(key);
        command.Handle(run =>
        {
            var path = run.Get(output)!;
            LocalFiles.RefuseExisting(path, "Output file");
            var patterns = run.Given(ignore)
                ? (run.Get(ignore) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
                : [.. ManifestArchive.DefaultIgnore];
            if (patterns.Count > ManifestArchive.MaxIgnorePatterns || patterns.Any(p => p.Length > 256))
            {
                throw CliFailure.Usage($"--ignore takes at most {ManifestArchive.MaxIgnorePatterns} patterns of at most 256 characters.");
            }

            var recipient = Recipient(run, key, keyId);
            var source = run.Get(directory)!;
            var packed = ManifestArchive.Create(source, patterns);
            foreach (var link in packed.SkippedLinks)
            {
                run.Progress($"ledgerctl: skipped {link}: not a regular file or directory (links are not archived)");
            }

            var jwe = Jwe.Encrypt(packed.Zip, recipient);
            LocalFiles.WriteNewLine(path, jwe, LocalFiles.PublicMode);
            var json = new JsonObject
            {
                ["directory"] = source,
                ["format"] = "zip",
                ["digest"] = packed.Digest,
                ["files"] = packed.Files,
                ["archive_bytes"] = packed.Zip.Length,
                ["ignore"] = Json.Array(patterns),
                ["ignored"] = Json.Array(packed.Ignored),
                ["skipped"] = Json.Array(packed.SkippedLinks),
                ["kid"] = recipient.Kid,
                ["output"] = path,
            };
            return Task.FromResult(run.Print(json, $"""
                Encrypted {Plural.Of(packed.Files, "file")} from {source} ({packed.Zip.Length} bytes of ZIP) to key {recipient.Kid}; written to {path}.
                  digest   {packed.Digest} (the receiver's 'decrypt manifests' prints the same for an intact copy)
                  ignored  {(packed.Ignored.Count == 0 ? "(nothing)" : string.Join(", ", packed.Ignored))}
                """));
        });
        return command;
    }

    private static JsonWebKey Recipient(CommandRun run, Option<string> key, Option<string> keyId)
    {
        var recipient = KeyMaterial.EncryptionRecipient(run.Get(key), run.Given(keyId) ? run.Get(keyId) : null);
        if (recipient.Kid is null)
        {
            throw CliFailure.Usage("The recipient's encryption key has no kid; the JWE must name the key it is encrypted to. Use a key set made by 'ledgerctl keygen enc OWNER'.");
        }

        return recipient;
    }

    private static Option<string> OutputOption() =>
        new("--output", "-o") { Description = "Where to write the JWE (never overwritten).", Required = true, HelpName = "FILE" };

    private static Option<string> KeyIdOption() =>
        new("--key-id") { Description = "The kid of the recipient key to use when the set holds several.", HelpName = "KID" };
}
