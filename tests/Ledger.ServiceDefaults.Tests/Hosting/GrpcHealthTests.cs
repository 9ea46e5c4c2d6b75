using Grpc.Health.V1;
using Ledger.Testing;
using HealthClient = Grpc.Health.V1.Health.HealthClient;

namespace Ledger.ServiceDefaults.Tests.Hosting;

public sealed class GrpcHealthTests : IClassFixture<IsolatedInfrastructure>
{
    private readonly IsolatedInfrastructure _infrastructure;

    public GrpcHealthTests(IsolatedInfrastructure infrastructure) => _infrastructure = infrastructure;

    [Fact]
    public Task notary_reports_serving() => AssertServing<Ledger.Notary.Program>();

    [Fact]
    public Task issuance_reports_serving() => AssertServing<Ledger.Issuance.Program>();

    [Fact]
    public Task revocation_reports_serving() => AssertServing<Ledger.Revocation.Program>();

    [Fact]
    public Task attestation_reports_serving() => AssertServing<Ledger.Attestation.Program>();

    private async Task AssertServing<TProgram>() where TProgram : class
    {
        await using var host = new ServiceHost<TProgram>(_infrastructure.Settings);
        var health = new HealthClient(host.CreateChannel());

        // Readiness includes the broker connection, which takes a moment after start.
        var status = await Eventually.Get(async () =>
        {
            var reply = await health.CheckAsync(new HealthCheckRequest());
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving ? (object)reply.Status : null;
        }, TimeSpan.FromSeconds(60), $"{typeof(TProgram).Namespace} to report SERVING");

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
    }
}
