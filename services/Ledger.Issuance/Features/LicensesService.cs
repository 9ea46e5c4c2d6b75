using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Issuance.Features.ChangingCapabilities;
using Ledger.Issuance.Features.Importing;
using Ledger.Issuance.Features.Issuing;
using Ledger.Issuance.Features.Querying;
using Ledger.Issuance.Features.Receipts;
using Ledger.Issuance.Features.Renewing;
using Ledger.Idempotency;
using Ledger.Issuance.Licenses;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ClientTokens;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Issuance.Features;

/// <summary>gRPC <c>ledger.issuance.v1.Licenses</c>: validates, then hands each call to its feature.</summary>
[Authorize]
public sealed class LicensesService(
    IdempotentRequests idempotent,
    LicenseIssuer issuer,
    IssueGroupCommit issueGroups,
    LicenseRenewal renewal,
    CapabilityChange capabilityChange,
    LicenseQueries queries,
    LicenseReceipts receipts,
    LicenseImport import,
    TimeProvider clock) : Ledger.Contracts.Issuance.V1.Licenses.LicensesBase
{
    [Authorize(Roles = LedgerRoles.Issuer)]
    public override async Task<IssueLicenseResponse> IssueLicense(IssueLicenseRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var terms = TermsValidation.Validate(request.Terms, "terms", validation, clock.GetUtcNow());
        validation.ThrowIfInvalid();

        // Committed with whichever concurrent IssueLicense calls share its group (IssueGroupCommit).
        return await issueGroups.IssueAsync(request, terms!, CallerIdentity.Of(context), context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.Issuer)]
    public override async Task<IssueLicensesResponse> IssueLicenses(IssueLicensesRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        validation.Require(request.Licenses.Count is > 0 and <= LicenseLimits.MaxBatch, "licenses",
            $"1 to {LicenseLimits.MaxBatch} licenses per call; {request.Licenses.Count} given (split larger batches)");
        var now = clock.GetUtcNow();
        var terms = request.Licenses.Take(LicenseLimits.MaxBatch)
            .Select((t, i) => TermsValidation.Validate(t, $"licenses[{i}]", validation, now)).ToList();
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        return await idempotent.RunAsync("issue-batch", caller, request.IdempotencyKey, request, async session =>
        {
            var issued = await issuer.IssueAsync(session, terms.Select(t => t!).ToList(), caller, request.IdempotencyKey, context.CancellationToken);
            var response = new IssueLicensesResponse();
            response.Licenses.AddRange(issued.Select(l => l.ToProto(clock.GetUtcNow())));
            return response;
        }, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.Issuer)]
    public override async Task<LicenseResponse> RenewLicense(RenewLicenseRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var licenseId = LicenseId(validation, request.LicenseId);
        validation.Require(request.DurationDays is >= LicenseLimits.MinDurationDays and <= LicenseLimits.MaxDurationDays,
            "duration_days", $"required: {LicenseLimits.MinDurationDays} to {LicenseLimits.MaxDurationDays} days");
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        return await idempotent.RunAsync("renew", caller, request.IdempotencyKey, request, async session =>
        {
            var license = await renewal.RenewAsync(session, licenseId, request.DurationDays, caller, request.IdempotencyKey, context.CancellationToken);
            return new LicenseResponse { License = license.ToProto(clock.GetUtcNow()) };
        }, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.Issuer)]
    public override async Task<LicenseResponse> ChangeCapabilities(ChangeCapabilitiesRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var licenseId = LicenseId(validation, request.LicenseId);
        var capabilities = TermsValidation.Capabilities(validation, request.Capabilities, "capabilities");
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        return await idempotent.RunAsync("change-capabilities", caller, request.IdempotencyKey, request, async session =>
        {
            var license = await capabilityChange.ChangeAsync(session, licenseId, capabilities, caller, request.IdempotencyKey, context.CancellationToken);
            return new LicenseResponse { License = license.ToProto(clock.GetUtcNow()) };
        }, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.IssuerOrAuditor)]
    public override async Task<LicenseResponse> GetLicense(GetLicenseRequest request, ServerCallContext context)
    {
        var licenseId = RequireLicenseId(request.LicenseId);
        var license = await queries.GetAsync(licenseId, context.CancellationToken);
        var response = new LicenseResponse { License = license.ToProto(clock.GetUtcNow()) };
        if (request.IncludeReceipt)
        {
            response.ReceiptJson = await receipts.GetAsync(license, context.CancellationToken);
        }

        return response;
    }

    [Authorize(Roles = LedgerRoles.IssuerOrAuditor)]
    public override Task<ListLicensesResponse> ListLicenses(ListLicensesRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        validation.Require(!string.IsNullOrWhiteSpace(request.CustomerId), "customer_id", "required: the vendor's customer id");
        validation.Require(request.PageSize is >= 0 and <= LicenseQueries.MaxPageSize, "page_size",
            $"1 to {LicenseQueries.MaxPageSize}, or 0 for the default of {LicenseQueries.DefaultPageSize}");
        validation.ThrowIfInvalid();
        return queries.ListAsync(request.CustomerId.Trim(), request.PageSize, request.PageToken, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.IssuerOrAuditor)]
    public override Task<GetLicenseHistoryResponse> GetLicenseHistory(GetLicenseHistoryRequest request, ServerCallContext context) =>
        queries.HistoryAsync(RequireLicenseId(request.LicenseId), context.CancellationToken);

    [Authorize(Roles = LedgerRoles.IssuerOrAuditor)]
    public override Task<CountLicensesResponse> CountLicenses(CountLicensesRequest request, ServerCallContext context) =>
        queries.CountAsync(request.CustomerId.Trim(), context.CancellationToken);

    /// <summary>Issuer role: recording a vendor's existing license keys is part of issuing, and signs nothing.</summary>
    [Authorize(Roles = LedgerRoles.Issuer)]
    public override async Task<ImportLicensesResponse> ImportLicenses(ImportLicensesRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        validation.Require(request.LicenseKeys.Count is > 0 and <= LicenseImport.MaxKeys, "license_keys",
            $"1 to {LicenseImport.MaxKeys} license keys per call; {request.LicenseKeys.Count} given (split larger imports)");
        validation.Require(request.CustomerId.Length <= LicenseLimits.MaxTextLength && !request.CustomerId.Any(char.IsControl), "customer_id",
            $"at most {LicenseLimits.MaxTextLength} characters, no control characters");
        validation.Require(request.CustomerName.Length <= LicenseLimits.MaxTextLength && !request.CustomerName.Any(char.IsControl), "customer_name",
            $"at most {LicenseLimits.MaxTextLength} characters, no control characters");
        validation.Require(request.Product.Length == 0 || LicenseLimits.IsIdentifier(request.Product, LicenseLimits.MaxCapabilityLength), "product",
            "1-64 characters of a-z, 0-9, ':', '.', '_', '-', or empty (then the key's product claim or audience)");
        validation.ThrowIfInvalid();

        static string? Given(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        var outcomes = await import.ImportAsync(request.LicenseKeys, new ImportedLicenseKey.Customer(Given(request.CustomerId), Given(request.CustomerName), Given(request.Product)),
            CallerIdentity.Of(context), context.CancellationToken);
        var now = clock.GetUtcNow();
        var response = new ImportLicensesResponse();
        response.Licenses.AddRange(outcomes.Select(o => new ImportedLicense { License = o.License.ToProto(now), Imported = o.NewlyImported }));
        return response;
    }

    private static Guid LicenseId(RequestValidation validation, string value)
    {
        var valid = Crypto.UuidV7.TryParse(value, out var id);
        validation.Require(valid, "license_id", "required: a license id (UUIDv7, as returned when the license was issued)");
        return id;
    }

    private static Guid RequireLicenseId(string value)
    {
        var validation = new RequestValidation();
        var id = LicenseId(validation, value);
        validation.ThrowIfInvalid();
        return id;
    }
}
