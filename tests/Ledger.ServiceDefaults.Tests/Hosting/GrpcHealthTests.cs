using Grpc.Health.V1;
using Grpc.Net.Client;
using Ledger.Testing;
using HealthClient = Grpc.Health.V1.Health.HealthClient;

namespace Ledger.ServiceDefaults.Tests.Hosting;

public sealed class GrpcHealthTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    [Fact]
    public Task notary_reports_serving() => AssertServing(ledger.Notary.CreateChannel(), "notary");

    [Fact]
    public Task issuance_reports_serving() => AssertServing(ledger.Start<Ledger.Issuance.Program>().CreateChannel(), "issuance");

    [Fact]
    public Task revocation_reports_serving() => AssertServing(ledger.Start<Ledger.Revocation.Program>().CreateChannel(), "revocation");

    [Fact]
    public Task attestation_reports_serving() => AssertServing(ledger.Start<Ledger.Attestation.Program>().CreateChannel(), "attestation");

    private static async Task AssertServing(GrpcChannel channel, string service)
    {
        var health = new HealthClient(channel);

        // Readiness needs PostgreSQL (and Notary's keys), not the broker; the first check may still run during start.
        var status = await Eventually.Get(async () =>
        {
            var reply = await health.CheckAsync(new HealthCheckRequest());
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving ? (object)reply.Status : null;
        }, TimeSpan.FromSeconds(60), $"{service} to report SERVING");

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
    }
}
