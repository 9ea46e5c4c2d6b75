using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Files;
using Ledger.Cli.Online;
using Ledger.Contracts.Attestation.V1;
using Ledger.Crypto;

namespace Ledger.Cli.Commands.VendorKey;

/// <summary><c>ledgerctl vendor-key register|remove|list</c>: the Ed25519 keys vendors sign statements with, at Attestation.</summary>
internal static class VendorKeyCommands
{
    public static Command Create()
    {
        var vendorKey = new CliCommand("vendor-key", "Vendor keys at the Attestation service: register a vendor's public key, remove it (final), list them.",
            "ledgerctl vendor-key register acme --key keys/03f00197-sig-public.jwks");
        vendorKey.Add(Register());
        vendorKey.Add(Remove());
        vendorKey.Add(List());
        return vendorKey;
    }

    private static CliCommand Register()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var vendor = new Argument<string>("VENDOR") { Description = "The vendor id: 1-64 characters of a-z, 0-9, '.', '_', '-'." };
        var key = new Option<string>("--key") { Description = "The vendor's public Ed25519 key: a JWK, or a JWKS holding one (e.g. the <prefix>-sig-public.jwks of 'ledgerctl keygen sig'). Private members are never sent.", Required = true, HelpName = "FILE" };
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("register", "Register a vendor's Ed25519 public key; its kid at the ledger is the key's RFC 7638 thumbprint.",
            "ledgerctl vendor-key register acme --key keys/03f00197-sig-public.jwks");
        command.Add(vendor);
        command.Add(key);
        command.Add(idempotencyKey);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var publicKey = ReadPublicKey(run.Get(key)!);
            using var connection = online.Connect(run);
            var response = await new VendorKeys.VendorKeysClient(connection.Channel).RegisterVendorKeyAsync(
                new RegisterVendorKeyRequest { IdempotencyKey = IdempotencyKeys.Resolve(run, idempotencyKey), VendorId = run.Get(vendor), PublicJwk = publicKey.ToJson() },
                connection.Call());
            return run.Print(View(response.Key), $"Registered key {response.Key.Kid} for vendor {response.Key.VendorId} ({ProtoValues.Name(response.Key.Status)}).");
        });
        return command;
    }

    private static CliCommand Remove()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var vendor = new Argument<string>("VENDOR") { Description = "The vendor id." };
        var kid = new Argument<string>("KID") { Description = "The key's kid (its thumbprint)." };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the ledger).", Required = true };
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("remove", "Remove a vendor key (final): it countersigns nothing more, and statements it signed no longer verify.",
            "ledgerctl vendor-key remove acme <kid> --reason 'key rotated'");
        command.Add(vendor);
        command.Add(kid);
        command.Add(reason);
        command.Add(idempotencyKey);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new VendorKeys.VendorKeysClient(connection.Channel).RemoveVendorKeyAsync(
                new RemoveVendorKeyRequest { IdempotencyKey = IdempotencyKeys.Resolve(run, idempotencyKey), VendorId = run.Get(vendor), Kid = run.Get(kid), Reason = run.Get(reason) },
                connection.Call());
            return run.Print(View(response.Key), $"Removed key {response.Key.Kid} of vendor {response.Key.VendorId}.");
        });
        return command;
    }

    private static CliCommand List()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var vendor = new Argument<string>("VENDOR") { Description = "The vendor id." };
        var command = new CliCommand("list", "A vendor's keys, registered and removed, oldest first.", "ledgerctl vendor-key list acme");
        command.Add(vendor);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new VendorKeys.VendorKeysClient(connection.Channel).ListVendorKeysAsync(new ListVendorKeysRequest { VendorId = run.Get(vendor) }, connection.Call());
            var text = new StringBuilder(response.Keys.Count == 0 ? $"Vendor {run.Get(vendor)} has no keys.\n" : string.Empty);
            foreach (var key in response.Keys)
            {
                text.AppendLine($"{key.Kid}  {ProtoValues.Name(key.Status),-7}  registered {ProtoValues.TimeText(key.RegisteredAt)}{(key.RemovedAt is null ? string.Empty : $", removed {ProtoValues.TimeText(key.RemovedAt)} ({key.RemovalReason})")}");
            }

            return run.Print(new JsonObject { ["keys"] = new JsonArray([.. response.Keys.Select(k => (JsonNode)View(k))]) }, text.ToString());
        });
        return command;
    }

    /// <summary>The single Ed25519 key of a JWK or JWKS file, public only, with its thumbprint as kid (the ledger requires that).</summary>
    private static JsonWebKey ReadPublicKey(string path)
    {
        var json = LocalFiles.ReadText(path, 1024 * 1024, "key file");
        try
        {
            var keys = JsonNode.Parse(json)?["keys"] is not null ? JsonWebKeySet.ParsePrivate(json).Keys : [JsonWebKey.Parse(json)];
            var signing = keys.Where(k => k.IsEd25519).ToList();
            if (signing.Count != 1)
            {
                throw CliFailure.Usage($"{path} must hold exactly one Ed25519 key; it holds {signing.Count}.");
            }

            return JsonWebKey.FromEd25519(Base64Url.Decode(signing[0].X), [], signing[0].Thumbprint());
        }
        catch (Exception e) when (e is JoseException or System.Text.Json.JsonException)
        {
            throw CliFailure.Usage($"{path} is not a JWK or JWKS: {e.Message}");
        }
    }

    private static JsonObject View(Contracts.Attestation.V1.VendorKey key) => new()
    {
        ["vendor_id"] = key.VendorId,
        ["kid"] = key.Kid,
        ["status"] = ProtoValues.Name(key.Status),
        ["registered_at"] = ProtoValues.Time(key.RegisteredAt),
        ["removed_at"] = ProtoValues.Time(key.RemovedAt),
        ["removal_reason"] = key.RemovalReason,
        ["public_jwk"] = ProtoValues.Embedded(key.PublicJwk),
    };
}
