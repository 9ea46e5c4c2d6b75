using Ledger.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;
using Ledger.Notary.Keys;

namespace Ledger.Notary.Features.KeyManagement;

/// <summary>
/// Notary's own clock-driven decisions: activates pending keys whose time has come, retires
/// retiring keys once nothing they signed is valid, and picks up changes other replicas made.
/// </summary>
public sealed class KeyLifecycleSweep(KeyLifecycle lifecycle, KeyRing ring, IOptions<KeyLifecycleSweep.Settings> settings, ILogger<KeyLifecycleSweep> logger) : BackgroundService
{
    public const string IntervalSetting = "Ledger:Notary:SweepSeconds";

    /// <summary>The sweep's interval, as bound from Ledger:Notary, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        public double SweepSeconds { get; set; } = 5;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!(SweepSeconds is >= 0.1 and <= 3600))
            {
                yield return ("SweepSeconds", $"must be from 0.1 to 3600 seconds (was {SweepSeconds})");
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(settings.Value.SweepSeconds);
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
