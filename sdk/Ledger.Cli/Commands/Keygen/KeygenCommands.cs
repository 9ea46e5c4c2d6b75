using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Keys;
using Ledger.Crypto;

namespace Ledger.Cli.Commands.Keygen;

/// <summary>
/// <c>ledgerctl keygen sig|enc|client</c>: key pairs on disk in the formats of the Flux Operator's
/// <c>distro keygen</c> and of <c>flux mirror keygen</c>, for offline use and for authenticating to the services.
/// </summary>
internal static class KeygenCommands
{
    public static Command Create()
    {
        var keygen = new CliCommand("keygen", "Generate key pairs: signing (sig), encryption (enc) or a client key for the services.",
            "ledgerctl keygen sig https://acme.example --output-dir keys");
        keygen.Add(Signing());
        keygen.Add(Encryption());
        keygen.Add(Client());
        return keygen;
    }

    private static CliCommand Signing()
    {
        var issuer = new Argument<string>("ISSUER") { Description = "The issuer (any text; a URL such as https://acme.example is usual). License keys and attestations signed with this key carry it as 'iss'." };
        var outputDir = OutputDirOption();
        var command = new CliCommand("sig", "Generate an Ed25519 signing key pair: <prefix>-sig-private.jwks (mode 0600, names the issuer) and <prefix>-sig-public.jwks (0644), <prefix> being the Adler-32 of ISSUER in hex; the kid is a UUIDv6.",
            "ledgerctl keygen sig https://acme.example --output-dir keys");
        command.Add(issuer);
        command.Add(outputDir);
        command.Handle(run =>
        {
            var name = KeyNames.RequireIssuer(run.Get(issuer), "issuer");
            var directory = KeyPairFiles.OutputDirectory(run.Get(outputDir));
            using var signingKey = Ed25519SigningKey.Generate();
            var key = signingKey.ToJwk(KeyNames.NewKid(), includePrivate: true);
            var privateSet = new JsonWebKeySet([key], issuer: name);
            return Task.FromResult(Write(run, "sig", "Ed25519 signing", name, privateSet,
                Path.Combine(directory, KeyNames.SigningPrivateFile(name)), Path.Combine(directory, KeyNames.SigningPublicFile(name))));
        });
        return command;
    }

    private static CliCommand Encryption()
    {
        var owner = new Argument<string>("OWNER") { Description = "Whoever receives what is encrypted to this key (any text)." };
        var outputDir = OutputDirOption();
        var command = new CliCommand("enc", "Generate an EC P-256 encryption key pair (ECDH-ES+A128KW): <prefix>-enc-private.jwks (mode 0600) and <prefix>-enc-public.jwks (0644), <prefix> being the Adler-32 of OWNER in hex.",
            "ledgerctl keygen enc acme.example --output-dir keys");
        command.Add(owner);
        command.Add(outputDir);
        command.Handle(run =>
        {
            var name = KeyNames.RequireIssuer(run.Get(owner), "owner");
            var directory = KeyPairFiles.OutputDirectory(run.Get(outputDir));
            var key = Jwe.GenerateP256(KeyNames.NewKid()).With(alg: JsonWebKey.AlgorithmEcdhEsA128Kw);
            return Task.FromResult(Write(run, "enc", "EC P-256 encryption", name, new JsonWebKeySet([key]),
                Path.Combine(directory, KeyNames.EncryptionPrivateFile(name)), Path.Combine(directory, KeyNames.EncryptionPublicFile(name))));
        });
        return command;
    }

    private static CliCommand Client()
    {
        var outputDir = OutputDirOption();
        var command = new CliCommand("client", "Generate an Ed25519 client key for calling the services, as 'flux mirror keygen' does: privkey.json (mode 0600) and pubkey.json (0644), JWK sets sharing a UUIDv6 kid. Refuses when either file exists.",
            "ledgerctl keygen client -o ./keys/registry");
        command.Add(outputDir);
        command.Handle(run =>
        {
            var directory = KeyPairFiles.OutputDirectory(run.Get(outputDir));
            using var signingKey = Ed25519SigningKey.Generate();
            var kid = KeyNames.NewKid();
            var set = new JsonWebKeySet([signingKey.ToJwk(kid, includePrivate: true)]);
            var privatePath = Path.Combine(directory, KeyNames.ClientPrivateFile);
            var publicPath = Path.Combine(directory, KeyNames.ClientPublicFile);
            KeyPairFiles.Write(privatePath, set.ToJson(includePrivate: true) + "\n", publicPath, set.ToJson(includePrivate: false) + "\n");
            var registration = new JsonObject
            {
                ["id"] = kid,
                ["roles"] = new JsonArray(),
                ["keys"] = JsonNode.Parse(set.ToJson(includePrivate: false))!["keys"]!.DeepClone(),
            };
            var json = new JsonObject
            {
                ["kind"] = "client",
                ["kid"] = kid,
                ["thumbprint"] = set.Keys[0].Thumbprint(),
                ["private_key_file"] = privatePath,
                ["public_key_file"] = publicPath,
                ["registration"] = registration,
            };
            var text = $"""
                ✔ private key set written to: {privatePath}
                ✔ public key set written to: {publicPath}
                Client key {kid}: point LEDGER_CLIENT_KEY at {privatePath}. The services know a client by its key's kid;
                register it (add the roles it needs; with another id, set LEDGER_CLIENT_ID to that id):
                  {registration.ToJsonString()}
                """;
            return Task.FromResult(run.Print(json, text));
        });
        return command;
    }

    private static int Write(CommandRun run, string kind, string description, string name, JsonWebKeySet privateSet, string privatePath, string publicPath)
    {
        KeyPairFiles.Write(privatePath, privateSet.ToJson(includePrivate: true) + "\n", publicPath, privateSet.ToPublic().ToJson() + "\n");
        var key = privateSet.Keys[0];
        var json = new JsonObject
        {
            ["kind"] = kind,
            ["issuer"] = name,
            ["kid"] = key.Kid,
            ["thumbprint"] = key.Thumbprint(),
            ["private_key_file"] = privatePath,
            ["public_key_file"] = publicPath,
        };
        var text = $"""
            Generated {description} key {key.Kid} for '{name}'.
              private  {privatePath} (mode 0600; keep it secret)
              public   {publicPath} (give it to whoever {(kind == "sig" ? "verifies" : "encrypts to you")})
            """;
        return run.Print(json, text);
    }

    private static Option<string> OutputDirOption() =>
        new("--output-dir", "-o") { Description = "Directory to write the key files to (created if missing).", DefaultValueFactory = _ => ".", HelpName = "DIR" };
}
