using System.Net;
using System.Net.Http.Headers;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Verification;

namespace Ledger.Revocation.Tests.Replicas;

/// <summary>
/// Two Revocation replicas behind one name serve the same signed bytes for the same log version and
/// refresh window, so their ETags agree and a revalidation that lands on the other replica is a 304.
/// </summary>
public sealed class ReplicaFeedTests(RevocationReplicas ledger) : IClassFixture<RevocationReplicas>
{
    public static TheoryData<string> Documents => ["/feeds/revocations", "/feeds/revocations?since=1", "/feeds/revocations/filter"];

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task replicas_sign_the_same_bytes_and_revalidate_each_others_etag(string path)
    {
        await EnsureRevocationsAsync();
        using var a = ledger.ReplicaA.CreateClient();
        using var b = ledger.ReplicaB.CreateClient();

        // Signed on A first; B signs its own copy more than a second later (a clock-based iat would differ).
        var (fromA, fromB) = await Eventually.Get(async () =>
        {
            var first = await FetchAsync(a, path);
            await Task.Delay(TimeSpan.FromSeconds(1.1));
            var other = await FetchAsync(b, path);
            // A refresh window or a filter step may end between the two: then compare again.
            return await FetchAsync(a, path) == first ? new Pair(first, other) : null;
        }, TimeSpan.FromSeconds(30), $"{path} to stay put on replica A while replica B signs it");

        Assert.Equal(fromA.Body, fromB.Body);
        Assert.Equal(fromA.ETag, fromB.ETag);
        var revalidation = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        revalidation.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(fromA.ETag));
        using var onB = await b.SendAsync(revalidation);
        Assert.Equal(HttpStatusCode.NotModified, onB.StatusCode);
        var payload = Jws.Verify(fromB.Body, await ledger.FetchJwksAsync());
        Assert.True(payload.IsValid);
    }

    private async Task EnsureRevocationsAsync()
    {
        using var a = ledger.ReplicaA.CreateClient();
        if ((await FetchAsync(a, "/feeds/revocations")).Body is { } body
            && RevocationFeedPayload.Parse(Jws.Verify(body, await ledger.FetchJwksAsync()).Payload).Version >= 2)
        {
            return;
        }

        foreach (var customer in new[] { "cust-replica-1", "cust-replica-2" })
        {
            var license = await ledger.IssueKnownLicenseAsync(customer);
            await ledger.RevokeAsync(license.LicenseId);
        }
    }

    private static async Task<(string Body, string ETag)> FetchAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync(), response.Headers.ETag!.Tag);
    }

    private sealed record Pair((string Body, string ETag) FromA, (string Body, string ETag) FromB);
}
