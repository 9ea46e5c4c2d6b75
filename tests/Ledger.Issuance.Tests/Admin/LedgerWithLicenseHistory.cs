using Ledger.Contracts.Admin.V1;
using Ledger.Contracts.Issuance.V1;
using Ledger.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;

namespace Ledger.Issuance.Tests.Admin;

/// <summary>Issuance with licenses that went through every license event: issued, renewed, capabilities changed, revoked.</summary>
public sealed class LedgerWithLicenseHistory : LedgerWithIssuance
{
    public AdminClient Admin { get; private set; } = null!;

    public List<string> LicenseIds { get; } = [];

    public string RevokedLicenseId { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Admin = new AdminClient(Issuance.CreateChannel());
        for (var i = 0; i < 12; i++)
        {
            LicenseIds.Add((await IssueAsync(Terms($"cust-{i % 3}", 30 + i))).LicenseId);
        }

        for (var i = 0; i < 4; i++)
        {
            await Licenses.RenewLicenseAsync(new RenewLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = LicenseIds[i], DurationDays = 90 });
            await Licenses.ChangeCapabilitiesAsync(new ChangeCapabilitiesRequest
            {
                IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = LicenseIds[i + 4], Capabilities = { "sso", "airgap" },
            });
        }

        RevokedLicenseId = LicenseIds[^1];
        var bus = Issuance.Services.GetRequiredService<IBus>();
        await bus.Publish(new Ledger.IntegrationEvents.V1.LicenseRevoked(Guid.Parse(RevokedLicenseId), "ledger", "keyCompromise", DateTimeOffset.UtcNow, 1));
        await Eventually.True(async () =>
            (await Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = RevokedLicenseId })).License.Status == LicenseStatus.Revoked,
            TimeSpan.FromSeconds(60), "the revocation to be recorded");
    }

    public async Task<List<ExportEventsResponse>> ExportAsync(AdminClient? client = null, int pageSize = 0)
    {
        using var call = (client ?? Admin).ExportEvents(new ExportEventsRequest { PageSize = pageSize });
        var records = new List<ExportEventsResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            records.Add(call.ResponseStream.Current);
        }

        return records;
    }
}
