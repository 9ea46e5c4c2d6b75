using System.Security.Cryptography;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.NotaryClient;
using Ledger.ClientTokens;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Testing;

/// <summary>
/// Ledger's services in-process on one test class's database and virtual host, wired to each
/// other as in production: each service asks this Notary to sign, over gRPC.
/// </summary>
public class LedgerServices : IsolatedInfrastructure
{
    private readonly List<IAsyncDisposable> _hosts = [];
    private ServiceHost<Notary.Program>? _notary;
    private ServiceHost<Revocation.Program>? _revocation;
    private ServiceHost<Issuance.Program>? _issuance;
    private ServiceHost<Attestation.Program>? _attestation;

    /// <summary>
    /// Whether Notary checks feed versions against this fixture's Revocation (Ledger:Notary:RevocationUrl),
    /// as in production. Fixtures that start Revocation turn it on; a Notary alone has no log to ask.
    /// </summary>
    protected virtual bool NotaryChecksFeedVersions => false;

    public string NotaryRootKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public ServiceHost<Notary.Program> Notary => _notary ??= StartNotary(NotaryRootKey);

    /// <summary>Settings every service of this deployment gets, Notary included (the issuer, say): set them before the first start.</summary>
    protected Dictionary<string, string?> DeploymentSettings { get; } = [];

    /// <summary>
    /// Settings of one service (notary, issuance, revocation, attestation) over the deployment's, before
    /// the fixture's own: a fixture whose services connect with accounts of their own sets them here.
    /// </summary>
    protected virtual void ServiceSettings(string service, Dictionary<string, string?> settings)
    {
    }

    /// <summary>Starts a Notary with the given root key (null: none configured). Bootstrap failures throw here.</summary>
    public ServiceHost<Notary.Program> StartNotary(string? rootKey)
    {
        var settings = Settings;
        foreach (var (key, value) in DeploymentSettings)
        {
            settings[key] = value;
        }

        ServiceSettings("notary", settings);
        settings["Ledger:Notary:RootKey"] = rootKey;
        settings["Ledger:Notary:SweepSeconds"] = "1";
        if (NotaryChecksFeedVersions)
        {
            settings["Ledger:Notary:RevocationUrl"] = "http://revocation.test/";
        }

        var host = new ServiceHost<Notary.Program>(settings, services =>
            services.AddHttpClient("revocation-log-head").ConfigurePrimaryHttpMessageHandler(() =>
                (_revocation ?? throw new InvalidOperationException("This fixture's Notary checks feed versions, but no Revocation was started.")).Server.CreateHandler()))
        {
            Token = () => Clients.Mint(TestClients.Admin, "notary"),
        };
        _hosts.Add(host);
        _ = host.Server;
        return host;
    }

    /// <summary>
    /// Starts another service, its Notary clients pointed at <see cref="Notary"/> and its Revocation
    /// client (Issuance asks Revocation before re-keying a license) at the first Revocation this
    /// fixture started, or at one started with default settings when the first call needs it.
    /// </summary>
    public ServiceHost<TProgram> Start<TProgram>(IReadOnlyDictionary<string, string?>? extraSettings = null) where TProgram : class
    {
        var host = Create<TProgram>(extraSettings);
        _ = host.Server;
        return host;
    }

