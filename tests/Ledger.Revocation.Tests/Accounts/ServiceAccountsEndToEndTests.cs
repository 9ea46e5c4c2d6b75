using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Verification;
using Npgsql;

namespace Ledger.Revocation.Tests.Accounts;

/// <summary>Notary, Issuance and Revocation, each connecting with the accounts `make run` makes for it.</summary>
public sealed class LedgerWithServiceAccounts : LedgerWithRevocation
{
    public LocalAccounts Accounts { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Accounts = await LocalAccounts.CreateAsync(await LedgerInfrastructure.GetAsync());
        await base.InitializeAsync();
    }

    protected override void ServiceSettings(string service, Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in Accounts.SettingsOf(service))
        {
            settings[key] = value;
        }
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await Accounts.DisposeAsync();
        }
    }
}

public sealed class ServiceAccountsEndToEndTests(LedgerWithServiceAccounts ledger) : IClassFixture<LedgerWithServiceAccounts>
{
    private static readonly LicenseExpectations Expected = new("ledger", "flux-operator", ["sso"]);

    [Fact]
    public async Task A_license_is_issued_learned_revoked_and_in_the_feed_with_each_service_on_its_own_accounts()
    {
        // Revocation learns the license from LicenseIssued, which Issuance's user published.
        var license = await ledger.IssueKnownLicenseAsync("cust-accounts");
        var jwks = await ledger.FetchJwksAsync();

        // Revocation's user publishes LicenseRevoked; its feed, signed by Notary, has it.
        var revoked = await ledger.RevokeAsync(license.LicenseId);
        var verdict = LicenseVerifier.Verify(license.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, await ledger.PullFeedAsync(), null);
        Assert.True(revoked.NewlyRevoked);
        Assert.Equal(VerificationStatus.Revoked, verdict.Status);

        // Issuance's user consumes LicenseRevoked from its own queue.
        await Eventually.True(async () =>
            (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = license.LicenseId })).License.Status == LicenseStatus.Revoked,
            TimeSpan.FromSeconds(60), "Issuance to record the revocation from LicenseRevoked");

        // Each service made its schema as its own role, in its own database.
        foreach (var service in new[] { "notary", "issuance", "revocation" })
        {
            var database = new NpgsqlConnectionStringBuilder(ledger.Infrastructure.PostgresAdmin) { Database = $"ledger_{ledger.Accounts.Instance}_{service}" };
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var owner = new NpgsqlCommand("select pg_get_userbyid(nspowner) from pg_namespace where nspname = @schema", connection);
            owner.Parameters.AddWithValue("schema", service);
            Assert.Equal($"ledger_{ledger.Accounts.Instance}_{service}", await owner.ExecuteScalarAsync());
        }
    }
}
