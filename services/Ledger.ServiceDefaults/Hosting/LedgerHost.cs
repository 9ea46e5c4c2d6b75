using Ledger.ServiceDefaults.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ledger.ServiceDefaults.Hosting;

/// <summary>
/// The whole of a service's Main: the health probe mode, the host, and a start-up failure told
/// in one line on standard error (<c>issuance: cannot start: setting ...</c>) before the process fails, so
/// <c>make run</c>, systemd and container runtimes show why a service did not start.
/// </summary>
public static class LedgerHost
{
    public static int Run(string[] args, string serviceName, Action<WebApplicationBuilder> add, Action<WebApplication> map)
    {
        if (HealthProbe.TryRun(args) is { } probeResult)
        {
            return probeResult;
        }

        try
        {
            var builder = WebApplication.CreateBuilder(args);
            builder.AddServiceDefaults(serviceName);
            add(builder);
            var app = builder.Build();
            map(app);
            app.MapDefaultEndpoints();
            app.Run();
            return Environment.ExitCode;
        }
        catch (Exception e) when (e is not OperationCanceledException and not HostAbortedException)
        {
            foreach (var reason in Reasons(e))
            {
                Console.Error.WriteLine($"{serviceName}: cannot start: {reason}");
            }

            // Rethrown: the process still ends as a failed start (non-zero exit code, the stack
            // trace after the reason), and test hosts that start the program see the exception itself.
            throw;
        }
    }

    /// <summary>The messages that say why, without the wrappers hosts and DI put around them.</summary>
    internal static IEnumerable<string> Reasons(Exception e) => e switch
    {
        OptionsValidationException options => options.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Reasons).Distinct(),
        System.Reflection.TargetInvocationException { InnerException: { } inner } => Reasons(inner),
        _ when e.InnerException is OptionsValidationException inner => Reasons(inner),
        _ when e.InnerException is { } inner && inner.Message != e.Message => [$"{e.Message} ({inner.Message})"],
        _ => [e.Message],
    };
}
