using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Health;
using Ledger.ClientTokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace Ledger.ServiceDefaults.Hosting;

/// <summary>What every Ledger host adds before its own services, and maps after its own endpoints.</summary>
public static class ServiceDefaultsExtensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    /// <summary>
    /// Checks of what a replica needs to publish events (RabbitMQ), not to answer requests: shown at
    /// /health/publishing (503 when degraded or unhealthy), never part of readiness.
    /// </summary>
    public const string PublishingTag = "publishing";

    /// <summary>OpenTelemetry, health checks, gRPC with Ledger's conventions, and the clock.</summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddSingleton(new LedgerServiceIdentity(serviceName));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddValidatedSettings<KestrelSettings>(KestrelSettings.Section);
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<KestrelSettings>>((kestrel, settings) => ConfigureLimits(settings.Value, kestrel));
        MetricsListener.AddEndpoint(builder);

        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceNamespace: "ledger"));
        telemetry.WithMetrics(m => m
                .AddMeter(LedgerTelemetry.MeterName, "MassTransit", "Marten")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        // OTLP only when an endpoint is configured: nothing is required to run locally. Tracing too:
        // with no exporter its spans (every request, call, statement and message) would be built and
        // dropped, CPU for nothing. Log lines keep the request's trace id (ASP.NET Core starts its
        // request activity for logging whatever is exported).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(t => t
                .AddSource(LedgerTelemetry.ActivitySourceName, "MassTransit", "Marten")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsInfrastructurePath(ctx.Request.Path))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql());
            telemetry.UseOtlpExporter();
        }

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = GrpcLimits.MaxRequestBytes;
            o.MaxSendMessageSize = GrpcLimits.MaxResponseBytes;
            o.Interceptors.Add<RpcExceptionInterceptor>();
            // Inside the exception mapping: a replay check that cannot reach PostgreSQL is UNAVAILABLE.
            o.Interceptors.Add<ClientTokenReplayInterceptor>();
        });
        builder.Services.AddGrpcHealthChecks(o =>
        {
            // The overall gRPC health ("" service) answers readiness: SERVING once the
            // service can do its job, not merely once the process is up.
            o.Services.Map("", r => r.Tags.Contains(ReadyTag) || r.Tags.Contains(LiveTag));
        });
        builder.Services.AddGrpcReflection();
        // After every AddGrpc*: bad request bytes are InvalidArgument, not Unknown.
        builder.Services.AddUndecodableRequestsAsInvalidArgument();
        builder.AddLedgerSecurity();
        LedgerIssuer.Register(builder.Services);
        return builder;
    }

    /// <summary>Health, gRPC health and reflection, and the Prometheus scrape endpoint (served only on the metrics port, <see cref="MetricsListener"/>).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadyTag) || r.Tags.Contains(LiveTag),
            ResponseWriter = Health.HealthReport.WriteJson,
        }).AllowAnonymous();
        app.MapHealthChecks("/health/publishing", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(PublishingTag),
            ResponseWriter = Health.HealthReport.WriteJson,
            // MassTransit reports a lost connection as Degraded; for publishing that is down.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous();
        // Health and reflection stay open: probes and grpcurl have no client key.
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapGrpcReflectionService().AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(MetricsListener.Path).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Bounds on what one client can make a replica hold: connections, streams per HTTP/2
    /// connection, header and body sizes, and how long a client may take to send its headers
    /// (slowloris). Public endpoints (feeds, JWKS) face the Internet; the settings
    /// Ledger:Kestrel:MaxConnections and Ledger:Kestrel:MaxStreamsPerConnection change the first two.
    /// </summary>
    private static void ConfigureLimits(KestrelSettings settings, KestrelServerOptions kestrel)
    {
        var limits = kestrel.Limits;
        limits.MaxConcurrentConnections = settings.MaxConnections;
        limits.MaxConcurrentUpgradedConnections = limits.MaxConcurrentConnections;
        limits.Http2.MaxStreamsPerConnection = settings.MaxStreamsPerConnection;
        limits.MaxRequestBodySize = GrpcLimits.MaxRequestBytes + 64 * 1024;
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.MaxRequestHeaderCount = 64;
        limits.MaxRequestLineSize = 8 * 1024;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
    }

    private static bool IsInfrastructurePath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}

/// <summary>The Kestrel limits a deployment may change, bound from Ledger:Kestrel, checked at start.</summary>
public sealed class KestrelSettings : IValidatedSettings
{
    public const string Section = "Ledger:Kestrel";

    /// <summary>Connections (and upgraded connections) one replica holds at once.</summary>
    public long MaxConnections { get; set; } = 2_000;

    /// <summary>Concurrent streams (calls) per HTTP/2 connection.</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;

    public IEnumerable<(string Key, string Problem)> Problems()
    {
        if (MaxConnections is < 1 or > 1_000_000)
        {
            yield return ("MaxConnections", $"must be from 1 to 1000000 connections (was {MaxConnections})");
        }

        if (MaxStreamsPerConnection is < 1 or > 10_000)
        {
            yield return ("MaxStreamsPerConnection", $"must be from 1 to 10000 streams (was {MaxStreamsPerConnection})");
        }
    }
}
