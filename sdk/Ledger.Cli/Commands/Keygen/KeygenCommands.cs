using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Keys;
using Ledger.Crypto;

namespace Ledger.Cli.Commands.Keygen;

/// <summary><c>ledgerctl keygen sig|enc|client</c>: key pairs on disk, for offline use and for authenticating to the services.</summary>
internal static class KeygenCommands
{
    public static Command Create()
    {
        var keygen = new CliCommand("keygen", "Generate key pairs: signing (sig), encryption (enc) or a client key for the services.",
            "ledgerctl keygen sig acme --output-dir keys");
        keygen.Add(Signing());
        keygen.Add(Encryption());
        keygen.Add(Client());
        return keygen;
    }

    private static CliCommand Signing()
    {
        var issuer = new Argument<string>("ISSUER") { Description = "The issuer name; license keys signed with this key carry it as 'iss'." };
        var outputDir = OutputDirOption();
        var command = new CliCommand("sig", "Generate an Ed25519 signing key pair: <issuer>-sig.private.jwks (mode 0600) and <issuer>-sig.public.jwks.",
            "ledgerctl keygen sig acme --output-dir keys");
        command.Add(issuer);
        command.Add(outputDir);
        command.Handle(run =>
        {
            var name = KeyNames.RequireName(run.Get(issuer), "issuer");
            var directory = KeyPairFiles.OutputDirectory(run.Get(outputDir));
            using var signingKey = Ed25519SigningKey.Generate();
            var kid = KeyNames.Kid(name, signingKey.ToJwk("unnamed", includePrivate: false));
            var set = new JsonWebKeySet([signingKey.ToJwk(kid, includePrivate: true)]);
            return Task.FromResult(Write(run, "sig", "Ed25519 signing", name, kid, set,
                Path.Combine(directory, KeyNames.SigningPrivateFile(name)), Path.Combine(directory, KeyNames.SigningPublicFile(name))));
        });
        return command;
    }

    private static CliCommand Encryption()
    {
        var issuer = new Argument<string>("ISSUER") { Description = "The name of whoever receives what is encrypted to this key." };
        var outputDir = OutputDirOption();
        var command = new CliCommand("enc", "Generate an EC P-256 encryption key pair (ECDH-ES+A128KW): <issuer>-enc.private.jwks (mode 0600) and <issuer>-enc.public.jwks.",
            "ledgerctl keygen enc acme --output-dir keys");
        command.Add(issuer);
        command.Add(outputDir);
        command.Handle(run =>
        {
            var name = KeyNames.RequireName(run.Get(issuer), "issuer");
            var directory = KeyPairFiles.OutputDirectory(run.Get(outputDir));
            var generated = Jwe.GenerateP256("unnamed");
            var key = generated.With(kid: KeyNames.Kid(name, generated), alg: JsonWebKey.AlgorithmEcdhEsA128Kw);
            var set = new JsonWebKeySet([key]);
            return Task.FromResult(Write(run, "enc", "EC P-256 encryption", name, key.Kid!, set,
                Path.Combine(directory, KeyNames.EncryptionPrivateFile(name)), Path.Combine(directory, KeyNames.EncryptionPublicFile(name))));
        });
        return command;
    }

    private static CliCommand Client()
    {
        var name = new Argument<string>("NAME") { Description = "The client id the services will know this key by." };
        var outputDir = OutputDirOption();
        var command = new CliCommand("client", "Generate an Ed25519 client key for calling the services: <name>-client.private.jwk (mode 0600) and <name>-client.public.jwk (one JWK each, not a set).",
            "ledgerctl keygen client billing --output-dir keys");
        command.Add(name);
        command.Add(outputDir);
        command.Handle(run =>
        {
            var clientName = KeyNames.RequireName(run.Get(name), "client name");
            var directory = KeyPairFiles.OutputDirectory(run.Get(outputDir));
            using var signingKey = Ed25519SigningKey.Generate();
            var kid = KeyNames.Kid(clientName, signingKey.ToJwk("unnamed", includePrivate: false));
            var privateKey = signingKey.ToJwk(kid, includePrivate: true);
            var privatePath = Path.Combine(directory, KeyNames.ClientPrivateFile(clientName));
            var publicPath = Path.Combine(directory, KeyNames.ClientPublicFile(clientName));
            KeyPairFiles.Write(privatePath, privateKey.ToJson(includePrivate: true) + "\n", publicPath, privateKey.ToJson(includePrivate: false) + "\n");
            var registration = new JsonObject
            {
                ["id"] = clientName,
                ["roles"] = new JsonArray(),
                ["keys"] = new JsonArray(JsonNode.Parse(privateKey.ToJson(includePrivate: false))),
            };
            var json = new JsonObject
            {
                ["kind"] = "client",
                ["name"] = clientName,
                ["kid"] = kid,
                ["thumbprint"] = privateKey.Thumbprint(),
                ["private_key_file"] = privatePath,
                ["public_key_file"] = publicPath,
                ["registration"] = registration,
            };
            var text = $"""
                Generated Ed25519 client key {kid} for client '{clientName}'.
                  private  {privatePath} (mode 0600; point LEDGER_CLIENT_KEY at it)
                  public   {publicPath} (register it with the services)
                Client registry entry (add the roles it needs):
                  {registration.ToJsonString()}
                """;
            return Task.FromResult(run.Print(json, text));
        });
        return command;
    }

    private static int Write(CommandRun run, string kind, string description, string name, string kid, JsonWebKeySet set, string privatePath, string publicPath)
    {
        KeyPairFiles.Write(privatePath, set.ToJson(includePrivate: true) + "\n", publicPath, set.ToJson(includePrivate: false) + "\n");
        var json = new JsonObject
        {
            ["kind"] = kind,
            ["issuer"] = name,
            ["kid"] = kid,
            ["thumbprint"] = set.Keys[0].Thumbprint(),
            ["private_key_file"] = privatePath,
            ["public_key_file"] = publicPath,
        };
        var text = $"""
            Generated {description} key {kid} for issuer '{name}'.
              private  {privatePath} (mode 0600; keep it secret)
              public   {publicPath} (give it to whoever {(kind == "sig" ? "verifies" : "encrypts to you")})
            """;
        return run.Print(json, text);
    }

    private static Option<string> OutputDirOption() =>
        new("--output-dir") { Description = "Directory to write the key files to (created if missing).", DefaultValueFactory = _ => ".", HelpName = "DIR" };
}