    /// <summary>
    /// <see cref="Start{TProgram}"/> without starting: the test starts it (<c>host.Server</c>), e.g. to
    /// watch a service that stops itself while the test server is still starting it.
    /// </summary>
    public ServiceHost<TProgram> Create<TProgram>(IReadOnlyDictionary<string, string?>? extraSettings = null) where TProgram : class
    {
        var notary = Notary;
        var service = typeof(TProgram).Namespace!["Ledger.".Length..].ToLowerInvariant();
        var settings = Settings;
        foreach (var (key, value) in DeploymentSettings)
        {
            settings[key] = value;
        }

        ServiceSettings(service, settings);
        settings[NotaryClients.UrlSetting] = notary.Server.BaseAddress.ToString();
        settings[OutgoingClientTokens.KeyFileSetting] = Clients.KeyFile(service);
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = new ServiceHost<TProgram>(settings, services =>
        {
            services.AddGrpcClient<Signing.SigningClient>().ConfigurePrimaryHttpMessageHandler(() => notary.Server.CreateHandler());
            services.AddGrpcClient<Keys.KeysClient>().ConfigurePrimaryHttpMessageHandler(() => notary.Server.CreateHandler());
            services.AddGrpcClient<SignatureLog.SignatureLogClient>().ConfigurePrimaryHttpMessageHandler(() => notary.Server.CreateHandler());
            services.AddGrpcClient<Contracts.Revocation.V1.Revocations.RevocationsClient>()
                .ConfigurePrimaryHttpMessageHandler(() => (_revocation ?? Start<Revocation.Program>()).Server.CreateHandler());
            // Revocation catches up on missed Issuance events from the first Issuance this fixture started (none: unreachable).
            services.AddGrpcClient<Contracts.Admin.V1.Admin.AdminClient>(Revocation.Features.LearningLicenses.LearningCatchUp.ClientName)
                .ConfigurePrimaryHttpMessageHandler(() => new FirstStartedHandler(() => _issuance?.Server, "Issuance"));
            // ... and on attestation revocations from the first Attestation it started.
            services.AddGrpcClient<Contracts.Admin.V1.Admin.AdminClient>(Revocation.Features.Revoking.AttestationCatchUp.ClientName)
                .ConfigurePrimaryHttpMessageHandler(() => new FirstStartedHandler(() => _attestation?.Server, "Attestation"));
        })
        {
            Token = () => Clients.Mint(TestClients.Admin, service),
        };
        _hosts.Add(host);
        if (host is ServiceHost<Revocation.Program> revocation)
        {
            _revocation ??= revocation;
        }

        if (host is ServiceHost<Issuance.Program> issuance)
        {
            _issuance ??= issuance;
        }

        if (host is ServiceHost<Attestation.Program> attestation)
        {
            _attestation ??= attestation;
        }

        return host;
    }

    /// <summary>
    /// A proxy to this class's RabbitMQ virtual host that the test can cut, and the settings
    /// that point a service through it. Disposed with the fixture.
    /// </summary>
    public (TcpProxy Proxy, IReadOnlyDictionary<string, string?> Settings) CuttableBroker()
    {
        var proxy = new TcpProxy(VirtualHost.Amqp.Host, VirtualHost.Amqp.Port);
        _hosts.Add(proxy);
        var throughProxy = new UriBuilder(VirtualHost.Amqp) { Port = proxy.Port }.Uri;
        return (proxy, new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = throughProxy.ToString() });
    }

    /// <summary>
    /// Waits until the service's bus is connected and its queues bound (/health/publishing). Start
    /// Revocation and wait for it before Issuance publishes: it applies Issuance's events only without gaps.
    /// </summary>
    public static async Task WaitUntilReadyAsync<TProgram>(ServiceHost<TProgram> host) where TProgram : class
    {
        using var http = host.CreateClient();
        await Eventually.True(async () => (await http.GetAsync(new Uri("/health/publishing", UriKind.Relative))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60), $"{typeof(TProgram).Namespace} to connect to RabbitMQ");
    }

    public async Task<JsonWebKeySet> FetchJwksAsync(ServiceHost<Notary.Program>? notary = null)
    {
        using var http = (notary ?? Notary).CreateClient();
        return JsonWebKeySet.Parse(await http.GetStringAsync(new Uri("/.well-known/jwks.json", UriKind.Relative)));
    }

    public override async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            try
            {
                await host.DisposeAsync();
            }
            catch (Exception)
            {
                // A host that never started has nothing to stop.
            }
        }

        await base.DisposeAsync();
    }

    /// <summary>Sends each call to the fixture's Issuance as it is when the call is made; without one, the call fails as an unreachable server would.</summary>
    /// <summary>Calls the in-process server of the first such service the fixture started; none yet: unreachable.</summary>
    private sealed class FirstStartedHandler(Func<Microsoft.AspNetCore.TestHost.TestServer?> server, string service) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (InnerHandler is null)
            {
                InnerHandler = (server() ?? throw new HttpRequestException($"This fixture started no {service}.")).CreateHandler();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
