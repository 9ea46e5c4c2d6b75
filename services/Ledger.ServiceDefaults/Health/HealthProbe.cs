namespace Ledger.ServiceDefaults.Health;

/// <summary>
/// `Ledger.X.dll --health-probe URL`: exits 0 when URL answers 2xx. Container images have no
/// curl, so their HEALTHCHECK calls the service's own binary.
/// </summary>
public static class HealthProbe
{
    public static int? TryRun(string[] args)
    {
        if (args is not ["--health-probe", var url])
        {
            return null;
        }

        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            using var response = http.GetAsync(new Uri(url)).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            Console.Error.WriteLine($"health probe of {url} failed: {e.Message}");
            return 1;
        }
    }
}
