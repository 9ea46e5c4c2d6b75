using System.Collections.Concurrent;

namespace Ledger.ClientTokens;

/// <summary>
/// Refuses a client token whose jti was already accepted, by this replica or any other, before
/// or after a restart. The shared <see cref="IAcceptedTokenIds"/> decides; a replica's own memory
/// of what it accepted or refused only answers a replay it has already seen without a round trip.
/// </summary>
public sealed class ReplayGuard(IAcceptedTokenIds shared)
{
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
