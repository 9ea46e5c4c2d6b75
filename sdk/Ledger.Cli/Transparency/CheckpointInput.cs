using System.Text.Json;
using Ledger.Cli.Files;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Transparency;

/// <summary>
/// A checkpoint named on the command line: a file holding the signed note, or Notary's URL
/// (<c>http://host:port/signature-log/checkpoint</c>). From a URL, the consistency proofs a check needs
/// are fetched from the same log (<c>.../signature-log/proof/consistency</c>); a file carries none.
/// </summary>
internal static class CheckpointInput
{
    private const int MaxProofBytes = 64 * 1024;

    public static async Task<(string Note, IReadOnlyList<ConsistencyProof> Proofs)> ReadAsync(
        string location, SignatureReceipt receipt, LogCheckpoint? stored, JsonWebKeySet trusted, string origin, TimeSpan timeout, CancellationToken cancellation)
    {
        if (!Feeds.FeedInput.IsUrl(location, out var url))
        {
            return (LocalFiles.ReadText(location, LogCheckpoint.MaxNoteBytes, "checkpoint file"), []);
        }

        using var http = new HttpClient { Timeout = timeout, MaxResponseContentBufferSize = MaxProofBytes };
        var note = await GetAsync(http, url, cancellation);
        var given = LogCheckpoint.Verify(note, trusted, origin);
        if (!given.IsValid)
        {
            return (note, []);
        }

        // Sizes to connect: the receipt's tree, the stored one, and the one just fetched.
        var sizes = new[] { receipt.TreeSize, stored?.Size ?? -1, given.Checkpoint!.Size }.Where(s => s > 0).Distinct().Order().ToList();
        var proofs = new List<ConsistencyProof>();
        var basePath = url.AbsoluteUri.EndsWith("/checkpoint", StringComparison.Ordinal) ? url.AbsoluteUri[..^"checkpoint".Length] : url.AbsoluteUri.TrimEnd('/') + "/";
        for (var i = 0; i < sizes.Count; i++)
        {
            for (var j = i + 1; j < sizes.Count; j++)
            {
                if (sizes[j] > given.Checkpoint.Size)
                {
                    continue;
                }

                using var answer = JsonDocument.Parse(await GetAsync(http, new Uri($"{basePath}proof/consistency?from={sizes[i]}&to={sizes[j]}"), cancellation));
                var hashes = answer.RootElement.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();
                proofs.Add(new ConsistencyProof(sizes[i], sizes[j], hashes));
            }
        }

        return (note, proofs);
    }

    private static async Task<string> GetAsync(HttpClient http, Uri url, CancellationToken cancellation)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellation);
            if (!response.IsSuccessStatusCode)
            {
                throw CliFailure.Io($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}. Check the URL (Notary serves /signature-log/checkpoint on its HTTP port).");
            }

            return await response.Content.ReadAsStringAsync(cancellation);
        }
        catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw CliFailure.Io($"GET {url} did not answer within {http.Timeout.TotalSeconds:0} s.", e);
        }
        catch (HttpRequestException e)
        {
            throw CliFailure.Io($"GET {url} failed: {e.Message}", e);
        }
    }
}
