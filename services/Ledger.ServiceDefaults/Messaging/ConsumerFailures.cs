using System.Diagnostics.Metrics;
using Ledger.ServiceDefaults.Hosting;
using MassTransit;

namespace Ledger.ServiceDefaults.Messaging;

/// <summary>
/// <c>ledger.consumer.failures</c>: every attempt of a consumer that threw, by consumer, message
/// type and exception type, counted as it fails (retries included). MassTransit's own meter counts
/// the same, but it binds its instruments to the first host of a process and goes silent once that
/// host is disposed; this counter lives on the process-wide Ledger meter.
/// </summary>
public static class ConsumerFailures
{
    private static readonly Counter<long> Failures = LedgerTelemetry.Meter.CreateCounter<long>(
        "ledger.consumer.failures", description: "Consumer attempts that threw, by consumer, message type and exception type");

    internal static void Record(string consumer, string messageType, Exception exception) =>
        Failures.Add(1,
            new KeyValuePair<string, object?>("consumer", consumer),
            new KeyValuePair<string, object?>("message_type", messageType),
            new KeyValuePair<string, object?>("exception_type", exception.GetType().Name));
}

/// <summary>Counts a consumer's failed attempts in <see cref="ConsumerFailures"/>; the exception goes on to the retry policy.</summary>
public sealed class ConsumerFailureFilter<TConsumer> : IFilter<ConsumerConsumeContext<TConsumer>>
    where TConsumer : class
{
    private static readonly string MessageTypes = string.Join("|", typeof(TConsumer).GetInterfaces()
        .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
        .Select(i => i.GetGenericArguments()[0].Name));

    public async Task Send(ConsumerConsumeContext<TConsumer> context, IPipe<ConsumerConsumeContext<TConsumer>> next)
    {
        try
        {
            await next.Send(context);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            ConsumerFailures.Record(typeof(TConsumer).Name, MessageTypes, e);
            throw;
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("ledgerConsumerFailures");
}
