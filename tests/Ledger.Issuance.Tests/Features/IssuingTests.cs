using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Crypto;

namespace Ledger.Issuance.Tests.Features;

public sealed class IssuingTests(LedgerWithIssuance ledger) : IClassFixture<LedgerWithIssuance>
{
    [Fact]
    public async Task an_issued_license_key_verifies_with_notarys_jwks_and_carries_the_claims()
    {
        var license = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-claims", 30, "sso", "audit-log"));

        var verification = Jws.Verify(license.LicenseKey, await ledger.FetchJwksAsync());

        Assert.True(verification.IsValid, verification.Failure.ToString());
        Assert.Equal(license.Kid, verification.Kid);
        Assert.Equal("license+jwt", verification.Header!.Value.GetProperty("typ").GetString());
        using var claims = JsonDocument.Parse(verification.Payload);
        var root = claims.RootElement;
        Assert.Equal(license.LicenseId, root.GetProperty("jti").GetString());
        Assert.True(UuidV7.IsVersion7(Guid.Parse(license.LicenseId)));
        Assert.Equal("ledger", root.GetProperty("iss").GetString());
        Assert.Equal("flux-operator", root.GetProperty("aud").GetString());
        Assert.Equal(["audit-log", "sso"], root.GetProperty("caps").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(license.ExpiresAt.ToDateTimeOffset().ToUnixTimeSeconds(), root.GetProperty("exp").GetInt64());
        Assert.Equal(license.ValidFrom.ToDateTimeOffset().ToUnixTimeSeconds(), root.GetProperty("nbf").GetInt64());
        Assert.Equal(1, root.GetProperty("rev").GetInt32());
        // The token names the customer by pseudonym only.
        var sub = root.GetProperty("sub").GetString()!;
        Assert.StartsWith("cus_", sub);
        Assert.Equal(license.Subject, sub);
        var payload = System.Text.Encoding.UTF8.GetString(verification.Payload!);
        Assert.DoesNotContain("Example Corp", payload);
        Assert.DoesNotContain("cust-claims", payload);
        Assert.DoesNotContain("ops@example.com", payload);
    }

    [Fact]
    public async Task the_same_customer_keeps_one_pseudonym()
    {
        var first = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-pseudonym"));
        var second = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-pseudonym"));
        var other = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-pseudonym-other"));

        Assert.Equal(first.Subject, second.Subject);
        Assert.NotEqual(first.Subject, other.Subject);
    }

    [Fact]
    public async Task a_batch_issues_every_license_or_none()
    {
        var request = new IssueLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString() };
        request.Licenses.Add(LedgerWithIssuance.Terms("cust-batch-1"));
        request.Licenses.Add(LedgerWithIssuance.Terms("cust-batch-2"));
        request.Licenses.Add(LedgerWithIssuance.Terms("cust-batch-3"));

        var issued = await ledger.Licenses.IssueLicensesAsync(request);
        var jwks = await ledger.FetchJwksAsync();

        Assert.Equal(3, issued.Licenses.Select(l => l.LicenseId).Distinct().Count());
        Assert.All(issued.Licenses, l => Assert.True(Jws.Verify(l.LicenseKey, jwks).IsValid));
        Assert.Equal(["cust-batch-1", "cust-batch-2", "cust-batch-3"], issued.Licenses.Select(l => l.CustomerId));

        var invalid = new IssueLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString() };
        invalid.Licenses.Add(LedgerWithIssuance.Terms("cust-batch-4"));
        invalid.Licenses.Add(LedgerWithIssuance.Terms("", 30));
        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.IssueLicensesAsync(invalid).ResponseAsync);
        Assert.Equal("licenses[1].customer_id", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
        var listed = await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = "cust-batch-4" });
        Assert.Empty(listed.Licenses);
    }

    [Fact]
    public async Task a_batch_over_100_is_refused_naming_the_limit()
    {
        var request = new IssueLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString() };
        request.Licenses.AddRange(Enumerable.Range(0, 101).Select(i => LedgerWithIssuance.Terms($"cust-big-{i}")));

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.IssueLicensesAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations, v => v.Field == "licenses" && v.Description.Contains("100"));
    }

    public static TheoryData<string, string> InvalidTerms => new()
    {
        { "empty customer", "terms.customer_id" },
        { "empty customer name", "terms.customer_name" },
        { "zero duration", "terms.duration_days" },
        { "duration over ten years", "terms.duration_days" },
        { "too many capabilities", "terms.capabilities" },
        { "malformed capability", "terms.capabilities[0]" },
        { "duplicate capability", "terms.capabilities" },
        { "expiry before start", "terms.expires_at" },
        { "both duration and expiry", "terms.duration_days" },
        { "malformed product", "terms.product" },
        { "empty audience", "terms.audience" },
        { "missing idempotency key", "idempotency_key" },
        { "start too far ahead", "terms.valid_from" },
        { "start at the end of time", "terms.valid_from" },
        { "start no timestamp can hold", "terms.valid_from" },
        { "expiry no timestamp can hold", "terms.expires_at" },
        { "expiry with negative nanos", "terms.expires_at" },
    };

    [Theory]
    [MemberData(nameof(InvalidTerms))]
    public async Task invalid_terms_are_refused_naming_the_field_and_record_nothing(string @case, string field)
    {
        var customer = $"cust-invalid-{Guid.NewGuid():N}";
        var terms = LedgerWithIssuance.Terms(customer);
        var key = Guid.NewGuid().ToString();
        var now = DateTimeOffset.UtcNow;
        switch (@case)
        {
            case "empty customer": terms.CustomerId = " "; break;
            case "empty customer name": terms.CustomerName = ""; break;
            case "zero duration": terms.DurationDays = 0; break;
            case "duration over ten years": terms.DurationDays = 3651; break;
            case "too many capabilities": terms.Capabilities.Clear(); terms.Capabilities.AddRange(Enumerable.Range(0, 65).Select(i => $"cap-{i}")); break;
            case "malformed capability": terms.Capabilities.Clear(); terms.Capabilities.Add("SSO!"); break;
            case "duplicate capability": terms.Capabilities.Clear(); terms.Capabilities.Add("sso"); terms.Capabilities.Add("sso"); break;
            case "expiry before start": terms.DurationDays = 0; terms.ValidFrom = LedgerWithIssuance.At(now.AddDays(10)); terms.ExpiresAt = LedgerWithIssuance.At(now.AddDays(5)); break;
            case "both duration and expiry": terms.ExpiresAt = LedgerWithIssuance.At(now.AddDays(5)); break;
            case "malformed product": terms.Product = "Flux Enterprise"; break;
            case "empty audience": terms.Audience = ""; break;
            case "missing idempotency key": key = ""; break;
            case "start too far ahead": terms.ValidFrom = LedgerWithIssuance.At(now.AddDays(400)); break;
            case "start at the end of time": terms.ValidFrom = LedgerWithIssuance.At(DateTimeOffset.MaxValue.AddSeconds(-1)); break;
            case "start no timestamp can hold": terms.ValidFrom = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 253_402_300_800 }; break;
            case "expiry no timestamp can hold": terms.DurationDays = 0; terms.ExpiresAt = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = -62_135_596_801 }; break;
            case "expiry with negative nanos": terms.DurationDays = 0; terms.ExpiresAt = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = now.AddDays(30).ToUnixTimeSeconds(), Nanos = -1 }; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = key, Terms = terms }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations, v => v.Field == field);
        Assert.Contains(field, error.Status.Detail);
        if (terms.CustomerId == customer)
        {
            Assert.Empty((await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = customer })).Licenses);
        }
    }
}
