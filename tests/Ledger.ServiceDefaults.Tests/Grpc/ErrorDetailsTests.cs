using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Grpc;
using Ledger.NotaryClient;
using Ledger.ClientTokens;
using Ledger.Testing;
using Npgsql;

namespace Ledger.ServiceDefaults.Tests.Grpc;

/// <summary>
/// The error details docs/API.md promises, through the real services: google.rpc.Status in the
/// grpc-status-details-bin trailer, BadRequest field paths, ErrorInfo reasons, RetryInfo on Unavailable.
/// </summary>
public sealed class ErrorDetailsTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    private Licenses.LicensesClient IssuanceLicenses => new(ledger.Start<Ledger.Issuance.Program>().CreateChannel());

    [Fact]
    public async Task invalid_fields_are_bad_request_violations_named_by_their_path_from_the_request()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => IssuanceLicenses.IssueLicenseAsync(new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new LicenseTerms { CustomerName = "Acme Corp", Product = "flux-enterprise", Audience = "acme-app", DurationDays = 30 },
        }).ResponseAsync);

        var status = error.GetRpcStatus()!;
        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        var violation = Assert.Single(Assert.Single(status.Details, d => d.Is(BadRequest.Descriptor)).Unpack<BadRequest>().FieldViolations);
        Assert.Equal("terms.customer_id", violation.Field);
        Assert.Contains("terms.customer_id", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unknown_license_is_not_found_with_reason_license_not_found()
    {
        var id = UuidV7.NewId().ToString();

        var error = await Assert.ThrowsAsync<RpcException>(() => IssuanceLicenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = id }).ResponseAsync);

        AssertReason(error, StatusCode.NotFound, ErrorReasons.LicenseNotFound);
        Assert.Contains(id, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task revoking_a_license_revocation_has_not_learned_is_not_found_with_reason_license_unknown()
    {
        var revocations = new Revocations.RevocationsClient(ledger.Start<Ledger.Revocation.Program>().CreateChannel());

        var error = await Assert.ThrowsAsync<RpcException>(() => revocations.RevokeAsync(new RevokeRequest { LicenseId = UuidV7.NewId().ToString() }).ResponseAsync);

        AssertReason(error, StatusCode.NotFound, ErrorReasons.LicenseUnknown);
    }

    [Fact]
    public async Task a_reused_idempotency_key_is_failed_precondition_with_its_reason()
    {
        var licenses = IssuanceLicenses;
        var key = Guid.NewGuid().ToString();
        await licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = key, Terms = Terms("cust-reason", 30) });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = key, Terms = Terms("cust-reason", 31) }).ResponseAsync);

        AssertReason(error, StatusCode.FailedPrecondition, ErrorReasons.IdempotencyKeyReused);
        Assert.Null(RetryDelay(error));
    }

    [Fact]
    public async Task issuing_while_notary_is_unreachable_is_unavailable_with_reason_and_retry_info()
    {
        await using var issuance = StartIssuance(new() { [NotaryClients.UrlSetting] = $"http://127.0.0.1:{ClosedPort()}" });
        var licenses = new Licenses.LicensesClient(issuance.CreateChannel());

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), Terms = Terms("cust-no-notary", 30) }).ResponseAsync);

        AssertReason(error, StatusCode.Unavailable, ErrorReasons.NotaryUnavailable);
        Assert.Equal(ErrorReasons.RetryDelay, RetryDelay(error));
    }

    [Fact]
    public async Task a_call_while_the_database_is_unreachable_is_unavailable_with_reason_and_retry_info()
    {
        var database = new NpgsqlConnectionStringBuilder(ledger.Database.ConnectionString);
        await using var proxy = new TcpProxy(database.Host!, database.Port);
        database.Port = proxy.Port;
        database.Pooling = false;
        await using var issuance = StartIssuance(new() { ["ConnectionStrings:Ledger"] = database.ConnectionString });
        var licenses = new Licenses.LicensesClient(issuance.CreateChannel());
        await licenses.CountLicensesAsync(new CountLicensesRequest());

        proxy.Cut();
        var error = await Assert.ThrowsAsync<RpcException>(() => licenses.CountLicensesAsync(new CountLicensesRequest()).ResponseAsync);

        proxy.Restore();

        AssertReason(error, StatusCode.Unavailable, ErrorReasons.DatabaseUnavailable);
        Assert.Equal(ErrorReasons.RetryDelay, RetryDelay(error));
    }

    private static void AssertReason(RpcException error, StatusCode code, string reason)
    {
        Assert.Equal(code, error.StatusCode);
        var status = error.GetRpcStatus();
        Assert.NotNull(status);
        Assert.Equal((int)code, status.Code);
        Assert.Equal(error.Status.Detail, status.Message);
        var info = Assert.Single(status.Details, d => d.Is(ErrorInfo.Descriptor)).Unpack<ErrorInfo>();
        Assert.Equal((reason, ErrorReasons.Domain), (info.Reason, info.Domain));
    }

    private static TimeSpan? RetryDelay(RpcException error) =>
        error.GetRpcStatus()!.Details.SingleOrDefault(d => d.Is(RetryInfo.Descriptor))?.Unpack<RetryInfo>().RetryDelay.ToTimeSpan();

    /// <summary>An Issuance of its own, so the test can point it at a dead Notary or a cuttable database.</summary>
    private ServiceHost<Ledger.Issuance.Program> StartIssuance(Dictionary<string, string?> overrides)
    {
        var settings = ledger.Settings;
        settings[NotaryClients.UrlSetting] = ledger.Notary.Server.BaseAddress.ToString();
        settings[OutgoingClientTokens.KeyFileSetting] = ledger.Clients.KeyFile("issuance");
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var host = new ServiceHost<Ledger.Issuance.Program>(settings) { Token = () => ledger.Clients.Mint(TestClients.Admin, "issuance") };
        _ = host.Server;
        return host;
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static LicenseTerms Terms(string customer, int days) => new()
    {
        CustomerId = customer,
        CustomerName = "Example Corp",
        Product = "flux-enterprise",
        Audience = "flux-operator",
        DurationDays = days,
        Capabilities = { "sso" },
    };
}
