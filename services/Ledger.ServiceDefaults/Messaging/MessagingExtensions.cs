using Ledger.ServiceDefaults.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ServiceDefaults.Messaging;

/// <summary>MassTransit on RabbitMQ, configured the same way in every service.</summary>
public static class MessagingExtensions
{
    /// <summary>Configuration key of the RabbitMQ URI (env: ConnectionStrings__RabbitMq).</summary>
    public const string ConnectionStringName = "RabbitMq";

    /// <summary>
    /// Configuration key (env: Ledger__Messaging__QuorumQueues): when true, every receive endpoint
    /// is a quorum queue, replicated across the nodes of a RabbitMQ cluster. Off by default, for
    /// the single-node broker of local runs and tests. A queue's type is fixed when it is first
    /// declared: switching an existing deployment means deleting its classic queues first.
    /// </summary>
    public const string QuorumQueuesSetting = "Ledger:Messaging:QuorumQueues";

    /// <summary>
    /// Configuration key (env: Ledger__Messaging__ClusterNodes): the other nodes of a RabbitMQ
    /// cluster, as <c>host[:port]</c> separated by commas. The bus connects to any node that answers,
    /// the URI's host included, and reconnects to another when its node goes down. Credentials and
    /// virtual host come from the URI, and a node without a port uses the URI's.
    /// </summary>
    public const string ClusterNodesSetting = "Ledger:Messaging:ClusterNodes";

    /// <summary>
    /// Adds the bus. Receive endpoints are kebab-case and prefixed with the service name
    /// (<c>issuance-license-revoked</c>) so each service gets its own queue per consumer.
    /// The host starts even when RabbitMQ is down; events wait in the event store.
    /// </summary>
    public static WebApplicationBuilder AddLedgerMessaging(
        this WebApplicationBuilder builder, string serviceName, Action<IBusRegistrationConfigurator>? consumers = null)
    {
        builder.Services.AddValidatedSettings<MessagingSettings>("Ledger:Messaging");
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, false));
            consumers?.Invoke(x);
            // The broker is not needed to answer requests (the event store is the outbox), so its
            // check is not part of readiness: a RabbitMQ outage must not take replicas out of
            // rotation. It is reported under "publishing" (/health/publishing) instead.
            x.ConfigureHealthCheckOptions(o =>
            {
                o.Name = "rabbitmq";
                o.MinimalFailureStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy;
                o.Tags.Clear();
                o.Tags.Add(ServiceDefaultsExtensions.PublishingTag);
            });
            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit
                    && context.Settings<MessagingSettings>().QuorumQueues)
                {
                    rabbit.SetQuorumQueue();
                }
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                var broker = BrokerAddress(context.GetRequiredService<IConfiguration>());
                var nodes = context.Settings<MessagingSettings>().Nodes(broker);
                cfg.Host(broker.Host, broker.Port, broker.VirtualHost, h =>
                {
                    h.Username(broker.Username);
                    h.Password(broker.Password);
                    if (nodes.Count > 1)
                    {
                        h.UseCluster(cluster => UseClusterNodes(cluster, nodes));
                    }
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        return builder;
    }

    private static void UseClusterNodes(IRabbitMqClusterConfigurator cluster, IReadOnlyList<string> nodes)
    {
        foreach (var node in nodes)
        {
            cluster.Node(node);
        }
    }

    public static BrokerAddress BrokerAddress(IConfiguration configuration)
    {
        var text = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "rabbitmq"))
        {
            throw new InvalidOperationException(
                "No usable RabbitMQ address: set ConnectionStrings__RabbitMq to an amqp:// URI " +
                "(for example amqp://ledger:ledger@127.0.0.1:5672/).");
        }

        var user = uri.UserInfo.Split(':', 2);
        var virtualHost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return new BrokerAddress(
            uri.Host,
            (ushort)(uri.IsDefaultPort || uri.Port <= 0 ? 5672 : uri.Port),
            virtualHost.Length == 0 ? "/" : virtualHost,
            user.Length > 0 && user[0].Length > 0 ? Uri.UnescapeDataString(user[0]) : "guest",
            user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "guest");
    }
}

/// <summary>Messaging settings bound from Ledger:Messaging, checked at start.</summary>
public sealed class MessagingSettings : IValidatedSettings
{
    /// <summary>See <see cref="MessagingExtensions.QuorumQueuesSetting"/>.</summary>
    public bool QuorumQueues { get; set; }

    /// <summary>See <see cref="MessagingExtensions.ClusterNodesSetting"/>.</summary>
    public string? ClusterNodes { get; set; }

    /// <summary>Every node the bus may connect to as <c>host:port</c>: the URI's first, then the cluster nodes, each once.</summary>
    public IReadOnlyList<string> Nodes(BrokerAddress broker)
    {
        var nodes = new List<string> { $"{broker.Host}:{broker.Port}" };
        foreach (var (host, port) in ParseClusterNodes(ClusterNodes, out _))
        {
            var node = $"{host}:{port ?? broker.Port}";
            if (!nodes.Contains(node, StringComparer.OrdinalIgnoreCase))
            {
                nodes.Add(node);
            }
        }

        return nodes;
    }

    public IEnumerable<(string Key, string Problem)> Problems()
    {
        ParseClusterNodes(ClusterNodes, out var problem);
        if (problem is not null)
        {
            yield return ("ClusterNodes", problem);
        }
    }

    private static List<(string Host, ushort? Port)> ParseClusterNodes(string? text, out string? problem)
    {
        var nodes = new List<(string, ushort?)>();
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return nodes;
        }

        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            var host = colon < 0 ? part : part[..colon];
            ushort? port = null;
            if (colon >= 0)
            {
                if (!ushort.TryParse(part[(colon + 1)..], out var parsed) || parsed == 0)
                {
                    problem = $"must list RabbitMQ nodes as host or host:port separated by commas; '{part}' has no valid port (1-65535)";
                    return [];
                }

                port = parsed;
            }

            if (Uri.CheckHostName(host) is UriHostNameType.Unknown or UriHostNameType.Basic)
            {
                problem = $"must list RabbitMQ nodes as host or host:port separated by commas (no amqp://, no credentials: those come from ConnectionStrings:RabbitMq); '{part}' is not one";
                return [];
            }

            nodes.Add((host, port));
        }

        return nodes;
    }
}

/// <summary>Where the broker is, parsed from the amqp:// URI.</summary>
public sealed record BrokerAddress(string Host, ushort Port, string VirtualHost, string Username, string Password)
{
    public override string ToString() => $"amqp://{Username}@{Host}:{Port}/{VirtualHost}";
}
