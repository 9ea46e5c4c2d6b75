namespace Ledger.Notary.Features.SignatureLog;

/// <summary>
/// Signs a new checkpoint whenever the log has grown, every Ledger:Notary:CheckpointSeconds (default 10,
/// at most 60): a verifier fetching the checkpoint sees every signature made more than that long ago.
/// </summary>
public sealed class CheckpointPublisher(SignatureLog log, IConfiguration configuration, ILogger<CheckpointPublisher> logger) : BackgroundService
{
    public const string IntervalSetting = "Ledger:Notary:CheckpointSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Clamp(configuration.GetValue(IntervalSetting, 10.0), 0.2, 60));
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
