using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Cli.Attestations;

/// <summary>
/// Resolves a tag to the digest of its manifest or index by asking the OCI registry, as Flux does:
/// <c>HEAD /v2/&lt;name&gt;/manifests/&lt;tag&gt;</c> and its <c>Docker-Content-Digest</c> (a GET whose
/// body is hashed when a registry leaves the header out), with a bearer token from the registry's token
/// service or basic credentials, both from the Docker config. Registries on the local machine are
/// spoken to over plain http, any other over https. <c>$LEDGER_REGISTRY_MIRRORS</c>
/// (<c>ghcr.io=http://127.0.0.1:5000,docker.io=https://mirror.example</c>) sends a registry's requests to
/// a mirror that serves the same names, for sites that reach registries only through one.
/// </summary>
internal sealed class RegistryDigests(TimeSpan timeout)
{
    public const string MirrorsVariable = "LEDGER_REGISTRY_MIRRORS";

    private const int MaxManifestBytes = 4 * 1024 * 1024;

    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    /// <summary>
    /// Parses a <c>--url</c> value (an <c>oci://</c> prefix is dropped) and pins it: a digest given is
    /// used as is, a tag (default <c>latest</c>) is resolved by the registry.
    /// </summary>
    public async Task<ArtifactReference> PinAsync(string url, CancellationToken cancellation)
    {
        var text = url.StartsWith(ArtifactReference.OciScheme, StringComparison.Ordinal) ? url[ArtifactReference.OciScheme.Length..] : url;
        if (!ArtifactReference.TryParseName(text, out var repository, out var tag, out var digest, out var problem))
        {
            throw CliFailure.Usage($"--url {ArtifactReference.Printable(url)}: {problem}.");
        }

        if (digest is not null)
        {
            return new ArtifactReference(repository, tag, digest);
        }

        tag ??= "latest";
        return new ArtifactReference(repository, tag, await ResolveAsync(repository, tag, cancellation));
    }

