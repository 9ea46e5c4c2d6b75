using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;

namespace Ledger.Cli.Online;

/// <summary>The options every online command has, and the channel they lead to.</summary>
internal sealed class OnlineOptions
{
    private readonly Func<CommandRun, LedgerService> _service;

    public OnlineOptions(LedgerService service)
    {
        _service = _ => service;
        Server = new("--server") { Description = $"{service.Title}'s gRPC address. Default: ${service.Variable}, else {service.DefaultUrl}.", HelpName = "URL" };
    }

    /// <summary>For commands that talk to whichever service <paramref name="service"/> names.</summary>
    public OnlineOptions(Func<CommandRun, LedgerService> service)
    {
        _service = service;
        Server = new("--server")
        {
            Description = $"The service's gRPC address. Default: its variable ({string.Join(", ", LedgerService.All.Select(s => "$" + s.Variable))}), else its local address.",
            HelpName = "URL",
        };
    }

    public Option<string> Server { get; }

    public Option<string> ClientKey { get; } = new("--client-key") { Description = $"Your client's private key (privkey.json from 'ledgerctl keygen client'). Default: ${ClientIdentity.KeyVariable}.", HelpName = "FILE" };

    public Option<int> Timeout { get; } = new("--timeout") { Description = "Seconds to wait for each answer.", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };

    public void AddTo(Command command)
    {
        command.Add(Server);
        command.Add(ClientKey);
        command.Add(Timeout);
    }

    public ServiceConnection Connect(CommandRun run)
    {
        var timeout = run.Get(Timeout);
        if (timeout is < 1 or > 3600)
        {
            throw CliFailure.Usage($"--timeout {timeout} is out of range: give 1 to 3600 seconds.");
        }

        var endpoint = _service(run).Resolve(run.Get(Server));
        run.Endpoint = endpoint;
        return new ServiceConnection(endpoint, ClientIdentity.Load(run.Get(ClientKey)), TimeSpan.FromSeconds(timeout), run.Cancellation);
    }
}

/// <summary>A gRPC channel to one service (h2c for http://), with credentials on every call and a deadline per call.</summary>
internal sealed class ServiceConnection : IDisposable
{
    private const int MaxMessageBytes = 16 * 1024 * 1024;

    private readonly TimeSpan _timeout;
    private readonly CancellationToken _cancellation;

    public ServiceConnection(ServiceEndpoint endpoint, ClientIdentity? identity, TimeSpan timeout, CancellationToken cancellation)
    {
        Endpoint = endpoint;
        _timeout = timeout;
        _cancellation = cancellation;
        var transport = endpoint.Address.Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        Channel = GrpcChannel.ForAddress(endpoint.Address, new GrpcChannelOptions
        {
            Credentials = identity is null ? transport : ChannelCredentials.Create(transport, identity.CallCredentials(endpoint.Service.Name)),
            // Ledger's services speak h2c inside a deployment; put TLS in front of them anywhere else.
            UnsafeUseInsecureChannelCallCredentials = true,
            MaxReceiveMessageSize = MaxMessageBytes,
        });
    }

    public ServiceEndpoint Endpoint { get; }

    public GrpcChannel Channel { get; }

    /// <summary>For a unary call: the deadline and Ctrl-C.</summary>
    public CallOptions Call() => new(deadline: DateTime.UtcNow + _timeout, cancellationToken: _cancellation);

    /// <summary>For a stream that runs until stopped: Ctrl-C only.</summary>
    public CallOptions Stream(CancellationToken cancellation) => new(cancellationToken: cancellation);

    public void Dispose() => Channel.Dispose();
}
