using Ledger.Notary.Custody;
using Ledger.Notary.Keys;

namespace Ledger.Notary.Features.KeyManagement;

/// <summary>
/// On start: refuses to run with a root key that does not open the stored keys, and gives
/// every ring an active key, so nothing has to be done by hand on a fresh install.
/// </summary>
public sealed class KeyRingBootstrap(IKeyCustody custody, KeyLifecycle lifecycle, KeyRing ring, Signing.RevocationLogHead revocationLog, ILogger<KeyRingBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!revocationLog.IsConfigured)
        {
            logger.LogWarning("{Setting} is not set: Notary signs feeds without checking their version against the revocation log. Set it to Revocation's HTTP address.", Signing.RevocationLogHead.UrlSetting);
        }

        await custody.VerifyRootKeyAsync(cancellationToken);
        foreach (var purpose in KeyPurposes.All)
        {
            if (await lifecycle.EnsureActiveAsync(purpose, cancellationToken) is { } rotation)
            {
                logger.LogInformation("The {Purpose} ring's active key is now {Kid}", purpose.Name(), rotation.NewKey.Id);
            }
        }

        await ring.RefreshAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
