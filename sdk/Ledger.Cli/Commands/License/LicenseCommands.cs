using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Files;
using Ledger.Cli.Licensing;
using Ledger.Cli.Online;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;

namespace Ledger.Cli.Commands.License;

/// <summary>
/// <c>ledgerctl license ...</c>: the license ledger online. Issuance (issue, batch-issue, renew,
/// change-capabilities, get, list, history, count, import) and Revocation (revoke, status,
/// import-revocations).
/// </summary>
internal static class LicenseCommands
{
    public static Command Create()
    {
        var license = new CliCommand("license", "Licenses in the ledger: issue, renew, inspect and revoke them through the Issuance and Revocation services.",
            "ledgerctl license issue --customer-id acme-42 --customer-name 'Acme Corp' --product flux-enterprise --audience acme-app --duration 365");
        license.Add(Issue());
        license.Add(BatchIssueCommand.Create());
        license.Add(Renew());
        license.Add(ChangeCapabilities());
        license.Add(Get());
        license.Add(List());
        license.Add(History());
        license.Add(Count());
        license.Add(Import());
        license.Add(ImportRevocations());
        license.Add(Revoke());
        license.Add(RevokeMany());
        license.Add(Status());
        return license;
    }

    private static CliCommand Issue()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var customerId = new Option<string>("--customer-id") { Description = "Your own customer id (kept in the ledger; the license key carries a pseudonym).", Required = true };
        var customerName = new Option<string>("--customer-name") { Description = "The customer's name (kept in the ledger only).", Required = true };
        var customerContact = new Option<string>("--customer-contact") { Description = "A contact, e.g. an e-mail address (kept in the ledger only)." };
        var product = new Option<string>("--product") { Description = "Product id, e.g. flux-enterprise.", Required = true };
        var edition = new Option<string>("--edition") { Description = "Edition, e.g. standard." };
        var audience = new Option<string>("--audience") { Description = "Who the license key is for: the product's verifier id (the token's 'aud'). Required, except with --profile flux (default flux-operator)." };
        var capabilities = new Option<string[]>("--capabilities") { Description = "Capabilities, comma-separated (e.g. sso,fips); repeatable.", HelpName = "a,b" };
        var duration = new Option<int?>("--duration") { Description = "Days from --valid-from to expiry (1-3650).", HelpName = "DAYS" };
        var expiresAt = new Option<string>("--expires-at") { Description = "An explicit expiry instead of --duration (ISO 8601).", HelpName = "TIME" };
        var validFrom = new Option<string>("--valid-from") { Description = "Valid from this time (ISO 8601; default now, at most a year ahead).", HelpName = "TIME" };
        var keyFile = new Option<string>("--license-key-file") { Description = "Also write the signed license key to this file (never overwritten).", HelpName = "FILE" };
        var profile = new Option<string>("--profile")
        {
            Description = "License key format: 'ledger' (default; typ license+jwt) or 'flux' (the Flux Operator's: typ JWT, UUIDv6 id, sub c-<16 hex of SHA-256(customer id)>, aud [\"flux-operator\"] unless --audience). Kept by renewals.",
            DefaultValueFactory = _ => "ledger",
        };
        profile.AcceptOnlyFromAmong("ledger", "flux");
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("issue", "Issue one license; prints it with its signed license key.",
            "ledgerctl license issue --customer-id acme-42 --customer-name 'Acme Corp' --product flux-enterprise --audience acme-app --capabilities sso,fips --duration 365 --license-key-file acme-42.jwt",
            "ledgerctl license issue --profile flux --customer-id acme-42 --customer-name 'Acme Corp' --product flux-operator --capabilities feature1 --duration 365 --license-key-file acme-42.jwt");
        foreach (var option in new Option[] { customerId, customerName, customerContact, product, edition, audience, capabilities, duration, expiresAt, validFrom, keyFile, profile, idempotencyKey })
        {
            command.Add(option);
        }

