using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ledger.ServiceDefaults.Tests.Hosting;

/// <summary>One issuer for everything the ledger signs: a service whose issuer differs from Notary's stops.</summary>
public sealed class IssuerAgreementTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    [Fact]
    public async Task A_service_whose_issuer_differs_from_notarys_stops_naming_the_setting()
    {
        var revocation = ledger.Create<Ledger.Revocation.Program>(new Dictionary<string, string?> { ["Ledger:Issuance:Issuer"] = "https://other.example" });
        try
        {
            _ = revocation.Server;
        }
        catch (ObjectDisposedException)
        {
            // The service compared issuers and stopped before the test server had finished starting it.
        }

        await Eventually.True(() => Task.FromResult(revocation.Logs.All.Contains("Application is shutting down", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "revocation to stop");
        Assert.Contains(
            "cannot start: setting Ledger:Issuance:Issuer is 'https://other.example' in revocation but 'ledger' in Notary",
            revocation.Logs.All);
    }

    [Fact]
    public async Task A_service_whose_issuer_agrees_keeps_running()
    {
        var issuance = ledger.Start<Ledger.Issuance.Program>();

        await Eventually.True(() => Task.FromResult(issuance.Logs.All.Contains("Issuer ledger agrees with Notary's", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "issuance to compare its issuer");
        Assert.False(issuance.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }
}
