using Grpc.Core;
using Google.Rpc;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ClientTokens;
using Google.Protobuf.WellKnownTypes;
using RevocationsClient = Ledger.Contracts.Revocation.V1.Revocations.RevocationsClient;
using AuthorizeRekeyRequest = Ledger.Contracts.Revocation.V1.AuthorizeRekeyRequest;

namespace Ledger.Issuance.Revocations;

/// <summary>
/// Before a license gets a new key, Revocation is asked, synchronously, whether it may: a revoked
/// license never does, whatever Issuance's own copy of the revocation (learned later through
/// RabbitMQ) says yet. Revocation records the new key's expiry before answering, so a revocation
/// racing this renewal still outlives the new key in every feed. When Revocation cannot answer,
/// nothing changes: the license is not re-keyed on a guess.
/// </summary>
public sealed class RekeyClearance(RevocationsClient revocation)
{
    /// <summary>Revocation's gRPC address (env: Ledger__Revocation__Url).</summary>
    public const string UrlSetting = "Ledger:Revocation:Url";
    public const string DefaultUrl = "http://127.0.0.1:5031";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task EnsureAsync(Guid licenseId, DateTimeOffset expiresAt, int revision, CancellationToken cancellationToken)
    {
        try
        {
            await revocation.AuthorizeRekeyAsync(new AuthorizeRekeyRequest
            {
                LicenseId = licenseId.ToString(), ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt), Revision = revision,
            }, deadline: DateTime.UtcNow + Timeout, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            // Revocation's reason (LICENSE_REVOKED, ...) reaches the client as if Issuance had decided.
            throw new RuleViolation(e.Status.Detail,
                e.GetRpcStatus()?.GetDetail<ErrorInfo>() is { Domain: ErrorReasons.Domain } info ? info.Reason : ErrorReasons.RuleViolated);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw ErrorReasons.Failure(StatusCode.Unavailable, ErrorReasons.RevocationUnavailable,
                $"Revocation could not confirm that license {licenseId} is not revoked ({e.StatusCode}: {e.Status.Detail}); nothing was changed. " +
                "A license gets a new key only once Revocation says it may; retry with the same idempotency key when Revocation is reachable.",
                ErrorReasons.RetryDelay);
        }
    }
}

public static class RekeyClearanceRegistration
{
    public static WebApplicationBuilder AddRekeyClearance(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<RevocationAddress>(RevocationAddress.Section);
        builder.Services.AddCalleeClient<RevocationsClient>("revocation", services => services.Settings<RevocationAddress>().Address);
        builder.Services.AddSingleton<RekeyClearance>();
        return builder;
    }
}
