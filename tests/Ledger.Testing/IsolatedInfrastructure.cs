using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;
using Ledger.ClientTokens;
using Xunit;

namespace Ledger.Testing;

/// <summary>
/// A database and a RabbitMQ virtual host of a test class's own. Fixtures named after a
/// state (NotaryWithActiveKeys, LedgerWithIssuedLicense) build on it.
/// </summary>
public class IsolatedInfrastructure : IAsyncLifetime
{
    public LedgerInfrastructure Infrastructure { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    public TestVirtualHost VirtualHost { get; private set; } = null!;

    /// <summary>Registered client keys; every service of this class reads their registry.</summary>
    public TestClients Clients { get; } = new();

    /// <summary>The settings that point a service at this class's database and virtual host.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        [$"ConnectionStrings:{EventStoreExtensions.ConnectionStringName}"] = Database.ConnectionString,
        [$"ConnectionStrings:{MessagingExtensions.ConnectionStringName}"] = VirtualHost.Amqp.ToString(),
        [ClientRegistry.FileSetting] = Clients.RegistryFile,
    };

    /// <summary>The connection string of one service's own database (created by the service at start).</summary>
    public string ServiceDatabase(string service) => EventStoreExtensions.ServiceDatabase(Database.ConnectionString, service);

    public virtual async Task InitializeAsync()
    {
        Infrastructure = await LedgerInfrastructure.GetAsync();
        Database = await Infrastructure.CreateDatabaseAsync();
        VirtualHost = await Infrastructure.CreateVirtualHostAsync();
    }

    // After a failed start only what was created is there to dispose; the start's own error is the one to report.
    public virtual async Task DisposeAsync()
    {
        if (VirtualHost is not null)
        {
            await VirtualHost.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }

        Clients.Dispose();
    }
}
