using Google.Rpc;
using Grpc.Core;
using Ledger.Testing;
using Ledger.Verification;
using LicensesClient = Ledger.Contracts.Issuance.V1.Licenses.LicensesClient;
using RevocationsClient = Ledger.Contracts.Revocation.V1.Revocations.RevocationsClient;

namespace Ledger.Revocation.Tests.Features;

/// <summary>Revocation reaches RabbitMQ through a proxy the test cuts; Issuance and the subscriber connect directly.</summary>
public sealed class LedgerWithRevocationBehindCuttableBroker : LedgerServices
{
    public TcpProxy Broker { get; private set; } = null!;

    public ServiceHost<Program> Revocation { get; private set; } = null!;

    public LicensesClient Licenses { get; private set; } = null!;

    public RevocationsClient Revocations { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var (broker, throughProxy) = CuttableBroker();
        Broker = broker;
        Revocation = Start<Program>(new Dictionary<string, string?>(throughProxy.Concat(LedgerWithRevocation.FilterSettings)));
        await WaitUntilReadyAsync(Revocation);
        Licenses = new LicensesClient(Start<Ledger.Issuance.Program>(new Dictionary<string, string?> { ["Ledger:Issuance:HeartbeatSeconds"] = "1" }).CreateChannel());
        Revocations = new RevocationsClient(Revocation.CreateChannel());
    }
}

public sealed class BrokerOutageTests(LedgerWithRevocationBehindCuttableBroker ledger) : IClassFixture<LedgerWithRevocationBehindCuttableBroker>
{
    private static readonly LicenseExpectations Expected = new("ledger", "flux-operator", ["sso"]);

    private async Task<Contracts.Issuance.V1.License> IssueKnownLicenseAsync(string customer, int days = 30)
    {
        var license = (await ledger.Licenses.IssueLicenseAsync(new Contracts.Issuance.V1.IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new Contracts.Issuance.V1.LicenseTerms
            {
                CustomerId = customer, CustomerName = "Example Corp", Product = "flux-enterprise", Audience = "flux-operator", DurationDays = days,
                Capabilities = { "sso" },
            },
        })).License;
        await Eventually.True(async () =>
        {
            try
            {
                await ledger.Revocations.GetStatusAsync(new Contracts.Revocation.V1.GetStatusRequest { LicenseId = license.LicenseId });
                return true;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "Revocation to learn the license");
        return license;
    }

    private Task<Contracts.Issuance.V1.LicenseResponse> RenewAsync(string licenseId, int days) =>
        ledger.Licenses.RenewLicenseAsync(new Contracts.Issuance.V1.RenewLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = licenseId, DurationDays = days,
        }).ResponseAsync;

    private async Task<RevocationFeedPayload> PullFeedPayloadAsync()
    {
        using var http = ledger.Revocation.CreateClient();
        var feed = await http.GetStringAsync(new Uri("/feeds/revocations", UriKind.Relative));
        return RevocationFeedPayload.Parse(Ledger.Crypto.Jws.Verify(feed, await ledger.FetchJwksAsync()).Payload);
    }

