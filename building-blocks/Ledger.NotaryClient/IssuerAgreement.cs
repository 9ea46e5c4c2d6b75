using Grpc.Core;
using Ledger.ClientTokens;
using Ledger.ServiceDefaults.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using KeysClient = Ledger.Contracts.Notary.V1.Keys.KeysClient;

namespace Ledger.NotaryClient;

/// <summary>
/// At start, asks Notary for its issuer name and stops this service (exit code 1) when it differs
/// from this service's <c>Ledger:Issuance:Issuer</c>: license keys, feeds and attestations must carry
/// one issuer, or feeds silently stop covering licenses. Until Notary answers it keeps asking; the
/// service runs meanwhile, since nothing can be signed without Notary anyway.
/// </summary>
public sealed class IssuerAgreement(
    KeysClient notary, LedgerIssuer issuer, LedgerServiceIdentity service, IHostApplicationLifetime lifetime, ILogger<IssuerAgreement> logger)
    : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            string notaryIssuer;
            try
            {
                notaryIssuer = (await notary.GetJwksAsync(new(), cancellationToken: stoppingToken)).Issuer;
            }
            catch (RpcException) when (stoppingToken.IsCancellationRequested)
            {
                // The service is stopping and cancelled the call with it: nothing failed.
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (attempt % 15 == 1)
                {
                    logger.LogInformation("Cannot yet compare the issuer with Notary's ({Reason}); retrying", e.Message);
                }

                await Task.Delay(Retry, stoppingToken);
                continue;
            }

            if (notaryIssuer == issuer.Name)
            {
                logger.LogInformation("Issuer {Issuer} agrees with Notary's", issuer.Name);
                return;
            }

            var reason = $"setting {LedgerIssuer.Setting} is '{issuer.Name}' in {service.Name} but '{notaryIssuer}' in Notary; " +
                         "every service must sign with one issuer. Set it to the same value everywhere.";
            logger.LogCritical("{Service}: cannot start: {Reason}", service.Name, reason);
            await Console.Error.WriteLineAsync($"{service.Name}: cannot start: {reason}");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return;
        }
    }
}
