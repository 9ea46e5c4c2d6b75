using Ledger.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace Ledger.Notary.Features.SignatureLog;

/// <summary>
/// Signs a new checkpoint whenever the log has grown, every Ledger:Notary:CheckpointSeconds (default 10,
/// from 0.2 to 60): a verifier fetching the checkpoint sees every signature made more than that long ago.
/// </summary>
public sealed class CheckpointPublisher(SignatureLog log, IOptions<CheckpointPublisher.Settings> settings, ILogger<CheckpointPublisher> logger) : BackgroundService
{
    public const string IntervalSetting = "Ledger:Notary:CheckpointSeconds";

    /// <summary>The checkpoints' interval, as bound from Ledger:Notary, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        public double CheckpointSeconds { get; set; } = 10;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!(CheckpointSeconds is >= 0.2 and <= 60))
            {
                yield return ("CheckpointSeconds", $"must be from 0.2 to 60 seconds (was {CheckpointSeconds})");
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(settings.Value.CheckpointSeconds);
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await log.CheckpointAsync(null, refreshIfGrown: true, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Signing a signature log checkpoint failed, retrying next tick: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
