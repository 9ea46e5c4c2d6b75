using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Cli.Attestations;

/// <summary>
/// Registry credentials from the Docker config (<c>$DOCKER_CONFIG/config.json</c>, else
/// <c>~/.docker/config.json</c>), as <c>docker login</c> leaves them and Flux reads them: <c>auths</c>
/// entries (<c>auth</c> = base64 user:password, or <c>username</c>/<c>password</c>, or an
/// <c>identitytoken</c>), and credential helpers (<c>credHelpers</c> per registry, <c>credsStore</c>
/// for all) run as <c>docker-credential-&lt;name&gt; get</c>.
/// </summary>
internal sealed record RegistryCredentials(string? Username, string? Password, string? IdentityToken)
{
    private const long MaxConfigBytes = 1024 * 1024;

    // The member names of a credential helper's answer (docker-credential-helpers protocol).
    private const string HelperUsername = "Username";

    public static string ConfigPath =>
        Path.Combine(Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } directory
            ? directory
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"), "config.json");

    /// <summary>The credentials for <paramref name="registry"/> (host[:port]), or null when the config has none.</summary>
    public static RegistryCredentials? For(string registry)
    {
        var path = ConfigPath;
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            if (new FileInfo(path).Length > MaxConfigBytes)
            {
                throw CliFailure.Usage($"The Docker config {path} is larger than {MaxConfigBytes} bytes; it is not read.");
            }

            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var names = registry == ArtifactReference.DockerHub
                ? new[] { "https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io" }
                : new[] { registry, $"https://{registry}", $"http://{registry}" };
            if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in names)
                {
                    if (helpers.TryGetProperty(name, out var helper) && helper.GetString() is { Length: > 0 } helperName)
                    {
                        return FromHelper(helperName, names[0]);
                    }
                }
            }

            if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in auths.EnumerateObject())
                {
                    var host = entry.Name.Replace("https://", string.Empty, StringComparison.Ordinal).Replace("http://", string.Empty, StringComparison.Ordinal).TrimEnd('/');
                    if (!names.Contains(entry.Name) && !names.Contains(host) && !(registry == ArtifactReference.DockerHub && host.StartsWith("index.docker.io", StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    if (FromAuthEntry(entry.Value) is { } credentials)
                    {
                        return credentials;
                    }
                }
            }

            if (root.TryGetProperty("credsStore", out var store) && store.GetString() is { Length: > 0 } storeName)
            {
                return FromHelper(storeName, names[0]);
            }

            return null;
        }
        catch (JsonException e)
        {
            throw CliFailure.Usage($"The Docker config {path} is not valid JSON ({e.Message}); fix it or point DOCKER_CONFIG at another directory.");
        }
    }

    private static RegistryCredentials? FromAuthEntry(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? Text(string name) => entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
        if (Text("identitytoken") is { } token)
        {
            return new RegistryCredentials(Text("username"), null, token);
        }

        if (Text("auth") is { } auth)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            }
            catch (FormatException)
            {
                throw CliFailure.Usage($"An 'auth' entry in the Docker config {ConfigPath} is not base64 of user:password; run 'docker login' again.");
            }

            var colon = decoded.IndexOf(':');
            return colon > 0 ? new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..], null) : null;
        }

        return Text("username") is { } user && Text("password") is { } password ? new RegistryCredentials(user, password, null) : null;
    }

    private static RegistryCredentials? FromHelper(string helper, string serverUrl)
    {
        var start = new ProcessStartInfo($"docker-credential-{helper}", "get")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Write(serverUrl);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
            {
                // Helpers exit non-zero for "no credentials for this server": go anonymous, as docker does.
                return null;
            }

            using var document = JsonDocument.Parse(output);
            var username = document.RootElement.TryGetProperty(HelperUsername, out var u) ? u.GetString() : null;
            var secret = document.RootElement.TryGetProperty("Secret", out var s) ? s.GetString() : null;
            return secret is null ? null : username == "<token>" ? new RegistryCredentials(null, null, secret) : new RegistryCredentials(username, secret, null);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw CliFailure.Usage($"The Docker config {ConfigPath} names the credential helper '{helper}', but docker-credential-{helper} is not on the PATH. Install it, or remove it from the config.");
        }
        catch (JsonException)
        {
            throw CliFailure.Io($"docker-credential-{helper} answered something other than JSON credentials.");
        }
    }

    /// <summary>Never the secret: a record would print every member.</summary>
    public override string ToString() => $"credentials for {Username ?? "(token)"}";
}