    public async Task<string> ResolveAsync(string repository, string tag, CancellationToken cancellation)
    {
        var (registry, path) = ArtifactReference.RegistryOf(repository);
        var baseUri = BaseUri(registry);
        var manifest = new Uri(baseUri, $"/v2/{path}/manifests/{tag}");
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true }) { Timeout = timeout };
        var what = $"{repository}:{tag}";
        try
        {
            var response = await SendAsync(http, HttpMethod.Head, manifest, null, cancellation);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                var authorization = await AuthorizeAsync(http, registry, path, response, cancellation);
                response.Dispose();
                response = await SendAsync(http, HttpMethod.Head, manifest, authorization, cancellation);
                if (response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("Docker-Content-Digest"))
                {
                    response.Dispose();
                    response = await SendAsync(http, HttpMethod.Get, manifest, authorization, cancellation);
                }
            }
            else if (response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("Docker-Content-Digest"))
            {
                response.Dispose();
                response = await SendAsync(http, HttpMethod.Get, manifest, null, cancellation);
            }

            using (response)
            {
                return await DigestOfAsync(response, registry, what, cancellation);
            }
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(registry, baseUri, e.InnerException as SocketException is { } socket ? socket.Message : e.Message, e);
        }
        catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw CliFailure.Io($"The registry {registry} ({baseUri}) did not answer within {timeout.TotalSeconds:0} s while resolving {what}. Check the network, or raise --timeout.", e);
        }
    }

    private static Uri BaseUri(string registry)
    {
        if (Mirrors().TryGetValue(registry, out var mirror))
        {
            return mirror;
        }

        var host = registry == ArtifactReference.DockerHub ? "registry-1.docker.io" : registry;
        var hostOnly = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
        var local = hostOnly is "localhost" or "127.0.0.1" or "[::1]" || hostOnly.EndsWith(".localhost", StringComparison.Ordinal);
        return new Uri($"{(local ? "http" : "https")}://{host}/");
    }

    private static Dictionary<string, Uri> Mirrors()
    {
        var mirrors = new Dictionary<string, Uri>(StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable(MirrorsVariable) is not { Length: > 0 } value)
        {
            return mirrors;
        }

        foreach (var pair in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0 || !Uri.TryCreate(pair[(equals + 1)..], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw CliFailure.Usage($"${MirrorsVariable} entry '{pair}' is not REGISTRY=URL (e.g. ghcr.io=https://mirror.example).");
            }

            mirrors[pair[..equals]] = uri;
        }

        return mirrors;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, Uri uri, AuthenticationHeaderValue? authorization, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(method, uri);
        foreach (var type in ManifestTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        request.Headers.Authorization = authorization;
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
    }

    private static async Task<string> DigestOfAsync(HttpResponseMessage response, string registry, string what, CancellationToken cancellation)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                break;
            case HttpStatusCode.NotFound:
                throw CliFailure.Usage($"The registry {registry} has no manifest for {what}: the tag or repository does not exist. Check the reference, or give its digest (@sha256:...).");
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw CliFailure.Usage($"The registry {registry} refused access to {what} (HTTP {(int)response.StatusCode}). Log in ('docker login {registry}') so the Docker config ({RegistryCredentials.ConfigPath}) holds credentials that may read it.");
            default:
                throw CliFailure.Io($"The registry {registry} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase} for {what}. Try again later.");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } header)
        {
            if (!ArtifactReference.IsDigest(header.Trim(), out var problem))
            {
                throw CliFailure.Io($"The registry {registry} gave {what} the digest '{ArtifactReference.Printable(header)}', which is not usable: {problem}.");
            }

            return header.Trim();
        }

        if (response.RequestMessage?.Method != HttpMethod.Get)
        {
            throw CliFailure.Io($"The registry {registry} did not give the digest of {what}.");
        }

        if (response.Content.Headers.ContentLength > MaxManifestBytes)
        {
            throw CliFailure.Io($"The registry {registry} offers a manifest of {response.Content.Headers.ContentLength} bytes for {what}; at most {MaxManifestBytes} are read.");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellation);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellation)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxManifestBytes)
            {
                throw CliFailure.Io($"The registry {registry} sent more than {MaxManifestBytes} bytes of manifest for {what}.");
            }
        }

        return ArtifactReference.DigestPrefix + Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>Answers the registry's challenge: a bearer token from its token service (RFC 6750 / Docker token auth), or basic credentials.</summary>
    private static async Task<AuthenticationHeaderValue> AuthorizeAsync(HttpClient http, string registry, string path, HttpResponseMessage challenge, CancellationToken cancellation)
    {
        var credentials = RegistryCredentials.For(registry);
        var header = challenge.Headers.WwwAuthenticate.FirstOrDefault();
        if (header is null || header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (credentials is not { Username: { } user, Password: { } password })
            {
                throw CliFailure.Usage($"The registry {registry} requires a login to read {path}. Run 'docker login {registry}' so the Docker config ({RegistryCredentials.ConfigPath}) holds credentials.");
            }

            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        var parameters = ChallengeParameters(header.Parameter ?? string.Empty);
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
        {
            throw CliFailure.Io($"The registry {registry} asked for a bearer token but named no token service (realm).");
        }

        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        query.Add("scope=" + Uri.EscapeDataString(parameters.TryGetValue("scope", out var scope) ? scope : $"repository:{path}:pull"));
        var tokenUri = new UriBuilder(realmUri) { Query = string.Join('&', query) }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        if (credentials is { Username: { } name, Password: { } secret })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{secret}")));
        }
        else if (credentials is { IdentityToken: { } identity })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", identity);
        }

        using var response = await http.SendAsync(request, cancellation);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw CliFailure.Usage($"The token service of {registry} ({realmUri.GetLeftPart(UriPartial.Path)}) refused a token for {path} (HTTP {(int)response.StatusCode}). Check the login in {RegistryCredentials.ConfigPath}.");
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
        var token = document.RootElement.TryGetProperty("token", out var t) && t.GetString() is { Length: > 0 } value ? value
            : document.RootElement.TryGetProperty("access_token", out var a) && a.GetString() is { Length: > 0 } access ? access
            : throw CliFailure.Io($"The token service of {registry} answered without a token.");
        return new AuthenticationHeaderValue("Bearer", token);
    }

    private static Dictionary<string, string> ChallengeParameters(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            var equals = parameter.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var name = parameter[i..equals].Trim().TrimStart(',').Trim();
            string value;
            if (equals + 1 < parameter.Length && parameter[equals + 1] == '"')
            {
                var close = parameter.IndexOf('"', equals + 2);
                close = close < 0 ? parameter.Length : close;
                value = parameter[(equals + 2)..close];
                i = close + 1;
            }
            else
            {
                var comma = parameter.IndexOf(',', equals);
                comma = comma < 0 ? parameter.Length : comma;
                value = parameter[(equals + 1)..comma].Trim();
                i = comma;
            }

            result[name] = value;
            i = parameter.IndexOf(',', Math.Min(i, parameter.Length)) is var next and >= 0 ? next + 1 : parameter.Length;
        }

        return result;
    }

    private static CliFailure Unreachable(string registry, Uri baseUri, string reason, Exception inner) =>
        CliFailure.Io($"The registry {registry} cannot be reached at {baseUri} ({reason}), so the tag cannot be resolved to a digest. Check the network (or ${MirrorsVariable}), or give the reference with its digest (@sha256:...).", inner);
}
