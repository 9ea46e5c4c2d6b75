using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Testing.Processes;
using Ledger.Verification;
using static Ledger.Contracts.Issuance.V1.Licenses;
using static Ledger.Contracts.Revocation.V1.Revocations;

namespace Ledger.Reliability.Tests.Support;

/// <summary>
/// The four services as processes, the calls a load test makes against them, and a RabbitMQ
/// subscriber on a durable queue of its own (as a production subscriber would have) that records
/// every LicenseIssued and LicenseRevoked it receives, across broker restarts.
/// </summary>
public sealed class LedgerUnderLoad : LedgerProcesses
{
    public const string Customer = "reliability-corp";

    private readonly HashSet<Guid> _issuedSeen = [];
    private readonly HashSet<Guid> _revokedSeen = [];
    private AmqpSubscriber _subscriber = null!;

    public LicensesClient Licenses { get; private set; } = null!;

    public RevocationsClient Revocations { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Licenses = new LicensesClient(Channel(Issuance));
        Revocations = new RevocationsClient(Channel(Revocation));
        _subscriber = await AmqpSubscriber.StartDurableAsync(VirtualHost.Amqp, "reliability-subscriber", "LicenseIssued", "LicenseRevoked");
    }

    public override async Task DisposeAsync()
    {
        await _subscriber.DisposeAsync();
        await base.DisposeAsync();
    }

    public static LicenseTerms Terms() => new()
    {
        CustomerId = Customer, CustomerName = "Reliability Corp", Product = "ledger-reliability",
        Audience = "reliability-verifier", DurationDays = 30, Capabilities = { "sso" },
    };

    /// <summary>Issues one license; a retry with the same key returns the same license.</summary>
    public async Task<Guid> IssueAsync(string idempotencyKey, CancellationToken cancellationToken = default) =>
        Guid.Parse((await Licenses.IssueLicenseAsync(
            new IssueLicenseRequest { IdempotencyKey = idempotencyKey, Terms = Terms() }, cancellationToken: cancellationToken)).License.LicenseId);

    /// <summary>Revokes one license; revoking it again returns the first revocation.</summary>
    public async Task<Guid> RevokeAsync(Guid licenseId, CancellationToken cancellationToken = default)
    {
        await Revocations.RevokeAsync(
            new RevokeRequest { LicenseId = licenseId.ToString(), Reason = RevocationReason.Superseded }, cancellationToken: cancellationToken);
        return licenseId;
    }

    /// <summary>Issues <paramref name="count"/> licenses in batches and waits until Revocation has learned every one (so they can be revoked).</summary>
    public async Task<IReadOnlyList<Guid>> IssueKnownLicensesAsync(int count, string prefix)
    {
        var ids = new List<Guid>();
        for (var batch = 0; ids.Count < count; batch++)
        {
            var request = new IssueLicensesRequest { IdempotencyKey = $"{prefix}-batch-{batch}" };
            request.Licenses.AddRange(Enumerable.Range(0, Math.Min(100, count - ids.Count)).Select(_ => Terms()));
            ids.AddRange((await Licenses.IssueLicensesAsync(request)).Licenses.Select(l => Guid.Parse(l.LicenseId)));
        }

        foreach (var id in ids)
        {
            await Eventually.True(async () => await IsKnownToRevocationAsync(id), TimeSpan.FromSeconds(60), $"Revocation to learn license {id}");
        }

        return ids;
    }

    /// <summary>Every license of the test customer in Issuance's ledger, page by page.</summary>
    public async Task<IReadOnlyDictionary<Guid, License>> LedgerLicensesAsync()
    {
        var all = new Dictionary<Guid, License>();
        var token = "";
        do
        {
            var page = await Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = Customer, PageSize = 200, PageToken = token });
            foreach (var license in page.Licenses)
            {
                all.Add(Guid.Parse(license.LicenseId), license);
            }

            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    /// <summary>The latest full feed, verified as an offline verifier does (signature by Notary's published feed key, chain, freshness).</summary>
    public async Task<FeedState> VerifiedFeedAsync()
    {
        using var http = new HttpClient();
        var jwks = JsonWebKeySet.Parse(await http.GetStringAsync(new Uri($"{Notary.HttpUrl}/.well-known/jwks.json")));
        var feed = await Revocations.GetFeedAsync(new GetFeedRequest());
        var accepted = RevocationFeeds.Accept(feed.Feed, jwks, "ledger", null, DateTimeOffset.UtcNow);
        Assert.True(accepted.IsAccepted, $"The feed was not accepted: {accepted.Status} {accepted.Detail}");
        return accepted.State!;
    }

    /// <summary>Waits until every id has been published as <paramref name="eventName"/>; fails naming how many never arrived.</summary>
    public async Task<int> WaitUntilPublishedAsync(string eventName, IReadOnlyCollection<Guid> ids, TimeSpan timeout)
    {
        var seen = eventName == "LicenseIssued" ? _issuedSeen : _revokedSeen;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var received in _subscriber.Drain())
            {
                var id = received.Message.GetProperty("licenseId").GetGuid();
                (received.Type == "LicenseIssued" ? _issuedSeen : _revokedSeen).Add(id);
            }

            var missing = ids.Count(id => !seen.Contains(id));
            if (missing == 0)
            {
                return ids.Count;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{missing} of {ids.Count} {eventName} events never reached the subscriber within {timeout.TotalSeconds} s.");
            }

            await Task.Delay(200);
        }
    }

    private async Task<bool> IsKnownToRevocationAsync(Guid id)
    {
        try
        {
            await Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = id.ToString() });
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
    }
}
