using System.Diagnostics;
using System.IO.Compression;
using Ledger.Benchmarks.Fixtures;
using Ledger.Benchmarks.Harness;
using Ledger.Benchmarks.Results;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// Sizes and lookups of revocation data for 1,000,000 issued licenses of which 10,000 are revoked: the full
/// feed (raw and gzip), a delta for one more revocation, the filter cascade, a verifier's memory, and lookup
/// time, each beside the limit of 16 bytes per revoked id (a bare binary list). Targets (issue 10): filter
/// &lt;= 2 bytes per revoked license, delta for one revocation &lt;= 400 bytes.
/// </summary>
public sealed class FeedSizeScenario : IScenario
{
    private const int Issued = 1_000_000;
    private const int Revoked = 10_000;
    private const int BareBytesPerId = 16;
    private const long VersionStep = 101;
    private const double FilterTarget = 2.0;
    private const int DeltaTarget = 400;
    private const int LookupRounds = 5;

    public string Name => "feed-size";

    public string Description =>
        $"{Issued:N0} issued and {Revoked:N0} revoked: feed, delta and filter bytes, verifier memory and lookup time, beside a bare list of {BareBytesPerId} bytes per revoked id";

    public ScenarioReport Run(ScenarioLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        using var issuer = new BenchIssuer();
        var now = RevocationHistory.WholeSeconds(DateTimeOffset.UtcNow);
        var firstIssue = now.AddDays(-365);

        log.Step($"minting {Issued:N0} UUIDv7 license ids over a year and revoking {Revoked:N0} of them");
        var issued = new Guid[Issued];
        for (var i = 0; i < Issued; i++)
        {
            issued[i] = UuidV7.NewId(firstIssue.AddMilliseconds(i * 31_536.0));
        }

        var random = new Random(10);
        var revokedIndexes = new HashSet<int>();
        while (revokedIndexes.Count < Revoked)
        {
            revokedIndexes.Add(random.Next(Issued));
        }

        var revokedIds = revokedIndexes.Select(i => issued[i]).ToArray();
        var notRevoked = Enumerable.Range(0, Issued).Where(i => !revokedIndexes.Contains(i)).Select(i => issued[i]).ToArray();
        var history = RevocationHistory.Build(revokedIds, VersionStep, firstIssue.AddDays(1), TimeSpan.FromMinutes(50), TimeSpan.FromDays(365));
        var bareBytes = (double)Revoked * BareBytesPerId;

        log.Step("writing and signing the full feed");
        var full = history.Full(now.AddMinutes(-5));
        var fullBytes = full.ToJson();
        var fullGzip = Gzip(fullBytes);
        var fullJws = issuer.SignFeed(full);

        log.Step("accepting it into a verifier's feed state, measuring retained memory");

        // A first acceptance, discarded, so one-time static set-up (JOSE settings, JSON caches) is not counted.
        _ = RevocationFeeds.Accept(fullJws, issuer.Jwks, BenchIssuer.Issuer, null, now);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var acceptance = RevocationFeeds.Accept(fullJws, issuer.Jwks, BenchIssuer.Issuer, null, now);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        if (!acceptance.IsAccepted || acceptance.State!.Revoked.Count != Revoked)
        {
            throw new BenchmarkInvalidException($"The full feed was refused or incomplete ({acceptance.Status}): {acceptance.Detail}");
        }

        var state = acceptance.State;
        var stateBytes = (double)(after - before);

        log.Step("writing, signing and accepting a delta for one more revocation");
        var newlyRevoked = notRevoked[notRevoked.Length / 2];
        var delta = history.DeltaWithOne(newlyRevoked, history.Version + VersionStep, now.AddMinutes(-1), now.AddDays(200), now);
        var deltaBytes = delta.ToJson();
        var deltaJws = issuer.SignFeed(delta);
        var afterDelta = RevocationFeeds.Accept(deltaJws, issuer.Jwks, BenchIssuer.Issuer, state, now);
        if (!afterDelta.IsAccepted || !afterDelta.State!.Revoked.Contains(newlyRevoked) || afterDelta.State.Revoked.Count != Revoked + 1)
        {
            throw new BenchmarkInvalidException($"The one-revocation delta was refused or not applied ({afterDelta.Status}): {afterDelta.Detail}");
        }

        log.Step($"building the filter cascade over {Issued:N0} ids");
        var buildWatch = Stopwatch.StartNew();
        var built = RevocationCascade.Build(revokedIds, notRevoked);
        buildWatch.Stop();
        var cascadeBytes = built.ToBytes();
        var cascade = RevocationCascade.Parse(cascadeBytes);
        var filter = new RevocationFilterPayload(BenchIssuer.Issuer, history.Version, FeedChain.Encode(history.Chain), now.AddMinutes(-5), now.AddHours(24), now.AddMinutes(-10), cascadeBytes,
            new Dictionary<Guid, int>());
        var filterJws = issuer.SignFilter(filter);

        log.Step("checking the cascade answers exactly for every issued id");
        var revokedSet = revokedIds.ToHashSet();
        var wrong = issued.Count(id => cascade.IsRevoked(id) != revokedSet.Contains(id));
        if (wrong != 0)
        {
            throw new BenchmarkInvalidException($"The cascade answered wrongly for {wrong} of {Issued:N0} ids of its universe.");
        }

        log.Step($"measuring lookups: {LookupRounds} interleaved rounds of {Issued:N0} queries (every issued id, shuffled) in the feed state, the cascade and a sorted bare list");
        var queries = issued.ToArray();
        random.Shuffle(queries);
        var bareList = revokedIds.Order().ToArray();
        var revokedSetOfState = state.Revoked;
        var sink = 0;
        var samples = Sampler.Interleaved(
            1,
            LookupRounds,
            () =>
            {
                foreach (var id in queries)
                {
                    sink += revokedSetOfState.Contains(id) ? 1 : 0;
                }
            },
            () =>
            {
                foreach (var id in queries)
                {
                    sink += cascade.IsRevoked(id) ? 1 : 0;
                }
            },
            () =>
            {
                foreach (var id in queries)
                {
                    sink += Array.BinarySearch(bareList, id) >= 0 ? 1 : 0;
                }
            });
        GC.KeepAlive(sink);
        GC.KeepAlive(state);
        var (stateLookup, cascadeLookup, bareLookup) = (samples[0], samples[1], samples[2]);

        var filterPerRevoked = (double)cascadeBytes.Length / Revoked;
        var filterJwsPerRevoked = (double)filterJws.Length / Revoked;
        var figures = new List<Figure>
        {
            new("bare_list_bytes", "bare binary list (limit)", bareBytes, "bytes", $"{BareBytesPerId} bytes x {Revoked:N0} revoked ids"),
            new("full_feed_payload_bytes", "full feed payload, raw", fullBytes.Length, "bytes", $"{(double)fullBytes.Length / Revoked:0.#} bytes per revoked id"),
            new("full_feed_payload_ratio", "full feed raw / bare list", fullBytes.Length / bareBytes, "ratio"),
            new("full_feed_gzip_bytes", "full feed payload, gzip", fullGzip, "bytes", $"{(double)fullGzip / Revoked:0.#} bytes per revoked id"),
            new("full_feed_gzip_ratio", "full feed gzip / bare list", fullGzip / bareBytes, "ratio"),
            new("full_feed_jws_bytes", "full feed as served (signed JWS)", fullJws.Length, "bytes"),
            new("delta_payload_bytes", "delta for one revocation, payload", deltaBytes.Length, "bytes"),
            new("delta_jws_bytes", "delta for one revocation, signed JWS", deltaJws.Length, "bytes"),
            new("delta_ratio", "delta payload / one bare id", (double)deltaBytes.Length / BareBytesPerId, "ratio"),
            new("filter_cascade_bytes", "filter cascade", cascadeBytes.Length, "bytes", $"{cascade.Levels} levels, built in {buildWatch.Elapsed.TotalSeconds:0.0} s"),
            new("filter_bytes_per_revoked", "filter cascade per revoked license", filterPerRevoked, "bytes"),
            new("filter_ratio", "filter / bare list", cascadeBytes.Length / bareBytes, "ratio"),
            new("filter_jws_bytes", "filter as served (signed JWS)", filterJws.Length, "bytes", $"{filterJwsPerRevoked:0.##} bytes per revoked license; the cascade is base64url in JSON"),
            new("verifier_memory_bytes", "verifier memory holding the full feed state", stateBytes, "bytes", $"{stateBytes / Revoked:0.#} bytes per revoked id; GC.GetTotalMemory after forced collections"),
            new("verifier_memory_ratio", "verifier memory / bare list", stateBytes / bareBytes, "ratio"),
            new("feed_state_lookup_ns", "lookup in FeedState.Revoked", stateLookup.NanosecondsEach(Issued), "ns/query", $"median of {LookupRounds} rounds"),
            new("cascade_lookup_ns", "lookup in the cascade", cascadeLookup.NanosecondsEach(Issued), "ns/query", $"median of {LookupRounds} rounds"),
            new("bare_list_lookup_ns", "binary search in the bare list (limit)", bareLookup.NanosecondsEach(Issued), "ns/query", $"median of {LookupRounds} rounds"),
            new("feed_state_lookup_ratio", "bare-list lookup time / feed-state lookup time", Samples.PairedRatio(bareLookup, stateLookup), "ratio", "above 1: the feed state is faster than the limit"),
            new("cascade_lookup_ratio", "bare-list lookup time / cascade lookup time", Samples.PairedRatio(bareLookup, cascadeLookup), "ratio"),
        };

        var targets = new List<Target>
        {
            Target.NoMoreThan(
                "filter_bytes_per_revoked",
                $"filter cascade <= {FilterTarget} bytes per revoked license",
                filterPerRevoked,
                FilterTarget,
                "the cascade's size is set by its false-positive rates (docs/FEEDS.md); level 1 at |R|·√2/|S| is the CRLite optimum"),
            Target.NoMoreThan(
                "filter_jws_bytes_per_revoked",
                $"filter as served (signed JWS) <= {FilterTarget} bytes per revoked license (strict reading)",
                filterJwsPerRevoked,
                FilterTarget,
                "the filter JWS carries the cascade as base64url inside a base64url-encoded JSON payload, so each cascade byte costs about 16/9 bytes on the wire before HTTP compression"),
            Target.NoMoreThan(
                "delta_payload_bytes",
                $"delta payload for one revocation <= {DeltaTarget} bytes",
                deltaBytes.Length,
                DeltaTarget,
                "the format: prev and chain take about 107 bytes, the entry 132, the other members about 143 (the base chain hash is not sent: the verifier folds from the chain it holds)"),
            Target.NoMoreThan(
                "delta_jws_bytes",
                $"delta as served (signed JWS) for one revocation <= {DeltaTarget} bytes (strict reading)",
                deltaJws.Length,
                DeltaTarget,
                "compact JWS encodes the payload in base64url (4/3) and adds the header (~90 bytes) and the 86-character Ed25519 signature"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["issued"] = Issued,
            ["revoked"] = Revoked,
            ["bare_bytes_per_id"] = BareBytesPerId,
            ["version_step"] = VersionStep,
            ["feed_version"] = history.Version,
            ["gzip_level"] = nameof(CompressionLevel.Optimal),
            ["lookup_queries_per_round"] = Issued,
            ["lookup_revoked_share"] = (double)Revoked / Issued,
        };

        return new ScenarioReport(Name, Description, parameters, figures, targets,
        [
            "Feed versions are ledger sequence numbers spaced by 101, as if issuance and revocation shared one sequence of about 1,010,000 events.",
            "The full feed is unpruned; gzip cannot shrink the 74 random bits of each UUIDv7 id or the chain hashes.",
            "UUIDv7 ids carry random bits, so the cascade's level count and size vary a little from run to run.",
            "The 'strict reading' targets count the signed JWS as served; the issue's targets are read as the payload (delta) and the cascade bytes (filter).",
        ]);
    }

    private static int Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return (int)buffer.Length;
    }
}
