using System.Text.Json;
using Grpc.Core;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Notary.Features.Signing;

/// <summary>
/// The revocation log's version, read from Revocation (<c>GET /feeds/revocations/head</c> on the URL in
/// Ledger:Notary:RevocationUrl) when a feed or filter is to be signed, so that a feed version the log
/// never reached is refused: a forged <c>ver</c> far ahead would otherwise lock every verifier out of
/// the genuine feeds. Unset: the check is off (Notary logs a warning at start).
/// </summary>
public sealed partial class RevocationLogHead(IHttpClientFactory http, Microsoft.Extensions.Options.IOptions<RevocationLogHead.Settings> settings)
{
    public const string UrlSetting = "Ledger:Notary:RevocationUrl";
    public const string ClientName = "revocation-log-head";

    public bool IsConfigured => settings.Value.Address is not null;

    public async Task<long?> VersionAsync(CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            return null;
        }

        var url = new Uri(settings.Value.Address!, "feeds/revocations/head");
        try
        {
            using var client = http.CreateClient(ClientName);
            client.Timeout = TimeSpan.FromSeconds(10);
            using var document = JsonDocument.Parse(await client.GetStringAsync(url, cancellationToken));
            return document.RootElement.GetProperty("ver").GetInt64();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw ErrorReasons.Failure(StatusCode.Unavailable, ErrorReasons.RevocationUnavailable,
                $"Notary could not read the revocation log's version from {url} ({e.Message}), so it cannot check the feed's version; nothing was signed. Retry shortly.",
                ErrorReasons.RetryDelay);
        }
    }
}
