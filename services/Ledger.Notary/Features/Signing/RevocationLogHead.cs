using System.Text.Json;
using Grpc.Core;

namespace Ledger.Notary.Features.Signing;

/// <summary>
/// The revocation log's version, read from Revocation (<c>GET /feeds/revocations/head</c> on the URL in
/// Ledger:Notary:RevocationUrl) when a feed or filter is to be signed, so that a feed version the log
/// never reached is refused: a forged <c>ver</c> far ahead would otherwise lock every verifier out of
/// the genuine feeds. Unset: the check is off (Notary logs a warning at start).
/// </summary>
public sealed class RevocationLogHead(IHttpClientFactory http, IConfiguration configuration)
{
    public const string UrlSetting = "Ledger:Notary:RevocationUrl";
    public const string ClientName = "revocation-log-head";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(configuration[UrlSetting]);

    public async Task<long?> VersionAsync(CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            return null;
        }

        var url = new Uri(new Uri(configuration[UrlSetting]!.TrimEnd('/') + "/"), "feeds/revocations/head");
        try
        {
            using var client = http.CreateClient(ClientName);
            client.Timeout = TimeSpan.FromSeconds(10);
            using var document = JsonDocument.Parse(await client.GetStringAsync(url, cancellationToken));
            return document.RootElement.GetProperty("ver").GetInt64();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"Notary could not read the revocation log's version from {url} ({e.Message}), so it cannot check the feed's version; nothing was signed. Retry shortly."));
        }
    }
}
