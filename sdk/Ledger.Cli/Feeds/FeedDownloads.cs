using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Ledger.Cli.Files;

namespace Ledger.Cli.Feeds;

/// <summary>
/// Fetches feeds over HTTP: bounded in size and time, and cached by ETag in
/// <c>&lt;state dir&gt;/http-cache/</c> so an unchanged feed costs a 304. Only bytes come back;
/// whether they are a feed worth trusting is the verifier's business.
/// </summary>
internal sealed class FeedDownloads(string stateDirectory, TimeSpan timeout, int maxBytes)
{
    public async Task<string> GetAsync(Uri url, CancellationToken cancellation)
    {
        var cache = Path.Combine(stateDirectory, "http-cache");
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)));
        var bodyPath = Path.Combine(cache, key + ".body");
        var etagPath = Path.Combine(cache, key + ".etag");

        using var http = new HttpClient { Timeout = timeout, MaxResponseContentBufferSize = maxBytes };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/jose"));
        if (File.Exists(bodyPath) && File.Exists(etagPath) && EntityTagHeaderValue.TryParse(await File.ReadAllTextAsync(etagPath, cancellation), out var cachedTag))
        {
            request.Headers.IfNoneMatch.Add(cachedTag);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        }
        catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw CliFailure.Io($"GET {url} did not answer within {timeout.TotalSeconds:0} s. Check the URL and the server, or raise --feed-timeout.", e);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return await File.ReadAllTextAsync(bodyPath, cancellation);
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw CliFailure.Io($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}. Check the feed URL (Revocation serves /feeds/revocations on its HTTP port).");
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw CliFailure.Refused($"GET {url} offers {response.Content.Headers.ContentLength} bytes; feeds larger than {maxBytes} bytes are refused.");
            }

            var body = await ReadBoundedAsync(response, url, cancellation);
            LocalFiles.CreatePrivateDirectory(cache);
            LocalFiles.Replace(bodyPath, body, LocalFiles.PrivateMode);
            if (response.Headers.ETag is { } etag)
            {
                LocalFiles.Replace(etagPath, etag.ToString(), LocalFiles.PrivateMode);
            }
            else
            {
                File.Delete(etagPath);
            }

            return body;
        }
    }

    private async Task<string> ReadBoundedAsync(HttpResponseMessage response, Uri url, CancellationToken cancellation)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation);
        var buffer = new byte[maxBytes + 1];
        var read = 0;
        int count;
        while (read < buffer.Length && (count = await stream.ReadAsync(buffer.AsMemory(read), cancellation)) > 0)
        {
            read += count;
        }

        if (read > maxBytes)
        {
            throw CliFailure.Refused($"GET {url} sent more than {maxBytes} bytes; feeds larger than that are refused.");
        }

        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
