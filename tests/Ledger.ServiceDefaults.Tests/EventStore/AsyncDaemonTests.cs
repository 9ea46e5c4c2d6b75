using System.Collections.Concurrent;
using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;
using Ledger.Testing;
using Marten;
using Marten.Events.Aggregation;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ServiceDefaults.Tests.EventStore;

/// <summary>
/// Guards the DistributedLock.Postgres 1.3.1 substitution (infra/nuget/README.md): the async
/// daemon must run projections and subscriptions in HotCold mode with advisory locks held by
/// transactions. It also shows the event store acting as the outbox.
/// </summary>
public sealed class AsyncDaemonTests : IClassFixture<IsolatedInfrastructure>
{
    /// <summary>The output folder holds a service's appsettings.json with fixed ports; probe apps must not take them.</summary>
    internal static readonly Dictionary<string, string?> EphemeralPorts = new()
    {
        ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
        ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
    };

    private readonly IsolatedInfrastructure _infrastructure;

    public AsyncDaemonTests(IsolatedInfrastructure infrastructure) => _infrastructure = infrastructure;

    [Fact]
    public async Task hot_cold_daemon_projects_and_publishes_committed_events_with_the_event_id_as_message_id()
    {
        var received = new ConcurrentDictionary<Guid, ProbeForwarded>();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(_infrastructure.Settings);
        builder.Configuration.AddInMemoryCollection(EphemeralPorts);
        builder.Services.AddSingleton(received);
        builder.AddLedgerEventStore("probe", (options, _) =>
            {
                options.Events.AddEventType<ProbeRecorded>();
                options.Projections.Add<ProbeTallyProjection>(ProjectionLifecycle.Async);
            })
            .PublishIntegrationEvents<ProbeMap>();
        builder.AddLedgerMessaging("probe", bus => bus.AddConsumer<ProbeForwardedConsumer>());
        await using var app = builder.Build();
        await app.StartAsync();
        // The probe's queue is bound once the bus is healthy: an event forwarded before that would be dropped by the exchange.
        await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));

        var streamId = Guid.CreateVersion7();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream(streamId, new ProbeRecorded(streamId, "one"), new ProbeRecorded(streamId, "two"), new ProbeRecorded(streamId, "three"));
            await session.SaveChangesAsync();
        }

        var eventIds = (await store.QuerySession().Events.FetchStreamAsync(streamId)).Select(e => e.Id).ToHashSet();
        await Eventually.True(() => Task.FromResult(received.Count >= 3), TimeSpan.FromSeconds(60), "three forwarded messages");
        Assert.Equal(eventIds, received.Keys.ToHashSet());

        var tally = await Eventually.Get(async () =>
        {
            await using var query = store.QuerySession();
            var doc = await query.LoadAsync<ProbeTally>(streamId);
            return doc is { Count: 3 } ? doc : null;
        }, TimeSpan.FromSeconds(60), "the async projection to catch up");
        Assert.Equal(["one", "two", "three"], tally.Notes);

        await app.StopAsync();
    }
}

/// <summary>One trace from the request that appends an event, through the outbox and RabbitMQ, to the consumer.</summary>
public sealed class OutboxTracingTests(IsolatedInfrastructure infrastructure) : IClassFixture<IsolatedInfrastructure>
{
    private static readonly ActivitySource Requests = new("Ledger.Tests.Requests");

    [Fact]
    public async Task the_consumer_continues_the_trace_of_the_request_that_appended_the_event()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Ledger" or "MassTransit" or "Ledger.Tests.Requests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var received = new ConcurrentDictionary<Guid, ProbeForwarded>();
        var traces = new ConcurrentDictionary<Guid, ActivityTraceId>();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(infrastructure.Settings);
        builder.Configuration.AddInMemoryCollection(AsyncDaemonTests.EphemeralPorts);
        builder.Services.AddSingleton(received);
        builder.Services.AddSingleton(traces);
        builder.AddLedgerEventStore("traced", (options, _) => options.Events.AddEventType<ProbeRecorded>())
            .PublishIntegrationEvents<ProbeMap>();
        builder.AddLedgerMessaging("traced", bus => bus.AddConsumer<ProbeForwardedConsumer>());
        await using var app = builder.Build();
        await app.StartAsync();
        // The probe's queue is bound once the bus is healthy: an event forwarded before that would be dropped by the exchange.
        await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));

        var streamId = Guid.CreateVersion7();
        ActivityTraceId requestTrace;
        using (var request = Requests.StartActivity("issue request"))
        {
            requestTrace = request!.TraceId;
            await using var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession();
            session.Events.StartStream(streamId, new ProbeRecorded(streamId, "traced"));
            await session.SaveChangesAsync();
        }

        await Eventually.True(() => Task.FromResult(traces.Count == 1), TimeSpan.FromSeconds(60), "the consumer to receive the event");

        Assert.Equal(requestTrace, Assert.Single(traces.Values));
        await app.StopAsync();
    }
}

public sealed record ProbeRecorded(Guid ProbeId, string Note);

public sealed record ProbeForwarded(Guid ProbeId, string Note);

public sealed class ProbeTally
{
    public Guid Id { get; set; }

    public int Count { get; set; }

    public List<string> Notes { get; set; } = [];
}

public sealed partial class ProbeTallyProjection : SingleStreamProjection<ProbeTally, Guid>
{
    public static ProbeTally Create(ProbeRecorded e) => new() { Id = e.ProbeId, Count = 1, Notes = [e.Note] };

    public static void Apply(ProbeTally tally, ProbeRecorded e)
    {
        tally.Count++;
        tally.Notes.Add(e.Note);
    }
}

public sealed class ProbeMap : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent committed) =>
        committed.Data is ProbeRecorded e ? new ProbeForwarded(e.ProbeId, e.Note) : null;
}

public sealed class ProbeForwardedConsumer(ConcurrentDictionary<Guid, ProbeForwarded> received, IServiceProvider services) : IConsumer<ProbeForwarded>
{
    public Task Consume(ConsumeContext<ProbeForwarded> context)
    {
        received[context.MessageId!.Value] = context.Message;
        if (Activity.Current is { } activity && services.GetService<ConcurrentDictionary<Guid, ActivityTraceId>>() is { } traces)
        {
            traces[context.MessageId!.Value] = activity.TraceId;
        }

        return Task.CompletedTask;
    }
}