        online.AddTo(command);
        command.Handle(async run =>
        {
            if (run.Get(keyFile) is { Length: > 0 } file)
            {
                LocalFiles.RefuseExisting(file, "License key file");
            }

            var terms = new LicenseTerms
            {
                CustomerId = run.Get(customerId) ?? string.Empty,
                CustomerName = run.Get(customerName) ?? string.Empty,
                CustomerContact = run.Get(customerContact) ?? string.Empty,
                Product = run.Get(product) ?? string.Empty,
                Edition = run.Get(edition) ?? string.Empty,
                Audience = run.Get(audience) ?? string.Empty,
                Capabilities = { LicenseTermsRules.Capabilities(run.Get(capabilities)) },
                DurationDays = run.Get(duration) ?? 0,
                Profile = run.Get(profile) == "flux" ? LicenseProfile.Flux : LicenseProfile.Ledger,
            };
            if (terms.Profile != LicenseProfile.Flux && terms.Audience.Length == 0)
            {
                throw CliFailure.Usage("Give --audience (the product's verifier id); only --profile flux has a default (flux-operator).");
            }

            if (run.Get(expiresAt) is { Length: > 0 } expiry)
            {
                terms.ExpiresAt = ProtoValues.ParseTime(expiry, "--expires-at");
            }

            if (run.Get(validFrom) is { Length: > 0 } from)
            {
                terms.ValidFrom = ProtoValues.ParseTime(from, "--valid-from");
            }

            if (terms.DurationDays == 0 && terms.ExpiresAt is null)
            {
                throw CliFailure.Usage("Give --duration DAYS or --expires-at TIME.");
            }

            var key = IdempotencyKeys.Resolve(run, idempotencyKey);
            using var connection = online.Connect(run);
            var response = await new Licenses.LicensesClient(connection.Channel)
                .IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = key, Terms = terms }, connection.Call());
            var issued = response.License;
            if (run.Get(keyFile) is { Length: > 0 } path)
            {
                LocalFiles.WriteNew(path, issued.LicenseKey + "\n", LocalFiles.PublicMode);
            }

