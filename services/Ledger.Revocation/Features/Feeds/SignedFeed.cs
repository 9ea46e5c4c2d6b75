using System.Security.Cryptography;
using System.Text;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>A signed feed or filter as served: the JWS, its version and kind, and an ETag.</summary>
public sealed record SignedFeed(string Jws, long Version, string Kind, DateTimeOffset SignedAt)
{
    public string ETag { get; } = "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(Jws)))[..32] + "\"";
}