    [Fact]
    public async Task a_license_revoked_while_the_broker_is_cut_is_neither_renewed_nor_changed()
    {
        var license = await IssueKnownLicenseAsync("cust-cut-renew");
        ledger.Broker.Cut();
        try
        {
            await ledger.Revocations.RevokeAsync(new Contracts.Revocation.V1.RevokeRequest { LicenseId = license.LicenseId });

            // Issuance has not heard of the revocation (its LicenseRevoked waits in the outbox); Revocation's record decides.
            var renew = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => RenewAsync(license.LicenseId, 400));
            var change = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => ledger.Licenses.ChangeCapabilitiesAsync(
                new Contracts.Issuance.V1.ChangeCapabilitiesRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, Capabilities = { "sso", "audit" } }).ResponseAsync);

            Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, renew.StatusCode);
            Assert.Contains("revoked", renew.Status.Detail);
            Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, change.StatusCode);
            // Revocation's reason reaches the client through Issuance, as if Issuance had known.
            Assert.Equal("LICENSE_REVOKED", renew.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>().Reason);
            Assert.Equal("LICENSE_REVOKED", change.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>().Reason);
            var history = await ledger.Licenses.GetLicenseHistoryAsync(new Contracts.Issuance.V1.GetLicenseHistoryRequest { LicenseId = license.LicenseId });
            Assert.Equal(["LicenseIssued"], history.Entries.Select(e => e.Event));
        }
        finally
        {
            ledger.Broker.Restore();
        }
    }

    [Fact]
    public async Task a_license_renewed_while_the_broker_is_cut_then_revoked_keeps_its_entry_until_the_renewed_key_expires()
    {
        var license = await IssueKnownLicenseAsync("cust-cut-renew-first", days: 10);
        ledger.Broker.Cut();
        try
        {
            var renewed = (await RenewAsync(license.LicenseId, 400)).License;
            var revoked = await ledger.Revocations.RevokeAsync(new Contracts.Revocation.V1.RevokeRequest { LicenseId = license.LicenseId });

            var entry = (await PullFeedPayloadAsync()).Entries.Single(e => e.Id == Guid.Parse(license.LicenseId));
            Assert.Equal(renewed.ExpiresAt.ToDateTimeOffset().ToUnixTimeSeconds(), entry.ExpiresAt.ToUnixTimeSeconds());
            Assert.Equal(renewed.ExpiresAt, revoked.Revocation.LicenseExpiresAt);
        }
        finally
        {
            ledger.Broker.Restore();
        }
    }

    [Fact]
    public async Task revoke_and_renew_racing_under_a_cut_broker_never_leave_a_key_that_outlives_the_revocation()
    {
        var licenses = new List<Contracts.Issuance.V1.License>();
        for (var i = 0; i < 6; i++)
        {
            licenses.Add(await IssueKnownLicenseAsync($"cust-race-{i}", days: 10));
        }

        ledger.Broker.Cut();
        try
        {
            var races = licenses.Select(async license =>
            {
                var renew = Task.Run(() => RenewAsync(license.LicenseId, 400));
                var revoke = Task.Run(() => ledger.Revocations.RevokeAsync(new Contracts.Revocation.V1.RevokeRequest { LicenseId = license.LicenseId }).ResponseAsync);
                await Task.WhenAll(renew.ContinueWith(_ => { }), revoke);
                return (License: license, Renewed: renew.IsCompletedSuccessfully ? renew.Result.License : null, Refused: renew.Exception?.InnerException);
            }).ToList();
            var outcomes = await Task.WhenAll(races);
            var feed = await PullFeedPayloadAsync();

            foreach (var (license, renewed, refused) in outcomes)
            {
                var entry = feed.Entries.Single(e => e.Id == Guid.Parse(license.LicenseId));
                if (renewed is not null)
                {
                    Assert.True(entry.ExpiresAt.ToUnixTimeSeconds() >= renewed.ExpiresAt.ToDateTimeOffset().ToUnixTimeSeconds(),
                        $"license {license.LicenseId}: renewed key expires {renewed.ExpiresAt}, its revocation entry only {entry.ExpiresAt:u}");
                }
                else
                {
                    Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, Assert.IsType<Grpc.Core.RpcException>(refused).StatusCode);
                }
            }
        }
        finally
        {
            ledger.Broker.Restore();
        }
    }

    [Fact]
    public async Task the_filter_does_not_cover_a_license_revocation_has_not_learned_while_the_broker_is_cut()
    {
        await IssueKnownLicenseAsync("cust-cut-filter-known");
        var jwks = await ledger.FetchJwksAsync();
        using var http = ledger.Revocation.CreateClient();
        Contracts.Issuance.V1.License unknown;
        ledger.Broker.Cut();
        try
        {
            unknown = (await ledger.Licenses.IssueLicenseAsync(new Contracts.Issuance.V1.IssueLicenseRequest
            {
                IdempotencyKey = Guid.NewGuid().ToString(),
                Terms = new Contracts.Issuance.V1.LicenseTerms
                {
                    CustomerId = "cust-cut-filter-unknown", CustomerName = "Example Corp", Product = "flux-enterprise", Audience = "flux-operator",
                    DurationDays = 30, Capabilities = { "sso" },
                },
            })).License;
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // the wall clock moves on; the horizon must not

            var filter = await http.GetStringAsync(new Uri("/feeds/revocations/filter", UriKind.Relative));
            var coversUntil = RevocationFilterPayload.Parse(Ledger.Crypto.Jws.Verify(filter, jwks).Payload).CoversUntil;
            var verdict = LicenseVerifier.VerifyWithFilter(unknown.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, filter, null);

            Assert.True(coversUntil < Ledger.Crypto.UuidV7.Timestamp(Guid.Parse(unknown.LicenseId)), $"covers_until {coversUntil:O} reaches a license Revocation does not know");
            Assert.Equal(VerificationStatus.NotCovered, verdict.Status);
        }
        finally
        {
            ledger.Broker.Restore();
        }

        var covering = await Eventually.Get(async () =>
        {
            var jws = await http.GetStringAsync(new Uri("/feeds/revocations/filter", UriKind.Relative));
            return RevocationFilterPayload.Parse(Ledger.Crypto.Jws.Verify(jws, jwks).Payload).CoversUntil >= Ledger.Crypto.UuidV7.Timestamp(Guid.Parse(unknown.LicenseId)) ? jws : null;
        }, TimeSpan.FromSeconds(90), "the filter to cover the license once the broker is back");
        Assert.Equal(VerificationStatus.Valid, LicenseVerifier.VerifyWithFilter(unknown.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, covering, null).Status);
    }

    [Fact]
    public async Task revocations_and_feeds_keep_working_while_rabbitmq_is_down_and_the_event_follows_later()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "LicenseRevoked");
        var license = (await ledger.Licenses.IssueLicenseAsync(new Contracts.Issuance.V1.IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new Contracts.Issuance.V1.LicenseTerms
            {
                CustomerId = "cust-outage", CustomerName = "Example Corp", Product = "flux-enterprise", Audience = "flux-operator", DurationDays = 30,
            },
        })).License;
        await Eventually.True(async () =>
        {
            try
            {
                await ledger.Revocations.GetStatusAsync(new Contracts.Revocation.V1.GetStatusRequest { LicenseId = license.LicenseId });
                return true;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "Revocation to learn the license");

        ledger.Broker.Cut();
        try
        {
            await ledger.Revocations.RevokeAsync(new Contracts.Revocation.V1.RevokeRequest { LicenseId = license.LicenseId });
            using var http = ledger.Revocation.CreateClient();
            var feed = await http.GetStringAsync(new Uri("/feeds/revocations", UriKind.Relative));
            var accepted = RevocationFeeds.Accept(feed, await ledger.FetchJwksAsync(), "ledger", null, DateTimeOffset.UtcNow);

            Assert.Equal(VerificationStatus.Valid, accepted.Status);
            Assert.Contains(Guid.Parse(license.LicenseId), accepted.State!.Revoked);
        }
        finally
        {
            ledger.Broker.Restore();
        }

        var published = await subscriber.NextAsync(e => e.Message.GetProperty("licenseId").GetString() == license.LicenseId, TimeSpan.FromSeconds(90));
        Assert.Equal("LicenseRevoked", published.Type);
    }
}
