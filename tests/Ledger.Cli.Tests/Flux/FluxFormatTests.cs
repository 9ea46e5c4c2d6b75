using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;
using NSec.Cryptography;

namespace Ledger.Cli.Tests.Flux;

/// <summary>
/// Ledger's Flux-format outputs held to the rules of FLUX_COMPAT.md (checked here with NSec, jose-jwt
/// and System.IO.Compression, not with Ledger's readers), and Flux-format inputs made in the test
/// (<see cref="FluxIssuer"/>, not Ledger's writers) accepted by ledgerctl.
/// </summary>
public sealed class FluxFormatTests : IDisposable
{
    private const string Digest1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Digest2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Digest3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

    private readonly Workspace _workspace = new();
    private readonly FluxIssuer _flux = new("https://vendor.example");

    [Fact]
    public async Task a_license_key_signed_by_ledgerctl_meets_the_flux_verifier_rules()
    {
        var keys = await KeygenAsync();
        var tool = _workspace.Tool.With("FLUX_DISTRO_SIG_PRIVATE_JWKS", File.ReadAllText(keys.Private));
        (await tool.RunAsync("sign", "license-key", "-c", "ControlPlane Group Limited", "-d", "30", "--capabilities", "feature1,feature2", "-o", "with-caps.jwt")).Expect(0);
        (await tool.RunAsync("sign", "license-key", "-c", "Globex", "-d", "1", "-o", "no-caps.jwt")).Expect(0);

        var token = File.ReadAllText(_workspace["with-caps.jwt"]).Trim();
        var (header, claims) = ReadVerified(token, keys.Public);
        Assert.Equal(["alg", "kid", "typ"], header.AsObject().Select(m => m.Key));
        Assert.Equal("EdDSA", header["alg"]!.GetValue<string>());
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());
        Assert.Equal(PublicKid(keys.Public), header["kid"]!.GetValue<string>());
        Assert.True(FluxFormat.IsUuidV6(claims["jti"]!.GetValue<string>()));
        Assert.Equal("https://fluxcd.example", claims["iss"]!.GetValue<string>());
        Assert.Equal(FluxFormat.Subject("ControlPlane Group Limited"), claims["sub"]!.GetValue<string>());
        Assert.Matches("^c-[0-9a-f]{16}$", claims["sub"]!.GetValue<string>());
        Assert.Equal(["flux-operator"], claims["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(claims["iat"]!.GetValue<long>(), claims["nbf"]!.GetValue<long>());
        Assert.Equal(30L * 86400, claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());
        Assert.InRange(claims["iat"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeSeconds());
        Assert.Equal(["feature1", "feature2"], claims["caps"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Null(claims["rev"]);

        var (_, noCaps) = ReadVerified(File.ReadAllText(_workspace["no-caps.jwt"]).Trim(), keys.Public);
        Assert.False(noCaps.AsObject().ContainsKey("caps"));
    }

    [Fact]
    public async Task a_flux_license_key_made_independently_verifies_revokes_and_is_refused_once_revoked()
    {
        var license = _workspace.Write("flux.jwt", _flux.LicenseKey("Acme Corp", 30, "feature1"));
        var publicSet = _workspace.Write("flux-public.jwks", _flux.PublicSet);

        var valid = (await _workspace.Tool.With("FLUX_DISTRO_SIG_PUBLIC_JWKS", _flux.PublicSet)
            .RunAsync("verify", "license-key", license, "--audience", "flux-operator", "--capability", "feature1", "--issuer", _flux.Issuer, "--output-format", "json")).Expect(0);
        Assert.Equal("Valid", valid.Json["status"]!.GetValue<string>());
        Assert.Equal(FluxFormat.Subject("Acme Corp"), valid.Json["license"]!["subject"]!.GetValue<string>());

        (await _workspace.RunAsync("revoke", "license-key", license, "-k", publicSet, "-o", "revocations.json")).Expect(0);
        var revocations = JsonNode.Parse(File.ReadAllText(_workspace["revocations.json"]))!.AsObject();
        Assert.Equal(["issuer", "keys"], revocations.Select(m => m.Key));
        Assert.Equal(_flux.Issuer, revocations["issuer"]!.GetValue<string>());
        var jti = JsonNode.Parse(FluxFormat.FromBase64Url(File.ReadAllText(license).Split('.')[1]))!["jti"]!.GetValue<string>();
        Assert.InRange(revocations["keys"]![jti]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        var revoked = (await _workspace.RunAsync("verify", "license-key", license, "-k", publicSet, "-r", "revocations.json")).Expect(1);
        Assert.StartsWith("Revoked:", revoked.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_flux_revoked_set_made_independently_is_honoured()
    {
        var token = _flux.LicenseKey("Initech", 30);
        var license = _workspace.Write("flux.jwt", token);
        var jti = JsonNode.Parse(FluxFormat.FromBase64Url(token.Split('.')[1]))!["jti"]!.GetValue<string>();
        _workspace.Write("revocations.json", new JsonObject { ["issuer"] = _flux.Issuer, ["keys"] = new JsonObject { [jti] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() } }.ToJsonString());

        var result = (await _workspace.RunAsync("verify", "license-key", license, "-k", _workspace.Write("p.jwks", _flux.PublicSet), "--revoked-set", "revocations.json")).Expect(1);

        Assert.StartsWith("Revoked:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_flux_attestation_signed_by_the_same_key_is_not_taken_for_a_license()
    {
        var attestation = _workspace.Write("attestation.jwt", _flux.Attestation("artifacts", Digest1));

        var result = (await _workspace.RunAsync("verify", "license-key", attestation, "-k", _workspace.Write("p.jwks", _flux.PublicSet), "--output-format", "json")).Expect(1);

        Assert.Equal("Malformed", result.Json["status"]!.GetValue<string>());
        Assert.Contains("attestation", result.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_flux_license_key_from_a_key_of_another_purpose_is_refused()
    {
        var set = JsonNode.Parse(_flux.PublicSet)!;
        set["keys"]![0]!["purpose"] = "attestation";
        var license = _workspace.Write("flux.jwt", _flux.LicenseKey("Acme Corp", 30));

        var result = (await _workspace.RunAsync("verify", "license-key", license, "-k", _workspace.Write("p.jwks", set.ToJsonString()))).Expect(1);

        Assert.StartsWith("UnknownKey:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task flux_attestations_made_independently_verify_by_digest()
    {
        var publicSet = _workspace.Write("p.jwks", _flux.PublicSet);
        var artifacts = _workspace.Write("artifacts.jwt", _flux.Attestation("artifacts", Digest1, Digest2));
        _workspace.Write("api/v1/types.go", "package v1\n");
        _workspace.Write("api/doc.go", "package api\n");
        var manifests = _workspace.Write("manifests.jwt", _flux.Attestation("manifests", GoDirhash(_workspace["api"])));

        (await _workspace.RunAsync("verify", "artifacts", "-k", publicSet, "-a", artifacts, "-u", $"ghcr.io/fluxcd/source-controller@{Digest2}")).Expect(0);
        (await _workspace.RunAsync("verify", "manifests", "api", "-k", publicSet, "-a", manifests)).Expect(0);
        var missing = (await _workspace.RunAsync("verify", "artifacts", "-k", publicSet, "-a", artifacts, "-u", $"ghcr.io/fluxcd/source-controller@{Digest3}")).Expect(1);
        Assert.StartsWith("SubjectMismatch:", missing.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task attestations_signed_by_ledgerctl_carry_the_flux_claim_set()
    {
        var keys = await KeygenAsync();
        _workspace.Write("api/doc.go", "package api\n");
        (await _workspace.RunAsync("sign", "artifacts", "-k", keys.Private, "-a", "artifacts.jwt", "-u", $"ghcr.io/fluxcd/helm-controller:v1.3.0@{Digest1}", "-u", $"ghcr.io/fluxcd/source-controller@{Digest2}")).Expect(0);
        (await _workspace.RunAsync("sign", "manifests", "api", "-k", keys.Private, "-a", "manifests.jwt")).Expect(0);

        var (header, artifacts) = ReadVerified(File.ReadAllText(_workspace["artifacts.jwt"]).Trim(), keys.Public);
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());
        Assert.Equal("artifacts", artifacts["sub"]!.GetValue<string>());
        Assert.Equal([Digest1, Digest2], artifacts["digests"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(["flux-operator"], artifacts["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.True(FluxFormat.IsUuidV6(artifacts["jti"]!.GetValue<string>()));
        Assert.Equal(artifacts["iat"]!.GetValue<long>(), artifacts["nbf"]!.GetValue<long>());
        var issued = DateTimeOffset.FromUnixTimeSeconds(artifacts["iat"]!.GetValue<long>());
        Assert.Equal(issued.AddYears(999), DateTimeOffset.FromUnixTimeSeconds(artifacts["exp"]!.GetValue<long>()));

        var (_, manifests) = ReadVerified(File.ReadAllText(_workspace["manifests.jwt"]).Trim(), keys.Public);
        Assert.Equal("manifests", manifests["sub"]!.GetValue<string>());
        Assert.Equal([GoDirhash(_workspace["api"])], manifests["digests"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.False(manifests.AsObject().ContainsKey("ignore"));
    }

    [Fact]
    public async Task encrypt_writes_a_jwe_flux_decrypts_ecdh_es_a128kw_a128gcm_with_the_recipient_kid()
    {
        var keys = await KeygenAsync("enc");
        _workspace.Write("license.jwt", "a license key");
        (await _workspace.RunAsync("encrypt", "token", "-k", keys.Public, "-i", "license.jwt", "-o", "license.jwe")).Expect(0);

        var jwe = File.ReadAllText(_workspace["license.jwe"]).Trim();
        var header = JsonNode.Parse(FluxFormat.FromBase64Url(jwe.Split('.')[0]))!;
        Assert.Equal("ECDH-ES+A128KW", header["alg"]!.GetValue<string>());
        Assert.Equal("A128GCM", header["enc"]!.GetValue<string>());
        Assert.Equal(PublicKid(keys.Public), header["kid"]!.GetValue<string>());
        Assert.Equal("a license key", Encoding.UTF8.GetString(DecryptIndependently(jwe, keys.Private)));
    }

    [Theory]
    [InlineData("ECDH-ES+A256KW", "A256GCM", true)]
    [InlineData("ECDH-ES+A128KW", "A128GCM", false)]
    public async Task decrypt_accepts_only_ecdh_es_a128kw_a128gcm_with_a_kid(string alg, string enc, bool withKid)
    {
        var keys = await KeygenAsync("enc");
        _workspace.Write("token.jwe", EncryptIndependently("secret"u8.ToArray(), keys.Public, alg, enc, withKid));

        var result = (await _workspace.RunAsync("decrypt", "token", "-k", keys.Private, "-i", "token.jwe", "-o", "token.txt")).Expect(1);

        Assert.False(File.Exists(_workspace["token.txt"]));
        Assert.Contains(withKid ? "only ECDH-ES+A128KW with A128GCM" : "no 'kid'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_flux_token_jwe_made_independently_decrypts()
    {
        var keys = await KeygenAsync("enc");
        _workspace.Write("token.jwe", EncryptIndependently("from flux"u8.ToArray(), keys.Public, "ECDH-ES+A128KW", "A128GCM", withKid: true));

        (await _workspace.RunAsync("decrypt", "token", "-i", "token.jwe", "-o", "token.txt")).Expect(2);
        (await _workspace.Tool.With("FLUX_DISTRO_ENC_PRIVATE_JWKS", File.ReadAllText(keys.Private)).RunAsync("decrypt", "token", "-i", "token.jwe", "-o", "token.txt")).Expect(0);

        Assert.Equal("from flux", File.ReadAllText(_workspace["token.txt"]));
    }

    [Fact]
    public async Task encrypt_manifests_makes_a_flux_zip_archive_leaving_out_jws_files_and_links()
    {
        var keys = await KeygenAsync("enc");
        _workspace.Write("deploy/apps/app.yaml", "kind: Deployment\n");
        _workspace.Write("deploy/kustomization.yaml", "resources: []\n");
        _workspace.Write("deploy/apps/app.yaml.jws", "detached signature");
        File.CreateSymbolicLink(_workspace["deploy/passwd"], "/etc/passwd");

        (await _workspace.RunAsync("encrypt", "manifests", "deploy", "-k", keys.Public, "-o", "deploy.jwe")).Expect(0);

        using var zip = new ZipArchive(new MemoryStream(DecryptIndependently(File.ReadAllText(_workspace["deploy.jwe"]).Trim(), keys.Private)));
        Assert.Equal(["apps/", "apps/app.yaml", "kustomization.yaml"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        using var reader = new StreamReader(zip.GetEntry("apps/app.yaml")!.Open());
        Assert.Equal("kind: Deployment\n", reader.ReadToEnd());
    }

    [Fact]
    public async Task encrypt_manifests_takes_ignore_patterns_instead_of_the_default()
    {
        var keys = await KeygenAsync("enc");
        _workspace.Write("deploy/app.yaml", "kind: Deployment\n");
        _workspace.Write("deploy/app.yaml.jws", "kept: not in --ignore");
        _workspace.Write("deploy/secrets/token.txt", "left out");

        (await _workspace.RunAsync("encrypt", "manifests", "deploy", "-k", keys.Public, "-o", "deploy.jwe", "--ignore", "secrets/*,*.txt")).Expect(0);

        using var zip = new ZipArchive(new MemoryStream(DecryptIndependently(File.ReadAllText(_workspace["deploy.jwe"]).Trim(), keys.Private)));
        Assert.Equal(["app.yaml", "app.yaml.jws", "secrets/"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task a_flux_zip_archive_made_independently_unpacks()
    {
        var keys = await KeygenAsync("enc");
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            zip.CreateEntry("config/");
            using (var stream = zip.CreateEntry("config/flux.yaml").Open())
            {
                stream.Write("kind: FluxInstance\n"u8);
            }
        }

        _workspace.Write("flux.jwe", EncryptIndependently(buffer.ToArray(), keys.Public, "ECDH-ES+A128KW", "A128GCM", withKid: true));

        var result = (await _workspace.RunAsync("decrypt", "manifests", "flux.jwe", "-k", keys.Private, "-o", "out", "--output-format", "json")).Expect(0);

        Assert.Equal("zip", result.Json["format"]!.GetValue<string>());
        Assert.Equal("kind: FluxInstance\n", File.ReadAllText(_workspace["out/config/flux.yaml"]));
    }

    public void Dispose()
    {
        _flux.Dispose();
        _workspace.Dispose();
    }

    /// <summary>Go's dirhash Hash1, written out here: sorted "sha256hex  path\n" lines, SHA-256, base64, "h1:".</summary>
    private static string GoDirhash(string directory)
    {
        var lines = Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => (Path: Path.GetRelativePath(directory, f).Replace('\\', '/'), Hash: Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .Select(f => $"{f.Hash}  {f.Path}\n");
        return "h1:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(lines))));
    }

    private static string PublicKid(string publicSetFile) => JsonNode.Parse(File.ReadAllText(publicSetFile))!["keys"]![0]!["kid"]!.GetValue<string>();

    /// <summary>Checks the signature with NSec against the public set's x, then returns header and claims.</summary>
    private static (JsonNode Header, JsonNode Claims) ReadVerified(string jws, string publicSetFile)
    {
        var key = JsonNode.Parse(File.ReadAllText(publicSetFile))!["keys"]![0]!;
        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519, FluxFormat.FromBase64Url(key["x"]!.GetValue<string>()), KeyBlobFormat.RawPublicKey);
        var parts = jws.Split('.');
        Assert.True(SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FluxFormat.FromBase64Url(parts[2])));
        return (JsonNode.Parse(FluxFormat.FromBase64Url(parts[0]))!, JsonNode.Parse(FluxFormat.FromBase64Url(parts[1]))!);
    }

    private static ECDiffieHellman P256(string setFile, bool withPrivate)
    {
        var key = JsonNode.Parse(File.ReadAllText(setFile))!["keys"]![0]!;
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = FluxFormat.FromBase64Url(key["x"]!.GetValue<string>()), Y = FluxFormat.FromBase64Url(key["y"]!.GetValue<string>()) },
            D = withPrivate ? FluxFormat.FromBase64Url(key["d"]!.GetValue<string>()) : null,
        };
        return ECDiffieHellman.Create(parameters);
    }

    private static byte[] DecryptIndependently(string jwe, string privateSetFile)
    {
        using var key = P256(privateSetFile, withPrivate: true);
        return Jose.JWT.DecodeBytes(jwe, key, Jose.JweAlgorithm.ECDH_ES_A128KW, Jose.JweEncryption.A128GCM);
    }

    private string EncryptIndependently(byte[] plaintext, string publicSetFile, string alg, string enc, bool withKid)
    {
        using var key = P256(publicSetFile, withPrivate: false);
        var headers = withKid ? new Dictionary<string, object> { ["kid"] = PublicKid(publicSetFile) } : null;
        return Jose.JWT.EncodeBytes(plaintext, key, alg == "ECDH-ES+A128KW" ? Jose.JweAlgorithm.ECDH_ES_A128KW : Jose.JweAlgorithm.ECDH_ES_A256KW,
            enc == "A128GCM" ? Jose.JweEncryption.A128GCM : Jose.JweEncryption.A256GCM, extraHeaders: headers);
    }

    private async Task<(string Private, string Public)> KeygenAsync(string kind = "sig")
    {
        var name = kind == "sig" ? "https://fluxcd.example" : "fluxcd.example";
        (await _workspace.RunAsync("keygen", kind, name, "-o", "keys")).Expect(0);
        return (_workspace[$"keys/{FluxFormat.Prefix(name)}-{kind}-private.jwks"], _workspace[$"keys/{FluxFormat.Prefix(name)}-{kind}-public.jwks"]);
    }
}
