using LicensesClient = Ledger.Contracts.Issuance.V1.Licenses.LicensesClient;
using Google.Protobuf.WellKnownTypes;
using Ledger.Contracts.Issuance.V1;
using Ledger.Testing;

namespace Ledger.Issuance.Tests;

/// <summary>Notary and Issuance running on one test class's database and virtual host.</summary>
public class LedgerWithIssuance : LedgerServices
{
    public ServiceHost<Program> Issuance { get; private set; } = null!;

    public LicensesClient Licenses { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Issuance = Start<Program>();
        Licenses = new LicensesClient(Issuance.CreateChannel());
    }

    public static LicenseTerms Terms(string customer = "cust-1001", int days = 365, params string[] capabilities) => new()
    {
        CustomerId = customer,
        CustomerName = "Example Corp",
        CustomerContact = "ops@example.com",
        Product = "flux-enterprise",
        Edition = "standard",
        Audience = "flux-operator",
        DurationDays = days,
        Capabilities = { capabilities.Length == 0 ? ["sso", "fips"] : capabilities },
    };

    public async Task<License> IssueAsync(LicenseTerms? terms = null) =>
        (await Licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), Terms = terms ?? Terms() })).License;

    public static Timestamp At(DateTimeOffset at) => Timestamp.FromDateTimeOffset(at);
}
