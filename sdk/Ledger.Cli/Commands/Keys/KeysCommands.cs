using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Online;
using Ledger.Contracts.Notary.V1;
using NotaryKeys = Ledger.Contracts.Notary.V1.Keys;

namespace Ledger.Cli.Commands.Keys;

/// <summary><c>ledgerctl keys list|jwks|history|rotate|retire|compromise|import|signatures</c>: Notary's key rings and its signature log.</summary>
internal static class KeysCommands
{
    public static Command Create()
    {
        var keys = new CliCommand("keys", "Notary's signing and encryption keys: list them, export the JWKS, rotate, retire, mark compromised.",
            "ledgerctl keys list --purpose license");
        keys.Add(List());
        keys.Add(Jwks());
        keys.Add(History());
        keys.Add(Rotate());
        keys.Add(Retire());
        keys.Add(Compromise());
        keys.Add(Import());
        keys.Add(Signatures());
        return keys;
    }

    private static Option<string> PurposeOption(bool required)
    {
        var option = new Option<string>("--purpose") { Description = $"The key ring: {string.Join(", ", ProtoValues.Names<KeyPurpose>())}.{(required ? string.Empty : " Default: every ring.")}", Required = required };
        option.CompletionSources.Add(ProtoValues.Names<KeyPurpose>());
        return option;
    }

    private static KeyPurpose Purpose(CommandRun run, Option<string> option) =>
        run.Get(option) is { Length: > 0 } name ? ProtoValues.ParseName<KeyPurpose>(name, "--purpose") : KeyPurpose.Unspecified;

