using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;
using Ledger.Testing;
using Ledger.Testing.Processes;
using NSec.Cryptography;

namespace Ledger.Cli.Tests.Flux;

/// <summary>
/// A Flux vendor's ledger (<see cref="FluxVendorLedger"/>: the services as processes, the ledger's
/// issuer the vendor's Flux issuer): Issuance issues Flux-profile license keys that the Flux Operator's
/// verifier rules accept (checked here with NSec and the rules of FLUX_COMPAT.md, not with Ledger's
/// reader, and with <c>ledgerctl verify license-key</c> under the Flux rules), and Flux license keys
/// made in the test (<see cref="FluxIssuer"/>) are imported, listed, revoked online and then refused
/// against the signed feed. The migration steps of docs/CLI.md ("Migrating a Flux vendor", copied in
/// README) run as written, by bash, from a Flux vendor's bin/distro.
/// </summary>
public sealed class FluxVendorLedgerTests(FluxVendorLedger ledger) : IClassFixture<FluxVendorLedger>, IDisposable
{
    private readonly Workspace _files = new();

    private Ledgerctl Tool => ledger.Tool(_files);

    private string FeedUrl => $"{ledger.Revocation.HttpUrl}/feeds/revocations";

    [Fact]
    public async Task a_flux_profile_license_passes_the_flux_verifier_rules_keeps_its_format_when_renewed_and_is_revoked_through_the_feed()
    {
        var customer = $"acme-{Guid.NewGuid():N}"[..20];
        var issued = (await Tool.RunAsync("license", "issue", "--profile", "flux", "--customer-id", customer, "--customer-name", "Acme Corp",
            "--product", "flux-operator", "--capabilities", "feature1,feature2", "--duration", "30", "--license-key-file", "acme.jwt", "--output-format", "json")).Expect(0);
        var id = issued.Json["license_id"]!.GetValue<string>();
        Assert.Equal("flux", issued.Json["profile"]!.GetValue<string>());
        Assert.Equal("flux-operator", issued.Json["audience"]!.GetValue<string>());
        var jwks = await LicenseJwksAsync();

        var (header, claims) = FluxVerifierRules.Accept(File.ReadAllText(_files["acme.jwt"]).Trim(), jwks);
        Assert.Equal(["alg", "kid", "typ"], header.AsObject().Select(m => m.Key).Order(StringComparer.Ordinal));
        Assert.Equal(id, claims["jti"]!.GetValue<string>());
        Assert.Equal(FluxVendorLedger.FluxIssuer, claims["iss"]!.GetValue<string>());
        Assert.Equal(FluxFormat.Subject(customer), claims["sub"]!.GetValue<string>());
        Assert.Equal(["flux-operator"], claims["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["feature1", "feature2"], claims["caps"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Null(claims["rev"]);
        Assert.Equal(30L * 86400, claims["exp"]!.GetValue<long>() - claims["nbf"]!.GetValue<long>());

        var fluxRules = (await _files.Tool.With("FLUX_DISTRO_SIG_PUBLIC_JWKS", AsFluxPublicSet(jwks)).RunAsync("verify", "license-key", "acme.jwt")).Expect(0);
        Assert.StartsWith("Valid:", fluxRules.Stdout, StringComparison.Ordinal);

        var renewed = (await Tool.RunAsync("license", "renew", id, "--duration", "60", "--output-format", "json")).Expect(0);
        var (_, renewedClaims) = FluxVerifierRules.Accept(renewed.Json["license_key"]!.GetValue<string>(), jwks);
        Assert.Equal(id, renewedClaims["jti"]!.GetValue<string>());
        Assert.Equal(claims["sub"]!.GetValue<string>(), renewedClaims["sub"]!.GetValue<string>());

        (await RevokeEventuallyAsync(id)).Expect(0);
        var verdict = (await _files.Tool.RunAsync("verify", "license-key", "acme.jwt", "--key", Write("ledger.jwks", await AllJwksAsync()), "--issuer", FluxVendorLedger.FluxIssuer,
            "--audience", "flux-operator", "--feed", FeedUrl, "--output-format", "json")).Expect(1);
        Assert.Equal("Revoked", verdict.Json["status"]!.GetValue<string>());
        Assert.Contains(id, (await RevocationsJsonAsync())["keys"]!.AsObject().Select(k => k.Key));
    }

    [Fact]
    public async Task flux_license_keys_are_imported_verbatim_listed_revoked_online_and_refused_against_the_feed()
    {
        using var flux = new FluxIssuer(FluxVendorLedger.FluxIssuer);
        await ImportSigningKeyAsync(flux);
        var token = flux.LicenseKey("Globex Corp", 30, "feature1");
        var customer = $"globex-{Guid.NewGuid():N}"[..20];
        Write("globex.jwt", token + "\n");

        var imported = (await Tool.RunAsync("license", "import", "globex.jwt", "--customer-id", customer, "--customer-name", "Globex Corp", "--output-format", "json")).Expect(0);
        Assert.Equal(1, imported.Json["imported"]!.GetValue<int>());
        var license = imported.Json["licenses"]![0]!;
        var id = license["license_id"]!.GetValue<string>();
        Assert.Equal(token, license["license_key"]!.GetValue<string>());
        Assert.Equal(Jti(token), id);
        Assert.Equal(flux.Kid, license["kid"]!.GetValue<string>());
        Assert.Equal("active", license["status"]!.GetValue<string>());
        Assert.Equal("flux", license["profile"]!.GetValue<string>());
        Assert.True(license["imported"]!.GetValue<bool>());
        Assert.Equal("flux-operator", license["product"]!.GetValue<string>());
        Assert.Equal(["feature1"], license["capabilities"]!.AsArray().Select(c => c!.GetValue<string>()));

        var again = (await Tool.RunAsync("license", "import", "globex.jwt", "--customer-id", customer, "--customer-name", "Globex Corp", "--output-format", "json")).Expect(0);
        Assert.Equal(0, again.Json["imported"]!.GetValue<int>());
        Assert.Equal(1, again.Json["already_imported"]!.GetValue<int>());

        var listed = (await Tool.RunAsync("license", "list", "--customer-id", customer, "--output-format", "json")).Expect(0);
        Assert.Equal([id], listed.Json["licenses"]!.AsArray().Select(l => l!["license_id"]!.GetValue<string>()));
        var history = (await Tool.RunAsync("license", "history", id, "--output-format", "json")).Expect(0);
        var entry = Assert.Single(history.Json["entries"]!.AsArray())!;
        Assert.Equal("LicenseImported", entry["event"]!.GetValue<string>());
        Assert.Equal(Encoding.UTF8.GetString(FluxFormat.FromBase64Url(token.Split('.')[1])), entry["data"]!["ClaimsJson"]!.GetValue<string>());

        // Revocation learns the license from Issuance's LicenseImported, in Issuance's order.
        var revoked = (await RevokeEventuallyAsync(id)).Expect(0);
        Assert.True(revoked.Json["newly_revoked"]!.GetValue<bool>());
        var verdict = (await _files.Tool.RunAsync("verify", "license-key", "globex.jwt", "--key", Write("ledger.jwks", await AllJwksAsync()),
            "--issuer", FluxVendorLedger.FluxIssuer, "--audience", "flux-operator", "--feed", FeedUrl, "--output-format", "json")).Expect(1);
        Assert.Equal("Revoked", verdict.Json["status"]!.GetValue<string>());
        Assert.Contains(id, (await RevocationsJsonAsync())["keys"]!.AsObject().Select(k => k.Key));
        var got = (await Tool.RunAsync("license", "get", id, "--output-format", "json")).Expect(0);
        Assert.Equal(token, got.Json["license_key"]!.GetValue<string>());
    }

    [Fact]
    public async Task an_expired_flux_license_key_is_recorded_as_expired()
    {
        using var flux = new FluxIssuer(FluxVendorLedger.FluxIssuer);
        await ImportSigningKeyAsync(flux);
        var past = DateTimeOffset.UtcNow.AddDays(-40).ToUnixTimeSeconds();
        Write("old.jwt", flux.Sign(new JsonObject
        {
            ["jti"] = FluxFormat.NewUuidV6(), ["iss"] = flux.Issuer, ["sub"] = FluxFormat.Subject("Initech"), ["aud"] = new JsonArray("flux-operator"),
            ["exp"] = past + (30 * 86400), ["nbf"] = past, ["iat"] = past,
        }));

        var imported = (await Tool.RunAsync("license", "import", "old.jwt", "--output-format", "json")).Expect(0);

        var license = imported.Json["licenses"]![0]!;
        Assert.Equal("expired", license["status"]!.GetValue<string>());
        Assert.Equal(FluxFormat.Subject("Initech"), license["customer_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task license_keys_that_do_not_verify_against_notarys_license_ring_or_are_of_another_issuer_are_refused_naming_why()
    {
        using var notImported = new FluxIssuer(FluxVendorLedger.FluxIssuer);
        using var otherIssuer = new FluxIssuer("https://other.example");
        using var flux = new FluxIssuer(FluxVendorLedger.FluxIssuer);
        await ImportSigningKeyAsync(otherIssuer);
        await ImportSigningKeyAsync(flux);
        Write("unknown.jwt", notImported.LicenseKey("Acme", 30));
        Write("other.jwt", otherIssuer.LicenseKey("Acme", 30));
        var genuine = flux.LicenseKey("Acme", 30).Split('.');
        var altered = JsonNode.Parse(FluxFormat.FromBase64Url(genuine[1]))!;
        altered["caps"] = new JsonArray("everything");
        Write("altered.jwt", $"{genuine[0]}.{FluxFormat.Base64Url(Encoding.UTF8.GetBytes(altered.ToJsonString()))}.{genuine[2]}");
        Write("named.jwt", flux.LicenseKey("Acme", 30));

        var unknown = (await Tool.RunAsync("license", "import", "unknown.jwt")).Expect(2);
        Assert.Contains($"signed by key '{notImported.Kid}', which is not in Notary's license ring", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("keys import", unknown.Stderr, StringComparison.Ordinal);
        var other = (await Tool.RunAsync("license", "import", "other.jwt")).Expect(2);
        Assert.Contains("issued by 'https://other.example'", other.Stderr, StringComparison.Ordinal);
        var tampered = (await Tool.RunAsync("license", "import", "altered.jwt")).Expect(2);
        Assert.Contains("signature does not verify", tampered.Stderr, StringComparison.Ordinal);
        var wrongName = (await Tool.RunAsync("license", "import", "named.jwt", "--customer-name", "Globex")).Expect(2);
        Assert.Contains("is not the pseudonym of customer name 'Globex'", wrongName.Stderr, StringComparison.Ordinal);

        // All or nothing: a refused key refuses the import of the good one beside it.
        var mixed = (await Tool.RunAsync("license", "import", "named.jwt", "unknown.jwt")).Expect(2);
        Assert.Contains("license_keys[1]", mixed.Stderr, StringComparison.Ordinal);
        (await Tool.RunAsync("license", "get", Jti(File.ReadAllText(_files["named.jwt"])))).Expect(2);
    }

    [Fact]
    public async Task the_migration_steps_of_coming_from_flux_run_as_written()
    {
        var steps = MigrationSteps();
        Assert.Contains(steps, File.ReadAllText(Path.Combine(BuildOutput.Root, "README.md")), StringComparison.Ordinal);

        // The Flux vendor's state, made by the walkthrough's commands: its key, a license key, and the revoked set holding it.
        Directory.CreateDirectory(_files["bin/distro/licenses"]);
        (await _files.Tool.RunAsync("keygen", "sig", FluxVendorLedger.FluxIssuer, "--output-dir=bin/distro/keys")).Expect(0);
        var keys = _files["bin/distro/keys"];
        var offline = _files.Tool
            .With("FLUX_DISTRO_SIG_PRIVATE_JWKS", File.ReadAllText(Path.Combine(keys, FluxFormat.SigningPrivateFile(FluxVendorLedger.FluxIssuer))))
            .With("FLUX_DISTRO_SIG_PUBLIC_JWKS", File.ReadAllText(Path.Combine(keys, FluxFormat.SigningPublicFile(FluxVendorLedger.FluxIssuer))));
        (await offline.RunAsync("sign", "license-key", "--customer=ControlPlane Group Limited", "--duration=365", "--capabilities=feature1,feature2",
            "--output=bin/distro/licenses/cp-license.jwt")).Expect(0);
        (await offline.RunAsync("revoke", "license-key", "bin/distro/licenses/cp-license.jwt", "--output=bin/distro/licenses/revocations.json")).Expect(0);
        var cpLicense = File.ReadAllText(_files["bin/distro/licenses/cp-license.jwt"]).Trim();

        var calls = await RunAsBashAsync(steps);

        Assert.Equal(
            ["keys import", "license import", "license import-revocations", "keys jwks", "verify license-key", "license issue", "verify license-key"],
            calls.Select(c => c.Command));
        Assert.True(calls.Select(c => c.ExitCode).SequenceEqual([0, 0, 0, 0, 1, 0, 0]),
            string.Join('\n', calls.Select(c => $"{c.Command}: exit {c.ExitCode}\n{c.Stdout}{c.Stderr}")));
        Assert.Contains("Imported 1 license key", calls[1].Stdout, StringComparison.Ordinal);
        Assert.StartsWith("Revoked:", calls[4].Stdout, StringComparison.Ordinal);
        Assert.StartsWith("Valid:", calls[6].Stdout, StringComparison.Ordinal);

        var imported = (await Tool.RunAsync("license", "list", "--customer-id", "controlplane", "--output-format", "json")).Expect(0)
            .Json["licenses"]!.AsArray().Select(l => l!["license_key"]!.GetValue<string>()).ToList();
        Assert.Contains(cpLicense, imported);
        var issued = File.ReadAllText(_files["bin/distro/licenses/cp-license-2.jwt"]).Trim();
        Assert.Contains(issued, imported);
        FluxVerifierRules.Accept(issued, await LicenseJwksAsync());

        var served = JsonNode.Parse(File.ReadAllText(_files["bin/distro/licenses/revocations.json"]))!;
        Assert.Equal(FluxVendorLedger.FluxIssuer, served["issuer"]!.GetValue<string>());
        Assert.Contains(Jti(cpLicense), served["keys"]!.AsObject().Select(k => k.Key));
    }

    public void Dispose() => _files.Dispose();

    /// <summary>The sh block of docs/CLI.md's "Migrating a Flux vendor", without the list item's indentation.</summary>
    private static string MigrationSteps()
    {
        var page = File.ReadAllText(Path.Combine(BuildOutput.Root, "docs", "CLI.md"));
        var section = page.IndexOf("### Migrating a Flux vendor", StringComparison.Ordinal);
        var start = page.IndexOf("   ```sh\n", section, StringComparison.Ordinal) + "   ```sh\n".Length;
        var end = page.IndexOf("   ```\n", start, StringComparison.Ordinal);
        return string.Join('\n', page[start..end].Split('\n').Select(line => line.StartsWith("   ", StringComparison.Ordinal) ? line[3..] : line));
    }

    /// <summary>Runs the commands with bash; ledgerctl is a function recording each call's arguments, exit code and output (still written to its stdout, which the steps may redirect).</summary>
    private async Task<IReadOnlyList<(string Command, int ExitCode, string Stdout, string Stderr)>> RunAsBashAsync(string commands)
    {
        var calls = _files["calls"];
        Directory.CreateDirectory(calls);
        var prelude = Write("prelude.sh", $$"""
            n=0
            ledgerctl() {
              n=$((n + 1))
              printf '%s\n' "$@" > "{{calls}}/$n.args"
              dotnet "{{BuildOutput.Ledgerctl}}" "$@" 2> "{{calls}}/$n.err" | tee "{{calls}}/$n.out"
              local rc=${PIPESTATUS[0]}
              printf '%s' "$rc" > "{{calls}}/$n.rc"
              return $rc
            }
            """);
        var script = Write("migrate.sh", commands);
        var start = new ProcessStartInfo("bash", ["-c", $". '{prelude}'; . '{script}'"])
        {
            WorkingDirectory = _files.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("LEDGER_", StringComparison.Ordinal) || k.StartsWith("FLUX_DISTRO_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["LEDGER_NOTARY_URL"] = ledger.Notary.GrpcUrl;
        start.Environment["LEDGER_ISSUANCE_URL"] = ledger.Issuance.GrpcUrl;
        start.Environment["LEDGER_REVOCATION_URL"] = ledger.Revocation.GrpcUrl;
        start.Environment["LEDGER_ATTESTATION_URL"] = ledger.Attestation.GrpcUrl;
        start.Environment["LEDGER_CLIENT_KEY"] = ledger.Clients.KeyFile(TestClients.Admin);
        start.Environment["LEDGER_FEED_URL"] = FeedUrl;
        start.Environment["LEDGER_STATE_DIR"] = _files[".state"];
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var bash = Process.Start(start)!;
        var stdout = bash.StandardOutput.ReadToEndAsync();
        var stderr = bash.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await bash.WaitForExitAsync(timeout.Token);
        Assert.True(bash.ExitCode == 0, $"bash exited {bash.ExitCode}\n{await stdout}\n{await stderr}");

        return [.. Enumerable.Range(1, Directory.GetFiles(calls, "*.rc").Length).Select(i => (
            string.Join(' ', File.ReadAllLines(Path.Combine(calls, $"{i}.args")).Take(2)),
            int.Parse(File.ReadAllText(Path.Combine(calls, $"{i}.rc")), System.Globalization.CultureInfo.InvariantCulture),
            File.ReadAllText(Path.Combine(calls, $"{i}.out")),
            File.ReadAllText(Path.Combine(calls, $"{i}.err"))))];
    }

    private async Task ImportSigningKeyAsync(FluxIssuer flux)
    {
        var file = Write($"{flux.Kid}-sig-private.jwks", flux.PrivateSet);
        (await Tool.RunAsync("keys", "import", file, "--purpose", "license", "--signed-until", DateTimeOffset.UtcNow.AddYears(1).ToString("O"),
            "--reason", "moving from Flux")).Expect(0);
    }

    /// <summary>Every public key of Notary (license keys, and the feed keys that sign the revocation feed).</summary>
    private async Task<string> AllJwksAsync() => (await Tool.RunAsync("keys", "jwks")).Expect(0).Stdout;

    /// <summary>
    /// The license ring as the Flux Operator's public set holds keys (FLUX_COMPAT.md): only use, kty, kid,
    /// crv, alg and x; what a vendor hands the Flux Operator to trust Notary's license keys.
    /// </summary>
    private static string AsFluxPublicSet(string jwks) => new JsonObject
    {
        ["keys"] = new JsonArray([.. JsonNode.Parse(jwks)!["keys"]!.AsArray().Select(k => (JsonNode)new JsonObject
        {
            ["use"] = "sig", ["kty"] = k!["kty"]!.GetValue<string>(), ["kid"] = k["kid"]!.GetValue<string>(), ["crv"] = k["crv"]!.GetValue<string>(),
            ["alg"] = "EdDSA", ["x"] = k["x"]!.GetValue<string>(),
        })]),
    }.ToJsonString();

    private async Task<string> LicenseJwksAsync() => (await Tool.RunAsync("keys", "jwks", "--purpose", "license")).Expect(0).Stdout;

    private async Task<JsonNode> RevocationsJsonAsync()
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync($"{ledger.Revocation.HttpUrl}/feeds/revocations/revocations.json"))!;
    }

    /// <summary>Revocation knows a license once it applied Issuance's event: retried until then.</summary>
    private async Task<Ledgerctl.Result> RevokeEventuallyAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var result = await Tool.RunAsync("license", "revoke", id, "--reason", "key_compromise", "--output-format", "json");
            if (result.ExitCode == 0 || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(500);
        }
    }

    private string Write(string name, string content) => _files.Write(name, content);

    private static string Jti(string token) => JsonNode.Parse(FluxFormat.FromBase64Url(token.Trim().Split('.')[1]))!["jti"]!.GetValue<string>();
}

/// <summary>
/// The Flux Operator verifier's rules (FLUX_COMPAT.md), applied with NSec and System.Text.Json only:
/// header alg EdDSA, typ JWT and a kid in the set; a valid Ed25519 signature; a UUIDv6 jti; non-empty
/// iss, sub and aud (an array); iat and nbf at most 30 s ahead; exp not passed.
/// </summary>
internal static class FluxVerifierRules
{
    public static (JsonNode Header, JsonNode Claims) Accept(string jws, string jwks)
    {
        var parts = jws.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(FluxFormat.FromBase64Url(parts[0]))!;
        Assert.Equal("EdDSA", header["alg"]!.GetValue<string>());
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());
        var kid = header["kid"]!.GetValue<string>();
        var key = JsonNode.Parse(jwks)!["keys"]!.AsArray().Single(k => k!["kid"]!.GetValue<string>() == kid)!;
        Assert.Equal("OKP", key["kty"]!.GetValue<string>());
        Assert.Equal("Ed25519", key["crv"]!.GetValue<string>());
        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519, FluxFormat.FromBase64Url(key["x"]!.GetValue<string>()), KeyBlobFormat.RawPublicKey);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FluxFormat.FromBase64Url(parts[2])));

        var claims = JsonNode.Parse(FluxFormat.FromBase64Url(parts[1]))!;
        Assert.True(FluxFormat.IsUuidV6(claims["jti"]!.GetValue<string>()));
        Assert.NotEmpty(claims["iss"]!.GetValue<string>());
        Assert.NotEmpty(claims["sub"]!.GetValue<string>());
        Assert.NotEmpty(claims["aud"]!.AsArray());
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.True(claims["iat"]!.GetValue<long>() <= now + 30);
        Assert.True(claims["nbf"]!.GetValue<long>() <= now + 30);
        Assert.True(claims["exp"]!.GetValue<long>() > now);
        return (header, claims);
    }
}