            var json = LicenseView.Json(issued);
            json["idempotency_key"] = key;
            json["license_key_file"] = run.Get(keyFile);
            return run.Print(json, LicenseView.Text(issued) + $"  idempotency  {key}\n" + (run.Get(keyFile) is { Length: > 0 } written ? $"  written to   {written}\n" : string.Empty));
        });
        return command;
    }

    private static CliCommand Renew()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var id = new Argument<string>("LICENSE_ID") { Description = "The license id (the license key's jti)." };
        var duration = new Option<int>("--duration") { Description = "Days added to the later of now and the current expiry (1-3650).", Required = true, HelpName = "DAYS" };
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("renew", "Extend a license; prints the new license key.",
            "ledgerctl license renew 0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f --duration 365");
        command.Add(id);
        command.Add(duration);
        command.Add(idempotencyKey);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var key = IdempotencyKeys.Resolve(run, idempotencyKey);
            using var connection = online.Connect(run);
            var response = await new Licenses.LicensesClient(connection.Channel).RenewLicenseAsync(
                new RenewLicenseRequest { IdempotencyKey = key, LicenseId = run.Get(id), DurationDays = LicenseTermsRules.DurationDays(run.Get(duration)) }, connection.Call());
            return run.Print(LicenseView.Json(response.License), LicenseView.Text(response.License));
        });
        return command;
    }

    private static CliCommand ChangeCapabilities()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var id = new Argument<string>("LICENSE_ID") { Description = "The license id." };
        var capabilities = new Option<string[]>("--capabilities") { Description = "The full new set of capabilities, comma-separated; repeatable. Give an empty string for none.", Required = true, HelpName = "a,b" };
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("change-capabilities", "Replace a license's capabilities; prints the new license key.",
            "ledgerctl license change-capabilities 0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f --capabilities sso,fips,audit");
        command.Add(id);
        command.Add(capabilities);
        command.Add(idempotencyKey);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var request = new ChangeCapabilitiesRequest { IdempotencyKey = IdempotencyKeys.Resolve(run, idempotencyKey), LicenseId = run.Get(id) };
            request.Capabilities.AddRange(LicenseTermsRules.Capabilities(run.Get(capabilities)));
            using var connection = online.Connect(run);
            var response = await new Licenses.LicensesClient(connection.Channel).ChangeCapabilitiesAsync(request, connection.Call());
            return run.Print(LicenseView.Json(response.License), LicenseView.Text(response.License));
        });
        return command;
    }

    private static CliCommand Get()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var id = new Argument<string>("LICENSE_ID") { Description = "The license id." };
        var receipt = new Option<bool>("--receipt") { Description = "Also fetch the license key's receipt from Notary's signature log (entry, inclusion proof, signed checkpoint; docs/TRANSPARENCY.md)." };
        var receiptFile = new Option<string>("--receipt-file") { Description = "Write the receipt to this file (never overwritten); implies --receipt. Verify it offline with 'ledgerctl verify license-key --receipt FILE'.", HelpName = "FILE" };
        var command = new CliCommand("get", "Show one license's current state and license key, optionally with its signature log receipt.",
            "ledgerctl license get 0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f",
            "ledgerctl license get 0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f --receipt-file license.receipt.json");
        command.Add(id);
        command.Add(receipt);
        command.Add(receiptFile);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var path = run.Get(receiptFile);
            if (path is { Length: > 0 })
            {
                LocalFiles.RefuseExisting(path, "receipt file");
            }

            var withReceipt = run.Get(receipt) || path is { Length: > 0 };
            using var connection = online.Connect(run);
            var response = await new Licenses.LicensesClient(connection.Channel).GetLicenseAsync(
                new GetLicenseRequest { LicenseId = run.Get(id), IncludeReceipt = withReceipt }, connection.Call());
            var json = LicenseView.Json(response.License);
            var text = LicenseView.Text(response.License);
            if (withReceipt)
            {
                json["receipt"] = JsonNode.Parse(response.ReceiptJson);
                if (path is { Length: > 0 })
                {
                    LocalFiles.WriteNew(path, response.ReceiptJson + "\n", LocalFiles.PublicMode);
                    json["receipt_file"] = path;
                    text += $"\nReceipt written to {path}.";
                }
                else
                {
                    text += $"\nReceipt: {response.ReceiptJson}";
                }
            }

            return run.Print(json, text);
        });
        return command;
    }

    private static CliCommand List()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var customerId = new Option<string>("--customer-id") { Description = "Whose licenses to list.", Required = true };
        var pageSize = new Option<int>("--page-size") { Description = "Licenses per page (1-200).", DefaultValueFactory = _ => 50 };
        var pageToken = new Option<string>("--page-token") { Description = "Continue from a previous page's next_page_token." };
        var all = new Option<bool>("--all") { Description = "Follow every page to the end." };
        var command = new CliCommand("list", "List a customer's licenses, newest first.",
            "ledgerctl license list --customer-id acme-42 --all");
        foreach (var option in new Option[] { customerId, pageSize, pageToken, all })
        {
            command.Add(option);
        }

        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var client = new Licenses.LicensesClient(connection.Channel);
            var licenses = new List<Contracts.Issuance.V1.License>();
            var token = run.Get(pageToken) ?? string.Empty;
            do
            {
                var page = await client.ListLicensesAsync(new ListLicensesRequest { CustomerId = run.Get(customerId), PageSize = run.Get(pageSize), PageToken = token }, connection.Call());
                licenses.AddRange(page.Licenses);
                token = page.NextPageToken;
            }
            while (run.Get(all) && token.Length > 0);

            var json = new JsonObject
            {
                ["licenses"] = new JsonArray([.. licenses.Select(l => (JsonNode)LicenseView.Json(l))]),
                ["next_page_token"] = token,
            };
            var text = new StringBuilder();
            text.AppendLine(licenses.Count == 0 ? $"No licenses for customer '{run.Get(customerId)}'." : $"{Plural.Of(licenses.Count, "license")} of customer '{run.Get(customerId)}':");
            foreach (var license in licenses)
            {
                text.AppendLine("  " + LicenseView.Line(license));
            }

            if (token.Length > 0)
            {
                text.AppendLine($"More: --page-token {token} (or --all)");
            }

            return run.Print(json, text.ToString());
        });
        return command;
    }

    private static CliCommand History()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var id = new Argument<string>("LICENSE_ID") { Description = "The license id." };
        var command = new CliCommand("history", "Every event of one license, in order, with time and who asked.",
            "ledgerctl license history 0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f");
        command.Add(id);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new Licenses.LicensesClient(connection.Channel).GetLicenseHistoryAsync(new GetLicenseHistoryRequest { LicenseId = run.Get(id) }, connection.Call());
            var json = new JsonObject
            {
                ["license_id"] = run.Get(id),
                ["entries"] = new JsonArray([.. response.Entries.Select(e => (JsonNode)new JsonObject
                {
                    ["version"] = e.Version,
                    ["event"] = e.Event,
                    ["at"] = ProtoValues.Time(e.At),
                    ["requested_by"] = e.RequestedBy,
                    ["idempotency_key"] = e.IdempotencyKey,
                    ["data"] = ProtoValues.Embedded(e.DataJson),
                })]),
            };
            var text = new StringBuilder($"History of license {run.Get(id)}:\n");
            foreach (var entry in response.Entries)
            {
                text.AppendLine($"  {entry.Version,3}  {ProtoValues.TimeText(entry.At)}  {entry.Event,-28}  by {entry.RequestedBy}");
            }

            return run.Print(json, text.ToString());
        });
        return command;
    }

    private static CliCommand Count()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var customerId = new Option<string>("--customer-id") { Description = "Only this customer's licenses." };
        var command = new CliCommand("count", "How many licenses are active, not yet valid, expired and revoked.",
            "ledgerctl license count --customer-id acme-42");
        command.Add(customerId);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var counts = await new Licenses.LicensesClient(connection.Channel).CountLicensesAsync(new CountLicensesRequest { CustomerId = run.Get(customerId) ?? string.Empty }, connection.Call());
            var json = new JsonObject { ["active"] = counts.Active, ["not_yet_valid"] = counts.NotYetValid, ["expired"] = counts.Expired, ["revoked"] = counts.Revoked };
            return run.Print(json, $"active {counts.Active}, not yet valid {counts.NotYetValid}, expired {counts.Expired}, revoked {counts.Revoked}");
        });
        return command;
    }

    private static CliCommand Import()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var files = new Argument<string[]>("FILE") { Description = "License key files written by the Flux Operator's 'distro sign license-key' (or 'ledgerctl sign license-key').", Arity = ArgumentArity.OneOrMore };
        var customerId = new Option<string>("--customer-id") { Description = "File the licenses under this customer id (default: each key's 'sub')." };
        var customerName = new Option<string>("--customer-name") { Description = "The customer's name, as given to 'sign license-key -c' (checked against the key's sub)." };
        var product = new Option<string>("--product") { Description = "Product id to file them under (default: the key's product claim, else its audience, e.g. flux-operator)." };
        var command = new CliCommand("import", "Record existing Flux license keys in the ledger (kept verbatim) so they can be listed, audited and revoked online. Their signing key must be in Notary's license ring ('keys import'). Importing a key again changes nothing.",
            "ledgerctl keys import bin/distro/keys/*sig-private.jwks --purpose license --signed-until 2027-12-31T00:00:00Z",
            "ledgerctl license import licenses/*.jwt --customer-name 'ControlPlane Group Limited' --customer-id cp-1");
        command.Add(files);
        command.Add(customerId);
        command.Add(customerName);
        command.Add(product);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var paths = run.Get(files) ?? [];
            if (paths.Length > 100)
            {
                throw CliFailure.Usage($"At most 100 license key files per import; {paths.Length} given. Import them in several runs (importing a key twice changes nothing).");
            }

            var request = new ImportLicensesRequest
            {
                CustomerId = run.Get(customerId) ?? string.Empty,
                CustomerName = run.Get(customerName) ?? string.Empty,
                Product = run.Get(product) ?? string.Empty,
            };
            request.LicenseKeys.AddRange(paths.Select(LicenseKeyFile.Read));
            using var connection = online.Connect(run);
            var response = await new Licenses.LicensesClient(connection.Channel).ImportLicensesAsync(request, connection.Call());
            var json = new JsonObject
            {
                ["imported"] = response.Licenses.Count(l => l.Imported),
                ["already_imported"] = response.Licenses.Count(l => !l.Imported),
                ["licenses"] = new JsonArray([.. response.Licenses.Select((l, i) =>
                {
                    var view = LicenseView.Json(l.License);
                    view["file"] = paths[i];
                    view["newly_imported"] = l.Imported;
                    return (JsonNode)view;
                })]),
            };
            var text = new StringBuilder($"Imported {Plural.Of(response.Licenses.Count(l => l.Imported), "license key")}, {response.Licenses.Count(l => !l.Imported)} already in the ledger:\n");
            for (var i = 0; i < response.Licenses.Count; i++)
            {
                text.AppendLine($"  {paths[i]}  {(response.Licenses[i].Imported ? "imported" : "already  ")}  {LicenseView.Line(response.Licenses[i].License)}");
            }

            return run.Print(json, text.ToString());
        });
        return command;
    }

    private static CliCommand ImportRevocations()
    {
        var online = new OnlineOptions(LedgerService.Revocation);
        var file = new Argument<string>("FILE") { Description = "A Flux revocations.json ({\"issuer\": ..., \"keys\": {\"<jti>\": <unix seconds>}}) of this ledger's issuer." };
        var reason = new Option<string>("--reason") { Description = $"RFC 5280 reason recorded for each: {string.Join(", ", ProtoValues.Names<RevocationReason>())}.", DefaultValueFactory = _ => "unspecified" };
        reason.CompletionSources.Add(ProtoValues.Names<RevocationReason>());
        var expireBy = new Option<string>("--licenses-expire-by") { Description = "Latest expiry of the listed licenses the ledger does not know (their feed entries are kept until then; default 5 years from now, at most 10).", HelpName = "TIME" };
        var command = new CliCommand("import-revocations", "Record the revocations of a Flux revocations.json (keeping their times), so the signed feeds and the served revocations.json carry them. Importing it again changes nothing.",
            "ledgerctl license import-revocations bin/distro/licenses/revocations.json");
        command.Add(file);
        command.Add(reason);
        command.Add(expireBy);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var request = new ImportRevocationsRequest
            {
                RevocationsJson = LocalFiles.ReadText(run.Get(file)!, 4 * 1024 * 1024, "revocations.json"),
                Reason = run.Get(reason) is { Length: > 0 } named && named != "unspecified" ? ProtoValues.ParseName<RevocationReason>(named, "--reason") : RevocationReason.Unspecified,
            };
            if (run.Get(expireBy) is { Length: > 0 } until)
            {
                request.LicensesExpireBy = ProtoValues.ParseTime(until, "--licenses-expire-by");
            }

            using var connection = online.Connect(run);
            var response = await new Revocations.RevocationsClient(connection.Channel).ImportRevocationsAsync(request, connection.Call());
            return run.Print(
                new JsonObject { ["imported"] = response.Imported, ["already_revoked"] = response.AlreadyRevoked, ["feed_version"] = response.FeedVersion },
                $"Imported {Plural.Of(response.Imported, "revocation")} ({response.AlreadyRevoked} already revoked); the feed is at version {response.FeedVersion}.");
        });
        return command;
    }

    private static CliCommand Revoke()
    {
        var online = new OnlineOptions(LedgerService.Revocation);
        var id = new Argument<string>("LICENSE_ID") { Description = "The license id; or give --license-key instead.", Arity = ArgumentArity.ZeroOrOne };
        var licenseKey = new Option<string>("--license-key") { Description = "Revoke by presenting the license key file (its signature is checked by the service).", HelpName = "FILE" };
        var reason = new Option<string>("--reason") { Description = $"RFC 5280 reason: {string.Join(", ", ProtoValues.Names<RevocationReason>())}.", DefaultValueFactory = _ => "unspecified" };
        reason.CompletionSources.Add(ProtoValues.Names<RevocationReason>());
        var comment = new Option<string>("--comment") { Description = "Free text kept in the ledger (not in feeds), at most 500 characters." };
        var command = new CliCommand("revoke", "Revoke a license (final). It appears in the next signed feed.",
            "ledgerctl license revoke 0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f --reason key_compromise --comment 'leaked on a forum'");
        command.Add(id);
        command.Add(licenseKey);
        command.Add(reason);
        command.Add(comment);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var request = new RevokeRequest
            {
                Reason = run.Get(reason) is { Length: > 0 } named && named != "unspecified" ? ProtoValues.ParseName<RevocationReason>(named, "--reason") : RevocationReason.Unspecified,
                Comment = run.Get(comment) ?? string.Empty,
            };
            switch (run.Get(id), run.Get(licenseKey))
            {
                case ({ Length: > 0 } licenseId, null):
                    request.LicenseId = licenseId;
                    break;
                case (null, { Length: > 0 } file):
                    request.LicenseKey = LicenseKeyFile.Read(file);
                    break;
                default:
                    throw CliFailure.Usage("Give the license id or --license-key FILE (one of them).");
            }

            using var connection = online.Connect(run);
            var response = await new Revocations.RevocationsClient(connection.Channel).RevokeAsync(request, connection.Call());
            var record = response.Revocation;
            var json = RevocationView.Json(record);
            json["newly_revoked"] = response.NewlyRevoked;
            var text = response.NewlyRevoked
                ? $"Revoked license {record.LicenseId} ({record.Reason}) at {ProtoValues.TimeText(record.RevokedAt)}; in feeds from version {record.FeedVersion}."
                : $"License {record.LicenseId} was already revoked at {ProtoValues.TimeText(record.RevokedAt)} ({record.Reason}); nothing changed.";
            return run.Print(json, text);
        });
        return command;
    }

    private static CliCommand RevokeMany()
    {
        var online = new OnlineOptions(LedgerService.Revocation);
        var ids = new Argument<string[]>("LICENSE_ID") { Description = "License ids to revoke; or give --customer-id, --kid or --ids-file instead.", Arity = ArgumentArity.ZeroOrMore };
        var customerId = new Option<string>("--customer-id") { Description = "Revoke every license of this customer (the vendor's customer id, as given to 'license issue')." };
        var idsFile = new Option<string>("--ids-file") { Description = "A file of license ids, one a line ('-' for standard input).", HelpName = "FILE" };
        var kid = new Option<string>("--kid")
        {
            Description = "Revoke every unrevoked, unexpired license any of whose keys this Notary license key signed (its kid, from 'keys list --purpose license'), " +
                "up to 20,000 a call: run again while it says more remain.",
            HelpName = "KID",
        };
        var reason = new Option<string>("--reason") { Description = $"RFC 5280 reason: {string.Join(", ", ProtoValues.Names<RevocationReason>())}.", DefaultValueFactory = _ => "unspecified" };
        reason.CompletionSources.Add(ProtoValues.Names<RevocationReason>());
        var comment = new Option<string>("--comment") { Description = "Free text kept in the ledger (not in feeds), at most 500 characters." };
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("revoke-many",
            "Revoke many licenses in one call (final): the listed ids, every license of a customer, or every license a signing key signed, in one commit and one step of the signed feed. An unknown id revokes nothing. Up to 20,000 per call.",
            "ledgerctl license revoke-many --customer-id acme-42 --reason cessation_of_operation",
            "ledgerctl license revoke-many --kid 0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f --reason key_compromise",
            "ledgerctl license revoke-many --ids-file leaked.txt --reason key_compromise --idempotency-key 0193a9a0-0000-7000-8000-000000000001");
        command.Add(ids);
        command.Add(customerId);
        command.Add(idsFile);
        command.Add(kid);
        command.Add(reason);
        command.Add(comment);
        command.Add(idempotencyKey);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var key = IdempotencyKeys.Resolve(run, idempotencyKey);
            var request = new RevokeLicensesRequest
            {
                IdempotencyKey = key,
                Reason = run.Get(reason) is { Length: > 0 } named && named != "unspecified" ? ProtoValues.ParseName<RevocationReason>(named, "--reason") : RevocationReason.Unspecified,
                Comment = run.Get(comment) ?? string.Empty,
            };
            var listed = run.Get(ids) ?? [];
            switch (listed.Length > 0, run.Get(customerId), run.Get(idsFile), run.Get(kid))
            {
                case (true, null, null, null):
                    request.LicenseIds = new LicenseIds { Ids = { listed } };
                    break;
                case (false, { Length: > 0 } customer, null, null):
                    request.CustomerId = customer;
                    break;
                case (false, null, null, { Length: > 0 } signingKey):
                    request.SigningKeyId = signingKey;
                    break;
                case (false, null, { Length: > 0 } file, null):
                    var lines = file == "-" ? ReadLines(Console.In) : File.ReadAllLines(file);
                    request.LicenseIds = new LicenseIds { Ids = { lines.Select(l => l.Trim()).Where(l => l.Length > 0) } };
                    break;
                default:
                    throw CliFailure.Usage("Give license ids, --customer-id ID, --kid KID or --ids-file FILE (one of them).");
            }

            using var connection = online.Connect(run);
            var response = await new Revocations.RevocationsClient(connection.Channel).RevokeLicensesAsync(request, connection.Call());
            var json = new JsonObject
            {
                ["revoked"] = new JsonArray([.. response.RevokedLicenseIds.Select(id => JsonValue.Create(id))]),
                ["already_revoked"] = new JsonArray([.. response.AlreadyRevokedLicenseIds.Select(id => JsonValue.Create(id))]),
                ["first_feed_version"] = response.FirstFeedVersion,
                ["feed_version"] = response.FeedVersion,
                ["more_remaining"] = response.MoreRemaining,
                ["idempotency_key"] = key,
            };
            var text = new StringBuilder();
            text.AppendLine(response.RevokedLicenseIds.Count > 0
                ? $"Revoked {response.RevokedLicenseIds.Count} licenses; in feeds from version {response.FeedVersion} (entries {response.FirstFeedVersion}-{response.FeedVersion})."
                : "Revoked no license.");
            if (response.AlreadyRevokedLicenseIds.Count > 0)
            {
                text.AppendLine($"{response.AlreadyRevokedLicenseIds.Count} were already revoked; nothing changed for them.");
            }

            if (response.MoreRemaining)
            {
                text.AppendLine("The key signed more licenses than one call revokes: run the command again (without --idempotency-key) for the next ones.");
            }

            text.AppendLine($"  idempotency  {key}");
            return run.Print(json, text.ToString());
        });
        return command;
    }

    private static string[] ReadLines(TextReader reader)
    {
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return [.. lines];
    }

    private static CliCommand Status()
    {
        var online = new OnlineOptions(LedgerService.Revocation);
        var id = new Argument<string>("LICENSE_ID") { Description = "The license id." };
        var command = new CliCommand("status", "Whether a license is revoked, and since when (asks Revocation).",
            "ledgerctl license status 0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f");
        command.Add(id);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var status = await new Revocations.RevocationsClient(connection.Channel).GetStatusAsync(new GetStatusRequest { LicenseId = run.Get(id) }, connection.Call());
            var json = new JsonObject
            {
                ["license_id"] = run.Get(id),
                ["revoked"] = status.Revoked,
                ["license_expires_at"] = ProtoValues.Time(status.LicenseExpiresAt),
                ["revocation"] = status.Revocation is null ? null : RevocationView.Json(status.Revocation),
            };
            var text = status.Revoked
                ? $"License {run.Get(id)} is REVOKED since {ProtoValues.TimeText(status.Revocation?.RevokedAt)} ({status.Revocation?.Reason}, feed version {status.Revocation?.FeedVersion})."
                : $"License {run.Get(id)} is not revoked (expires {ProtoValues.TimeText(status.LicenseExpiresAt)}).";
            return run.Print(json, text);
        });
        return command;
    }
}
