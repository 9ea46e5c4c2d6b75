using System.Security.Claims;
using System.Text.Encodings.Web;
using Ledger.Crypto;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ledger.ClientTokens;

/// <summary>
/// Authenticates <c>authorization: Bearer &lt;client token&gt;</c>: signature by a registered
/// client key, type, issuer = the key's client, audience = this service, lifetime at most ten
/// minutes with 30 s leeway, and each jti used once while the token lives, on any replica
/// (<see cref="ReplayGuard"/>). Failures are logged
/// with the reason and never the token.
/// </summary>
public sealed class ClientTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ClientRegistry registry,
    ReplayGuard replays,
    LedgerServiceIdentity service,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "LedgerClientToken";
    private static readonly TimeSpan Leeway = TimeSpan.FromSeconds(30);
    private static readonly JwsVerifyOptions TokenRules = new() { RequiredType = ClientToken.TokenType, MaxTokenBytes = 4096 };

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Fail("the authorization header is not 'Bearer <client token>'", null);
        }

        var token = header["Bearer ".Length..].Trim();
        var kid = Jws.PeekKid(token);
        var client = registry.FindByKid(kid);
        if (client is null)
        {
            return Fail("the token's key is not registered", null);
        }

        var verification = Jws.Verify(token, client.Keys, TokenRules);
        if (!verification.IsValid || ClientToken.ReadClaims(verification.Payload) is not { } claims)
        {
            return Fail($"the token does not verify ({verification.Failure})", client.Id);
        }

        var now = clock.GetUtcNow();
        if (claims.Issuer != client.Id)
        {
            return Fail($"the token's issuer '{claims.Issuer}' is not the client that owns its key", client.Id);
        }

        if (claims.Audience != service.Name)
        {
            return Fail($"the token is for '{claims.Audience}', not '{service.Name}'", client.Id);
        }

        if (claims.ExpiresAt - claims.IssuedAt > ClientToken.MaxLifetime)
        {
            return Fail($"the token lives longer than {ClientToken.MaxLifetime.TotalMinutes} minutes", client.Id);
        }

        if (now > claims.ExpiresAt + Leeway || now < claims.IssuedAt - Leeway)
        {
            return Fail("the token is expired or not yet valid (check the client's clock)", client.Id);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, client.Id), .. client.Roles.Select(r => new Claim(ClaimTypes.Role, r))], SchemeName);
        if (ReplayGuard.IsGrpc(Request))
        {
            // Checked by the gRPC pipeline before the method runs (ReplayGuard.UsePendingAsync), where an
            // unreachable database becomes UNAVAILABLE with retry advice instead of a failed authentication.
            ReplayGuard.MarkPending(identity, claims.Id, claims.ExpiresAt + Leeway);
        }
        else if (!await replays.TryUseAsync(client.Id, claims.Id, claims.ExpiresAt + Leeway, now, Context.RequestAborted))
        {
            return Fail(ReplayGuard.ReplayRefusal, client.Id);
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Fail(string reason, string? clientId)
    {
        Logger.LogWarning("Refused client token from {Client} for {Path}: {Reason}", clientId ?? "unknown client", Request.Path, reason);
        return AuthenticateResult.Fail($"Client token refused: {reason}.");
    }
}
