using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Ledger.ClientTokens;
using Ledger.Contracts.Notary.V1;
using Ledger.NotaryClient;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ServiceDefaults.Messaging;
using Ledger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using KeysClient = Ledger.Contracts.Notary.V1.Keys.KeysClient;
using SigningClient = Ledger.Contracts.Notary.V1.Signing.SigningClient;

namespace Ledger.ServiceDefaults.Tests.Replicas;

/// <summary>
/// The addresses of a scaled-out deployment: a multi-host PostgreSQL connection string, the nodes
/// of a RabbitMQ cluster, and several Notary replicas that the services' channels balance per call.
/// Without a cluster here, the first address named is one where nothing listens.
/// </summary>
public sealed class ClusterAddressTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    [Fact]
    public async Task a_service_whose_first_database_host_and_first_broker_node_are_down_works_through_the_others()
    {
        var live = new NpgsqlConnectionStringBuilder(ledger.Database.ConnectionString);
        var multiHost = new NpgsqlConnectionStringBuilder(ledger.Database.ConnectionString)
        {
            Host = $"127.0.0.1:{UnusedPort()},{live.Host}:{live.Port}",
        }.ConnectionString + ";Target Session Attributes=primary";
        var broker = ledger.VirtualHost.Amqp;
        var settings = NotarySettings();
        settings[$"ConnectionStrings:{EventStoreExtensions.ConnectionStringName}"] = multiHost;
        settings[$"ConnectionStrings:{MessagingExtensions.ConnectionStringName}"] = new UriBuilder(broker) { Port = UnusedPort() }.Uri.ToString();
        settings[MessagingExtensions.ClusterNodesSetting] = $"{broker.Host}:{broker.Port}";
        await using var notary = new ServiceHost<Ledger.Notary.Program>(settings) { Token = () => ledger.Clients.Mint(TestClients.Admin, "notary") };

        var keys = await new KeysClient(notary.CreateChannel()).ListKeysAsync(new ListKeysRequest());
        await LedgerServices.WaitUntilReadyAsync(notary);

        Assert.NotEmpty(keys.Keys);
        Assert.Equal(EventStoreExtensions.ServiceDatabase(ledger.Database.ConnectionString, "notary"), ledger.ServiceDatabase("notary"));
        await using var connection = new NpgsqlConnection(ledger.ServiceDatabase("notary"));
        await connection.OpenAsync();
    }

    public static TheoryData<string, string, string> BadAddresses => new()
    {
        { MessagingExtensions.ClusterNodesSetting, "amqp://rabbit-2:5672", "setting Ledger:Messaging:ClusterNodes must list RabbitMQ nodes" },
        { MessagingExtensions.ClusterNodesSetting, "rabbit-2:99999", "'rabbit-2:99999' has no valid port" },
        { NotaryClients.UrlSetting, "http://127.0.0.1:5011,https://127.0.0.1:5012", "setting Ledger:Notary:Url lists addresses with both http and https" },
        { NotaryClients.UrlSetting, "http://127.0.0.1:5011,notary-2", "'notary-2' is not one" },
    };

    [Theory]
    [MemberData(nameof(BadAddresses))]
    public void a_service_refuses_to_start_with_an_address_list_it_cannot_use(string setting, string value, string message)
    {
        var error = Assert.ThrowsAny<Exception>(() => ledger.Start<Ledger.Attestation.Program>(new Dictionary<string, string?> { [setting] = value }));

        Assert.Contains(message, error.ToString());
    }

    [Fact]
    public async Task a_notary_client_given_two_replicas_spreads_its_calls_over_both()
    {
        var replicas = new[] { StartOnKestrel(), StartOnKestrel() };
        try
        {
            await using var service = ServiceCallingNotaries(replicas.Select(r => r.Address));
            var client = service.Services.GetRequiredService<SigningClient>();

            for (var i = 0; i < 20; i++)
            {
                await client.SignAsync(SignRequests.License());
            }

            var perReplica = replicas.Select(r => r.Host.Logs.Lines.Count(l => l.Contains("Request starting", StringComparison.Ordinal) && l.Contains("/ledger.notary.v1.Signing/Sign", StringComparison.Ordinal))).ToList();
            Assert.Equal(20, perReplica.Sum());
            // Round robin over both once both are connected; the first calls may all reach the first one ready.
            Assert.All(perReplica, calls => Assert.InRange(calls, 4, 16));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.Host.DisposeAsync();
            }
        }
    }

    private (ServiceHost<Ledger.Notary.Program> Host, Uri Address) StartOnKestrel()
    {
        var address = new Uri($"http://127.0.0.1:{UnusedPort()}/");
        var settings = NotarySettings();
        settings["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{UnusedPort()}";
        settings["Kestrel:Endpoints:Grpc:Url"] = address.ToString().TrimEnd('/');
        var host = new ServiceHost<Ledger.Notary.Program>(settings);
        host.UseKestrel();
        host.StartServer();
        return (host, address);
    }

    private Dictionary<string, string?> NotarySettings()
    {
        var settings = ledger.Settings;
        settings["Ledger:Notary:RootKey"] = ledger.NotaryRootKey;
        return settings;
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The Notary clients as a service wires them (Issuance's identity), for the replicas at <paramref name="addresses"/>.</summary>
    private WebApplication ServiceCallingNotaries(IEnumerable<Uri> addresses)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [NotaryClients.UrlSetting] = string.Join(",", addresses.Select(a => a.ToString().TrimEnd('/'))),
            [OutgoingClientTokens.KeyFileSetting] = ledger.Clients.KeyFile(TestClients.Issuance),
            [ClientRegistry.FileSetting] = ledger.Clients.RegistryFile,
        });
        builder.AddServiceDefaults("issuance");
        builder.AddNotaryClients();
        return builder.Build();
    }
}
