using System.CommandLine;
using Ledger.Cli.Files;
using Ledger.Verification;

namespace Ledger.Cli.Feeds;

/// <summary>A signed feed named on the command line: a file, or an http(s) URL fetched through <see cref="FeedDownloads"/>.</summary>
internal static class FeedInput
{
    public static Option<int> TimeoutOption() =>
        new("--feed-timeout") { Description = "Seconds to wait for a feed URL to answer.", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };

    public static bool IsUrl(string value, out Uri url) =>
        Uri.TryCreate(value, UriKind.Absolute, out url!) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    /// <summary>
    /// Reads the feed. For a URL with no <c>since</c> and a stored state to continue, asks for the
    /// delta after the stored version (the server answers with a full feed when it cannot).
    /// </summary>
    public static async Task<string> ReadAsync(string feed, FeedState? previous, string stateDirectory, int timeoutSeconds, CancellationToken cancellation)
    {
        var maxBytes = FeedOptions.Default.MaxFeedBytes;
        if (!IsUrl(feed, out var url))
        {
            return LocalFiles.ReadText(feed, maxBytes, "feed file").Trim();
        }

        if (timeoutSeconds is < 1 or > 3600)
        {
            throw CliFailure.Usage($"--feed-timeout {timeoutSeconds} is out of range: give 1 to 3600 seconds.");
        }

        if (previous is { FromFilter: false } && !url.Query.Contains("since=", StringComparison.Ordinal))
        {
            var separator = url.Query.Length > 0 ? "&" : "?";
            url = new Uri(url.AbsoluteUri + $"{separator}since={previous.Version}");
        }

        var downloads = new FeedDownloads(stateDirectory, TimeSpan.FromSeconds(timeoutSeconds), maxBytes);
        return (await downloads.GetAsync(url, cancellation)).Trim();
    }
}
