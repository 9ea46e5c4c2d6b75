using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Ledger.ClientTokens;

/// <summary>
/// Refuses a client token whose jti was already accepted, by this replica or any other, before
/// or after a restart. The shared <see cref="IAcceptedTokenIds"/> decides; a replica's own memory
/// of what it accepted or refused only answers a replay it has already seen without a round trip.
/// </summary>
public sealed class ReplayGuard(IAcceptedTokenIds shared, TimeProvider clock)
{
    public const string ReplayRefusal = "the token was already used (replay); mint a new token for every call";

    private const string PendingJtiClaim = "ledger:replay-jti";
    private const string PendingUntilClaim = "ledger:replay-until";

    private readonly ConcurrentDictionary<(string Client, string Jti), DateTimeOffset> _seen = new();
    private long _calls;

    /// <summary>True the first time (client, jti) is used anywhere in the deployment while the token lives; false for a replay.</summary>
    public async Task<bool> TryUseAsync(string client, string jti, DateTimeOffset forgetAfter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) % 1024 == 0)
        {
            foreach (var (key, until) in _seen)
            {
                if (until < now)
                {
                    _seen.TryRemove(key, out _);
                }
            }
        }

        if (_seen.ContainsKey((client, jti)))
        {
            return false;
        }

        var first = await shared.TryRecordAsync(client, jti, forgetAfter, cancellationToken);
        _seen.TryAdd((client, jti), forgetAfter);
        return first;
    }

    /// <summary>
    /// Uses the token of an authenticated gRPC call whose replay check was left to the gRPC pipeline
    /// (<see cref="MarkPending"/>): true when it was not pending or is used for the first time.
    /// </summary>
    public async Task<bool> UsePendingAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (user.Identity is not ClaimsIdentity { AuthenticationType: ClientTokenAuthentication.SchemeName } identity
            || identity.FindFirst(PendingJtiClaim)?.Value is not { } jti
            || identity.FindFirst(PendingUntilClaim)?.Value is not { } until
            || identity.Name is not { } client)
        {
            return true;
        }

        var forgetAfter = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(until, CultureInfo.InvariantCulture));
        return await TryUseAsync(client, jti, forgetAfter, clock.GetUtcNow(), cancellationToken);
    }

    /// <summary>Whether <paramref name="user"/> came with a client token whose replay check is still to be done.</summary>
    public static bool IsPending(ClaimsPrincipal user) =>
        user.Identity is ClaimsIdentity { AuthenticationType: ClientTokenAuthentication.SchemeName } identity && identity.HasClaim(c => c.Type == PendingJtiClaim);

    internal static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    internal static void MarkPending(ClaimsIdentity identity, string jti, DateTimeOffset forgetAfter)
    {
        identity.AddClaim(new Claim(PendingJtiClaim, jti));
        identity.AddClaim(new Claim(PendingUntilClaim, forgetAfter.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
    }
}

/// <summary>
/// The deployment-wide record of accepted client-token ids, kept until the tokens expire. Every
/// replica of a service records into the same one (the service's database), so a token is
/// accepted once in all.
/// </summary>
public interface IAcceptedTokenIds
{
    /// <summary>
    /// Records (client, jti) until <paramref name="forgetAfter"/> in one atomic step; false when it
    /// was already recorded (a replay). Throws when the record cannot be reached: no token is accepted unchecked.
    /// </summary>
    Task<bool> TryRecordAsync(string client, string jti, DateTimeOffset forgetAfter, CancellationToken cancellationToken);
}
