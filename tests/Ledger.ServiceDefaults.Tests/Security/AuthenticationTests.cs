using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Testing;
using LicensesClient = Ledger.Contracts.Issuance.V1.Licenses.LicensesClient;
using SigningClient = Ledger.Contracts.Notary.V1.Signing.SigningClient;

namespace Ledger.ServiceDefaults.Tests.Security;

/// <summary>Notary and Issuance with real client keys: who may call what, and what a refused call leaves behind (nothing).</summary>
public sealed class AuthenticationTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    private ServiceHost<Ledger.Issuance.Program>? _issuance;

    private ServiceHost<Ledger.Issuance.Program> Issuance => _issuance ??= ledger.Start<Ledger.Issuance.Program>();

    private LicensesClient LicensesAs(Func<string>? token) => new(Issuance.CreateChannel(token));

    [Fact]
    public async Task a_call_without_a_token_is_unauthenticated_and_changes_nothing()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Issue(LicensesAs(null), "cust-anonymous"));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        await AssertNoLicenses("cust-anonymous");
    }

    [Fact]
    public async Task a_client_without_the_role_is_permission_denied_and_changes_nothing()
    {
        var auditor = LicensesAs(() => ledger.Clients.Mint(TestClients.Auditor, "issuance"));

        var error = await Assert.ThrowsAsync<RpcException>(() => Issue(auditor, "cust-auditor"));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        await AssertNoLicenses("cust-auditor");
    }

    [Fact]
    public async Task an_auditor_reads_what_an_issuer_wrote()
    {
        var issued = await Issue(LicensesAs(Issuance.Token), "cust-audited");
        var auditor = LicensesAs(() => ledger.Clients.Mint(TestClients.Auditor, "issuance"));

        var history = await auditor.GetLicenseHistoryAsync(new GetLicenseHistoryRequest { LicenseId = issued.License.LicenseId });

        Assert.Equal(TestClients.Admin, Assert.Single(history.Entries).RequestedBy);
    }

    public static TheoryData<string> RefusedTokens => ["expired", "other audience", "unregistered client", "tampered", "alg none", "too long-lived", "garbage"];

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task refused_tokens_are_unauthenticated_and_never_logged(string @case)
    {
        var now = DateTimeOffset.UtcNow;
        var token = @case switch
        {
            "expired" => ledger.Clients.Mint(TestClients.Admin, "issuance", now.AddMinutes(-10)),
            "other audience" => ledger.Clients.Mint(TestClients.Admin, "notary"),
            "unregistered client" => ledger.Clients.Mint(TestClients.Stranger, "issuance"),
            "tampered" => Tamper(ledger.Clients.Mint(TestClients.Auditor, "issuance")),
            "alg none" => AlgNone(ledger.Clients.Mint(TestClients.Admin, "issuance")),
            "too long-lived" => ledger.Clients.Mint(TestClients.Admin, "issuance", lifetime: TimeSpan.FromHours(1)),
            _ => "not-a-token",
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => Issue(LicensesAs(() => token), $"cust-refused-{@case}"));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.DoesNotContain(token.Split('.').MaxBy(part => part.Length)!, Issuance.Logs.All);
        await AssertNoLicenses($"cust-refused-{@case}");
    }

    [Fact]
    public async Task a_replayed_token_is_refused()
    {
        var token = ledger.Clients.Mint(TestClients.Admin, "issuance");
        var client = LicensesAs(() => token);

        await client.CountLicensesAsync(new CountLicensesRequest());
        var error = await Assert.ThrowsAsync<RpcException>(() => client.CountLicensesAsync(new CountLicensesRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task issuances_own_key_cannot_sign_feeds_at_notary()
    {
        var asIssuance = new SigningClient(ledger.Notary.CreateChannel(() => ledger.Clients.Mint("issuance", "notary")));

        var feed = await Assert.ThrowsAsync<RpcException>(() => asIssuance.SignAsync(SignRequests.Feed()).ResponseAsync);
        var license = await asIssuance.SignAsync(SignRequests.License());

        Assert.Equal(StatusCode.PermissionDenied, feed.StatusCode);
        Assert.Contains("'feed-signer' role", feed.Status.Detail);
        Assert.NotEmpty(license.Jws);
    }

    [Fact]
    public async Task health_needs_no_token()
    {
        var health = new global::Grpc.Health.V1.Health.HealthClient(Issuance.CreateChannel(token: null));

        var reply = await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());

        Assert.NotEqual(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Unknown, reply.Status);
    }

    private static Task<IssueLicenseResponse> Issue(LicensesClient client, string customer) =>
        client.IssueLicenseAsync(new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new LicenseTerms { CustomerId = customer, CustomerName = "Example", Product = "p", Audience = "a", DurationDays = 30 },
        }).ResponseAsync;

    private async Task AssertNoLicenses(string customer)
    {
        var admin = LicensesAs(Issuance.Token);
        Assert.Empty((await admin.ListLicensesAsync(new ListLicensesRequest { CustomerId = customer })).Licenses);
    }

    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var claims = Encoding.UTF8.GetString(Base64Url.Decode(parts[1])).Replace("\"auditor\"", "\"admin\"");
        return $"{parts[0]}.{Base64Url.Encode(Encoding.UTF8.GetBytes(claims))}.{parts[2]}";
    }

    private static string AlgNone(string token)
    {
        var parts = token.Split('.');
        var header = Encoding.UTF8.GetString(Base64Url.Decode(parts[0])).Replace("\"EdDSA\"", "\"none\"");
        return $"{Base64Url.Encode(Encoding.UTF8.GetBytes(header))}.{parts[1]}.";
    }
}
