using System.Text.Json.Nodes;
using Ledger.Crypto;

namespace Ledger.Verification.Tests.Support;

/// <summary>
/// A ledger as a verifier sees it: a license key and a feed key in a trusted JWKS, a stranger's key
/// that is not, one revocation history, and a fixed "now". Signs licenses, feeds and filters in-test.
/// </summary>
public sealed class LedgerWithSigningKeys : IDisposable
{
    public const string Issuer = "ledger";
    public const string Audience = "acme-cad";
    public const string LicenseKid = "license-2026-01";
    public const string FeedKid = "feed-2026-01";
    public const string StrangerKid = "stranger-1";

    public static readonly DateTimeOffset Now = new(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);

    public Ed25519SigningKey LicenseKey { get; } = Ed25519SigningKey.Generate();

    public Ed25519SigningKey FeedKey { get; } = Ed25519SigningKey.Generate();

    public Ed25519SigningKey StrangerKey { get; } = Ed25519SigningKey.Generate();

    public RevocationHistory History { get; } = new(Issuer);

    public JsonWebKeySet Jwks => JwksWith();

    public LicenseExpectations Expectations { get; } = new(Issuer, Audience, ["cad.export"]);

    /// <summary>The trusted JWKS, with the given key's status (and optionally not_after) changed.</summary>
    public JsonWebKeySet JwksWith(string? kid = null, string? status = null, DateTimeOffset? notAfter = null) =>
        new(new[] { (LicenseKey, LicenseKid, "license"), (FeedKey, FeedKid, "feed") }.Select(k =>
        {
            var jwk = JsonWebKey.FromEd25519(k.Item1.PublicKey, [], k.Item2).ToPublic().With(purpose: k.Item3);
            return k.Item2 == kid ? jwk.With(status: status, notAfter: notAfter) : jwk;
        }));

    /// <summary>A license valid at <see cref="Now"/>: issued a month ago, for a year, with two capabilities.</summary>
    public static LicenseSpec NewLicense(DateTimeOffset? issuedAt = null)
    {
        var issued = issuedAt ?? Now.AddDays(-30);
        return new LicenseSpec(UuidV7.NewId(issued), Issuer, "cust_7f3a", Audience, issued, issued, issued.AddDays(365), ["cad.export", "cad.render"], "acme-cad", "pro", 1);
    }

    public string Sign(LicenseSpec license) => SignLicense(license.ToJson().ToJsonString());

    public string SignLicense(string payloadJson, Ed25519SigningKey? key = null, string kid = LicenseKid, string? typ = LicenseClaims.TokenType) =>
        Jws.Sign(System.Text.Encoding.UTF8.GetBytes(payloadJson), key ?? LicenseKey, kid, typ);

    public string SignFeed(RevocationFeedPayload feed, Ed25519SigningKey? key = null, string kid = FeedKid, string typ = RevocationFeedPayload.TokenType) =>
        Jws.Sign(feed.ToJson(), key ?? FeedKey, kid, typ);

    public string SignFilter(RevocationFilterPayload filter, Ed25519SigningKey? key = null, string kid = FeedKid) =>
        Jws.Sign(filter.ToJson(), key ?? FeedKey, kid, RevocationFilterPayload.TokenType);

    /// <summary>The full feed of the history as of <see cref="Now"/>, signed, with the state a verifier keeps after it.</summary>
    public (string Jws, FeedState State) AcceptedFullFeed()
    {
        var jws = SignFeed(History.Full(Now.AddMinutes(-5)));
        var acceptance = RevocationFeeds.Accept(jws, Jwks, Issuer, null, Now);
        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        return (jws, acceptance.State!);
    }

    /// <summary>Replaces the payload of a compact JWS and keeps its header and signature.</summary>
    public static string WithPayload(string jws, Func<JsonObject, JsonObject> change)
    {
        var parts = jws.Split('.');
        var payload = JsonNode.Parse(Base64Url.Decode(parts[1]))!.AsObject();
        parts[1] = Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(change(payload).ToJsonString()));
        return string.Join('.', parts);
    }

    public void Dispose()
    {
        LicenseKey.Dispose();
        FeedKey.Dispose();
        StrangerKey.Dispose();
    }
}

/// <summary>The claims of a license key as Issuance writes them.</summary>
public sealed record LicenseSpec(
    Guid Id, string Issuer, string Subject, string Audience, DateTimeOffset IssuedAt, DateTimeOffset NotBefore, DateTimeOffset ExpiresAt,
    string[] Capabilities, string? Product, string? Edition, int Revision)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = Subject,
            ["aud"] = Audience,
            ["jti"] = Id.ToString(),
            ["iat"] = IssuedAt.ToUnixTimeSeconds(),
            ["nbf"] = NotBefore.ToUnixTimeSeconds(),
            ["exp"] = ExpiresAt.ToUnixTimeSeconds(),
            ["caps"] = new JsonArray([.. Capabilities.Select(c => (JsonNode)c)]),
            ["rev"] = Revision,
        };
        if (Product is not null)
        {
            json["product"] = Product;
        }

        if (Edition is not null)
        {
            json["edition"] = Edition;
        }

        return json;
    }
}
