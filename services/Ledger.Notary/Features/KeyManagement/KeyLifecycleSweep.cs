using Ledger.Notary.Keys;

namespace Ledger.Notary.Features.KeyManagement;

/// <summary>
/// Notary's own clock-driven decisions: activates pending keys whose time has come, retires
/// retiring keys once nothing they signed is valid, and picks up changes other replicas made.
/// </summary>
public sealed class KeyLifecycleSweep(KeyLifecycle lifecycle, KeyRing ring, IConfiguration configuration, ILogger<KeyLifecycleSweep> logger) : BackgroundService
{
    public const string IntervalSetting = "Ledger:Notary:SweepSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(configuration.GetValue(IntervalSetting, 5.0));
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ring.RefreshAsync(stoppingToken);
                foreach (var purpose in KeyPurposes.All)
                {
                    await lifecycle.EnsureActiveAsync(purpose, stoppingToken);
                }

                if (await lifecycle.RetireExpiredAsync(stoppingToken) is > 0 and var retired)
                {
                    logger.LogInformation("Retired {Count} keys whose signatures have all expired", retired);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Key lifecycle sweep failed, retrying next tick: {Reason}", e.Message);
            }
        }
    }
}
