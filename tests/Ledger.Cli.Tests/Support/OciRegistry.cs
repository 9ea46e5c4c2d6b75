using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Ledger.Testing.Processes;
using Ledger.Testing;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// A real OCI registry (Debian's docker-registry, the CNCF distribution registry) on a free
/// 127.0.0.1 port with its own config and storage directory, started by the test and stopped after it.
/// When the package is missing, infra/registry.sh installs it. Images are pushed with plain HTTP calls
/// of the distribution API (blob uploads, then the manifest).
/// </summary>
public sealed class OciRegistry : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ledger-registry-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private (string User, string Password, string BcryptHash)? _login;
    private Process? _process;

    /// <summary>A registry that requires a login (the registry's own htpasswd basic auth); start it with InitializeAsync.</summary>
    public static OciRegistry WithLogin(string user, string password, string bcryptHash)
    {
        var registry = new OciRegistry { _login = (user, password, bcryptHash) };
        registry._http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return registry;
    }

    public int Port { get; private set; }

    /// <summary>host:port, as a registry host in a reference.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{Host}/");

    public async Task InitializeAsync()
    {
        await EnsureInstalledAsync();
        Port = FreePorts.Next();
        var config = Path.Combine(_directory, "config.yml");
        var auth = string.Empty;
        if (_login is { } login)
        {
            var htpasswd = Path.Combine(_directory, "htpasswd");
            await File.WriteAllTextAsync(htpasswd, $"{login.User}:{login.BcryptHash}\n");
            auth = $"""

                auth:
                  htpasswd:
                    realm: ledger-tests
                    path: {htpasswd}
                """;
        }

        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(_directory, "storage")}
            http:
              addr: 127.0.0.1:{Port}
            """ + auth);
        var start = new ProcessStartInfo("docker-registry", ["serve", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(BaseUri, "/v2/"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
            }

            if (DateTime.UtcNow >= deadline || _process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry did not answer on {BaseUri} within 30 s (exited: {_process.HasExited}).");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Pushes a small image (one config blob, one layer) as <c>name:tag</c>; returns its manifest digest, computed here from the bytes pushed.</summary>
    public async Task<string> PushAsync(string name, string tag, string build = "")
    {
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Labels":{"image":""" + $"\"{name}:{tag}\"" + "}}}");
        var layer = Encoding.UTF8.GetBytes($"layer of {name}:{tag} {build}");
        var configDigest = await PushBlobAsync(name, config);
        var layerDigest = await PushBlobAsync(name, layer);
        var manifest = Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{configDigest}}","size":{{config.Length}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{layerDigest}}","size":{{layer.Length}}}]}
            """.Trim());
        using var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
        using var response = await _http.PutAsync(new Uri(BaseUri, $"/v2/{name}/manifests/{tag}"), content);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Pushing the manifest of {name}:{tag} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return Digest(manifest);
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    private async Task<string> PushBlobAsync(string name, byte[] blob)
    {
        var digest = Digest(blob);
        using var start = await _http.PostAsync(new Uri(BaseUri, $"/v2/{name}/blobs/uploads/"), null);
        if (start.StatusCode != HttpStatusCode.Accepted || start.Headers.Location is not { } location)
        {
            throw new InvalidOperationException($"Starting a blob upload to {name} answered {(int)start.StatusCode}.");
        }

        var upload = location.IsAbsoluteUri ? location : new Uri(BaseUri, location);
        var separator = upload.Query.Length > 0 ? "&" : "?";
        using var content = new ByteArrayContent(blob);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var finish = await _http.PutAsync(new Uri(upload.AbsoluteUri + $"{separator}digest={Uri.EscapeDataString(digest)}"), content);
        if (finish.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Finishing a blob upload to {name} answered {(int)finish.StatusCode}.");
        }

        return digest;
    }

    private static async Task EnsureInstalledAsync()
    {
        if (File.Exists("/usr/bin/docker-registry"))
        {
            return;
        }

        var script = Path.Combine(BuildOutput.Root, "infra", "registry.sh");
        using var install = Process.Start(new ProcessStartInfo(script) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = install.StandardError.ReadToEndAsync();
        await install.StandardOutput.ReadToEndAsync();
        await install.WaitForExitAsync();
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker-registry is not installed and infra/registry.sh failed: {await stderr}");
        }
    }
}
