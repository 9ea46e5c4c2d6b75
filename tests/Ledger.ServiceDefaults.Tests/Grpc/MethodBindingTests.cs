using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Ledger.Contracts.Notary.V1;
using Ledger.Testing;
using HealthClient = Grpc.Health.V1.Health.HealthClient;

namespace Ledger.ServiceDefaults.Tests.Grpc;

/// <summary>
/// The services bind their gRPC methods through Ledger's own provider (UndecodableRequests):
/// every kind of method still answers, with its endpoint's authorization.
/// </summary>
public sealed class MethodBindingTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    [Fact]
    public async Task reflection_a_duplex_stream_lists_every_service_of_the_host()
    {
        using var channel = ledger.Notary.CreateChannel(token: null);
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("ledger.notary.v1.Signing", services);
        Assert.Contains("ledger.notary.v1.Keys", services);
        Assert.Contains("ledger.admin.v1.Admin", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task health_watch_a_server_stream_answers_without_a_token()
    {
        using var channel = ledger.Notary.CreateChannel(token: null);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = new HealthClient(channel).Watch(new HealthCheckRequest(), cancellationToken: cancel.Token);

        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.NotEqual(HealthCheckResponse.Types.ServingStatus.Unknown, watch.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task a_unary_method_keeps_its_roles()
    {
        using var channel = ledger.Notary.CreateChannel(() => ledger.Clients.Mint(TestClients.Auditor, "notary"));

        var error = await Assert.ThrowsAsync<RpcException>(() => new Keys.KeysClient(channel).RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.License }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.NotEmpty((await new Keys.KeysClient(channel).ListKeysAsync(new ListKeysRequest())).Keys);
    }
}
