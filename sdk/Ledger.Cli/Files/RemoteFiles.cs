using System.Net;

namespace Ledger.Cli.Files;

/// <summary>
/// Files a command may take from a URL instead of a path (key sets, attestations), as the Flux distro
/// commands do: https anywhere, plain http only from the local machine, where nobody in between can
/// swap the content; bounded in size and time.
/// </summary>
internal static class RemoteFiles
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static bool IsUrl(string value) =>
        value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>A path or a URL, read as text of at most <paramref name="maxBytes"/>.</summary>
    public static string ReadTextOrFile(string pathOrUrl, long maxBytes, string what) =>
        IsUrl(pathOrUrl) ? ReadText(pathOrUrl, maxBytes, what) : LocalFiles.ReadText(pathOrUrl, maxBytes, what + " file");

    public static string ReadText(string url, long maxBytes, string what)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw CliFailure.Usage($"The {what} URL '{url}' is not a valid URL.");
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw CliFailure.Usage($"The {what} URL {url} uses plain http to another machine; http is used only for localhost. Use https.");
        }

        try
        {
            using var client = new HttpClient { Timeout = Timeout };
            using var response = client.Send(new HttpRequestMessage(HttpMethod.Get, uri), HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw CliFailure.Io($"Downloading the {what} from {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}. Check the URL.");
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw CliFailure.Refused($"The {what} at {url} is {response.Content.Headers.ContentLength} bytes; at most {maxBytes} are accepted.");
            }

            using var stream = response.Content.ReadAsStream();
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes)
                {
                    throw CliFailure.Refused($"The {what} at {url} is larger than {maxBytes} bytes; it is refused.");
                }
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw CliFailure.Io($"Could not download the {what} from {url}: {e.Message} Check the URL and that the server is reachable.", e);
        }
    }
}