    private static CliCommand List()
    {
        var online = new OnlineOptions(LedgerService.Notary);
        var purpose = PurposeOption(required: false);
        var command = new CliCommand("list", "Every key with its status and dates.", "ledgerctl keys list --purpose license");
        command.Add(purpose);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new NotaryKeys.KeysClient(connection.Channel).ListKeysAsync(new ListKeysRequest { Purpose = Purpose(run, purpose) }, connection.Call());
            var text = new StringBuilder();
            foreach (var key in response.Keys)
            {
                text.AppendLine($"{key.Kid}  {ProtoValues.Name(key.Purpose),-11}  {ProtoValues.Name(key.Status),-11}  {key.Algorithm,-14}  created {ProtoValues.TimeText(key.CreatedAt)}");
            }

            return run.Print(new JsonObject { ["keys"] = new JsonArray([.. response.Keys.Select(k => (JsonNode)KeyJson(k))]) }, text.Length == 0 ? "No keys." : text.ToString());
        });
        return command;
    }

    private static CliCommand Jwks()
    {
        var online = new OnlineOptions(LedgerService.Notary);
        var purpose = PurposeOption(required: false);
        var command = new CliCommand("jwks", "Print the JWKS verifiers trust (the public keys), e.g. to save it for offline verification.",
            "ledgerctl keys jwks > ledger.jwks");
        command.Add(purpose);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new NotaryKeys.KeysClient(connection.Channel).GetJwksAsync(new GetJwksRequest { Purpose = Purpose(run, purpose) }, connection.Call());
            var jwks = JsonNode.Parse(response.JwksJson)!;
            return run.Print(new JsonObject { ["jwks"] = jwks }, Json.Text(jwks));
        });
        return command;
    }

    private static CliCommand History()
    {
        var online = new OnlineOptions(LedgerService.Notary);
        var kid = new Argument<string>("KID") { Description = "The key id." };
        var command = new CliCommand("history", "One key's lifecycle events, in order.", "ledgerctl keys history <kid>");
        command.Add(kid);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new NotaryKeys.KeysClient(connection.Channel).GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = run.Get(kid) }, connection.Call());
            var text = new StringBuilder($"History of key {run.Get(kid)}:\n");
            foreach (var entry in response.Entries)
            {
                text.AppendLine($"  {entry.Version,3}  {ProtoValues.TimeText(entry.At)}  {entry.Event,-24}  by {entry.RequestedBy}");
            }

            var json = new JsonObject
            {
                ["kid"] = run.Get(kid),
                ["entries"] = new JsonArray([.. response.Entries.Select(e => (JsonNode)new JsonObject
                {
                    ["version"] = e.Version,
                    ["event"] = e.Event,
                    ["at"] = ProtoValues.Time(e.At),
                    ["requested_by"] = e.RequestedBy,
                    ["data"] = ProtoValues.Embedded(e.DataJson),
                })]),
            };
            return run.Print(json, text.ToString());
        });
        return command;
    }

    private static CliCommand Rotate()
    {
        var online = new OnlineOptions(LedgerService.Notary);
        var purpose = PurposeOption(required: true);
        var activateAt = new Option<string>("--activate-at") { Description = "Publish the new key now as pending and activate it then (ISO 8601).", HelpName = "TIME" };
        var reason = new Option<string>("--reason") { Description = "Why the ring rotates (kept in the ledger)." };
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("rotate", "Generate a new key for a ring; the previous key moves to retiring and stays in the JWKS until what it signed expires.",
            "ledgerctl keys rotate --purpose license --reason 'yearly rotation'");
        command.Add(purpose);
        command.Add(activateAt);
        command.Add(reason);
        command.Add(idempotencyKey);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var key = IdempotencyKeys.Resolve(run, idempotencyKey);
            var request = new RotateKeyRequest { IdempotencyKey = key, Purpose = Purpose(run, purpose), Reason = run.Get(reason) ?? string.Empty };
            if (run.Get(activateAt) is { Length: > 0 } at)
            {
                request.ActivateAt = ProtoValues.ParseTime(at, "--activate-at");
            }

            using var connection = online.Connect(run);
            var response = await new NotaryKeys.KeysClient(connection.Channel).RotateKeyAsync(request, connection.Call());
            var json = new JsonObject { ["new_key"] = KeyJson(response.NewKey), ["previous_kid"] = response.PreviousKid, ["idempotency_key"] = key };
            return run.Print(json, $"New {ProtoValues.Name(response.NewKey.Purpose)} key {response.NewKey.Kid} is {ProtoValues.Name(response.NewKey.Status)}" +
                (response.PreviousKid.Length > 0 ? $"; {response.PreviousKid} is now retiring." : ".") + $"\n  idempotency  {key}");
        });
        return command;
    }

    private static CliCommand Retire()
    {
        var online = new OnlineOptions(LedgerService.Notary);
        var kid = new Argument<string>("KID") { Description = "The retiring key to retire." };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the ledger)." };
        var command = new CliCommand("retire", "Retire a retiring key once nothing it signed is still valid; it leaves the JWKS.",
            "ledgerctl keys retire <kid> --reason 'all licenses re-signed'");
        command.Add(kid);
        command.Add(reason);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new NotaryKeys.KeysClient(connection.Channel).RetireKeyAsync(new RetireKeyRequest { Kid = run.Get(kid), Reason = run.Get(reason) ?? string.Empty }, connection.Call());
            return run.Print(new JsonObject { ["key"] = KeyJson(response.Key) }, $"Key {response.Key.Kid} is {ProtoValues.Name(response.Key.Status)}.");
        });
        return command;
    }

    private static CliCommand Compromise()
    {
        var online = new OnlineOptions(LedgerService.Notary);
        var kid = new Argument<string>("KID") { Description = "The key that must not be trusted any more." };
        var reason = new Option<string>("--reason") { Description = "What happened (kept in the ledger).", Required = true };
        var command = new CliCommand("compromise", "Mark a key compromised: it leaves the JWKS at once; an active key is replaced in the same step.",
            "ledgerctl keys compromise <kid> --reason 'key file leaked'");
        command.Add(kid);
        command.Add(reason);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new NotaryKeys.KeysClient(connection.Channel).MarkKeyCompromisedAsync(new MarkKeyCompromisedRequest { Kid = run.Get(kid), Reason = run.Get(reason) }, connection.Call());
            var json = new JsonObject { ["key"] = KeyJson(response.Key), ["replacement"] = response.Replacement is null ? null : KeyJson(response.Replacement) };
            return run.Print(json, $"Key {response.Key.Kid} is marked compromised." + (response.Replacement is { } replacement ? $" Replaced by {replacement.Kid} ({ProtoValues.Name(replacement.Status)})." : string.Empty));
        });
        return command;
    }

    private static CliCommand Import()
    {
        var online = new OnlineOptions(LedgerService.Notary);
        var file = new Argument<string>("FILE") { Description = "The private signing JWKS to import (a Flux <prefix>-sig-private.jwks: one Ed25519 key, UUID kid)." };
        var purpose = PurposeOption(required: true);
        var activate = new Option<bool>("--activate") { Description = "Make it the ring's active key (the active one moves to retiring). Without it the key only verifies what it signed." };
        var signedUntil = new Option<string>("--signed-until") { Description = "Until when what the key signed stays valid (ISO 8601); it stays in the JWKS at least until then. Default: until retired by hand.", HelpName = "TIME" };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the ledger)." };
        var command = new CliCommand("import", "Take a Flux distro signing key into Notary's custody, keeping its kid, so licenses and attestations it signed verify against Notary's JWKS. The private key travels to Notary: use an https:// address for a Notary on another machine.",
            "ledgerctl keys import bin/distro/keys/bc530bc4-sig-private.jwks --purpose license",
            "ledgerctl keys import keys/bc530bc4-sig-private.jwks --purpose license --activate --reason 'moving from Flux'");
        command.Add(file);
        command.Add(purpose);
        command.Add(activate);
        command.Add(signedUntil);
        command.Add(reason);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var request = new ImportKeyRequest
            {
                Purpose = Purpose(run, purpose),
                PrivateJwksJson = Files.LocalFiles.ReadText(run.Get(file)!, 64 * 1024, "key file"),
                Activate = run.Get(activate),
                Reason = run.Get(reason) ?? string.Empty,
            };
            if (run.Get(signedUntil) is { Length: > 0 } until)
            {
                request.SignedUntil = ProtoValues.ParseTime(until, "--signed-until");
            }

            using var connection = online.Connect(run);
            var response = await new NotaryKeys.KeysClient(connection.Channel).ImportKeyAsync(request, connection.Call());
            var json = new JsonObject { ["key"] = KeyJson(response.Key), ["previous_kid"] = response.PreviousKid };
            return run.Print(json, $"Imported {ProtoValues.Name(response.Key.Purpose)} key {response.Key.Kid}; it is {ProtoValues.Name(response.Key.Status)}" +
                (response.PreviousKid.Length > 0 ? $", and {response.PreviousKid} is now retiring." : "."));
        });
        return command;
    }

    private static CliCommand Signatures()
    {
        var online = new OnlineOptions(LedgerService.Notary);
        var kid = new Option<string>("--kid") { Description = "Only the signatures of this key." };
        var since = new Option<string>("--since") { Description = "Only signatures made at or after this time (ISO 8601).", HelpName = "TIME" };
        var subject = new Option<string>("--subject") { Description = "Only signatures about this subject: a license or attestation id, feed/<version>, filter/<version>." };
        var command = new CliCommand("signatures", "Notary's signature log: every signature it made, in order (index, time, key, purpose, calling client, subject, SHA-256 of the signing input). Needs the auditor or key-admin role.",
            "ledgerctl keys signatures --since 2026-01-01T00:00:00Z",
            "ledgerctl keys signatures --kid <kid> --output-format json");
        command.Add(kid);
        command.Add(since);
        command.Add(subject);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var request = new ListSignaturesRequest { Kid = run.Get(kid) ?? string.Empty, Subject = run.Get(subject) ?? string.Empty, PageSize = 1000 };
            if (run.Get(since) is { Length: > 0 } at)
            {
                request.Since = ProtoValues.ParseTime(at, "--since");
            }

            using var connection = online.Connect(run);
            var client = new SignatureLog.SignatureLogClient(connection.Channel);
            var entries = new JsonArray();
            var text = new StringBuilder();
            while (true)
            {
                var page = await client.ListSignaturesAsync(request, connection.Call());
                foreach (var entry in page.Entries)
                {
                    entries.Add(SignatureJson(entry));
                    text.AppendLine($"{entry.Index,8}  {ProtoValues.TimeText(entry.At)}  {entry.Purpose,-11}  {entry.Kid}  {entry.Client,-12}  {entry.Subject}");
                }

                if (page.NextStartIndex < 0)
                {
                    break;
                }

                request.StartIndex = page.NextStartIndex;
            }

            return run.Print(new JsonObject { ["signatures"] = entries }, text.Length == 0 ? "No signatures." : text.ToString());
        });
        return command;
    }

    internal static JsonObject SignatureJson(Contracts.Notary.V1.SignatureLogEntry entry) => new()
    {
        ["index"] = entry.Index,
        ["at"] = ProtoValues.Time(entry.At),
        ["at_ms"] = entry.At.ToDateTimeOffset().ToUnixTimeMilliseconds(),
        ["kid"] = entry.Kid,
        ["purpose"] = entry.Purpose,
        ["client"] = entry.Client,
        ["subject"] = entry.Subject,
        ["input_sha256"] = Convert.ToHexStringLower(entry.InputSha256.ToByteArray()),
    };

    private static JsonObject KeyJson(KeyInfo key) => new()
    {
        ["kid"] = key.Kid,
        ["purpose"] = ProtoValues.Name(key.Purpose),
        ["algorithm"] = key.Algorithm,
        ["status"] = ProtoValues.Name(key.Status),
        ["created_at"] = ProtoValues.Time(key.CreatedAt),
        ["activated_at"] = ProtoValues.Time(key.ActivatedAt),
        ["activates_at"] = ProtoValues.Time(key.ActivatesAt),
        ["rotated_out_at"] = ProtoValues.Time(key.RotatedOutAt),
        ["retired_at"] = ProtoValues.Time(key.RetiredAt),
        ["compromised_at"] = ProtoValues.Time(key.CompromisedAt),
        ["signed_until"] = ProtoValues.Time(key.SignedUntil),
        ["thumbprint"] = key.Thumbprint,
        ["public_jwk"] = ProtoValues.Embedded(key.PublicJwkJson),
    };
}
