using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Feeds;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Cli.Online;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Commands.Feed;

/// <summary><c>ledgerctl feed pull|verify|watch</c>: the signed revocation feed, from the Revocation service.</summary>
internal static class FeedCommands
{
    public static Command Create()
    {
        var feed = new CliCommand("feed", "The signed revocation feed: fetch it, verify it against the stored state, or watch revocations as they happen.",
            "ledgerctl feed verify --key ledger.jwks --issuer ledger");
        feed.Add(Pull());
        feed.Add(Verify());
        feed.Add(Watch());
        return feed;
    }

    private static CliCommand Pull()
    {
        var online = new OnlineOptions(LedgerService.Revocation);
        var since = new Option<long>("--since") { Description = "0 (default): the latest full feed. N: the revocations after version N (a delta).", HelpName = "VERSION" };
        var feedFile = new Option<string>("--feed-file") { Description = "Write the feed (compact JWS) to this file (never overwritten) instead of printing it.", HelpName = "FILE" };
        var command = new CliCommand("pull", "Fetch the signed feed from Revocation over gRPC (not verified: 'feed verify' does that).",
            "ledgerctl feed pull --feed-file feed.jws");
        command.Add(since);
        command.Add(feedFile);
        online.AddTo(command);
        command.Handle(async run =>
        {
            if (run.Get(feedFile) is { Length: > 0 } file)
            {
                LocalFiles.RefuseExisting(file, "Feed file");
            }

            using var connection = online.Connect(run);
            var response = await new Revocations.RevocationsClient(connection.Channel).GetFeedAsync(new GetFeedRequest { Since = run.Get(since) }, connection.Call());
            var json = new JsonObject { ["version"] = response.Version, ["kind"] = response.Kind, ["feed_file"] = run.Get(feedFile), ["feed"] = response.Feed };
            if (run.Get(feedFile) is { Length: > 0 } path)
            {
                LocalFiles.WriteNew(path, response.Feed + "\n", LocalFiles.PublicMode);
                return run.Print(json, $"Fetched the {response.Kind} feed at version {response.Version}; written to {path}.");
            }

            return run.Print(json, response.Feed);
        });
        return command;
    }

    private static CliCommand Verify()
    {
        var online = new OnlineOptions(LedgerService.Revocation);
        var source = new Argument<string>("FEED") { Description = "A feed file or URL. Without it the feed is fetched from Revocation over gRPC (a delta after the stored version when --issuer names a stored state).", Arity = ArgumentArity.ZeroOrOne, HelpName = "FILE|URL" };
        var key = KeyMaterial.Option(KeyRole.SigningPublic);
        var issuer = new Option<string>("--issuer") { Description = "The issuer the feed must be for. Default: the feed's own 'iss' (then not checked)." };
        var stateDir = StateDirectory.Option();
        var feedTimeout = FeedInput.TimeoutOption();
        var command = new CliCommand("verify", "Verify a signed feed (signature, freshness, no rollback, unbroken chain) and store the accepted state for later license checks.",
            "ledgerctl feed verify --key ledger.jwks --issuer ledger",
            "ledgerctl feed verify http://127.0.0.1:5030/feeds/revocations --key ledger.jwks");
        command.Add(source);
        foreach (var option in new Option[] { key, issuer, stateDir, feedTimeout })
        {
            command.Add(option);
        }

        online.AddTo(command);
        command.Handle(async run =>
        {
            var trusted = KeyMaterial.TrustedKeys(run.Get(key), purpose: null);
            var stateDirectory = StateDirectory.Resolve(run.Get(stateDir));
            var store = new FeedStateStore(stateDirectory);
            var givenIssuer = run.Get(issuer) is { Length: > 0 } named ? named : null;
            var previous = givenIssuer is null ? null : store.Load(givenIssuer);
            string feedJws;
            string location;
            if (run.Get(source) is { Length: > 0 } feed)
            {
                feedJws = await FeedInput.ReadAsync(feed, previous, stateDirectory, run.Get(feedTimeout), run.Cancellation);
                location = feed;
            }
            else
            {
                using var connection = online.Connect(run);
                var since = previous is { FromFilter: false } ? previous.Version : 0;
                feedJws = (await new Revocations.RevocationsClient(connection.Channel).GetFeedAsync(new GetFeedRequest { Since = since }, connection.Call())).Feed;
                location = connection.Endpoint.Address.ToString();
            }

            var expectedIssuer = givenIssuer ?? UnverifiedIssuer(feedJws) ?? "unknown";
            previous ??= givenIssuer is null ? store.Load(expectedIssuer) : null;
            var acceptance = RevocationFeeds.Accept(feedJws, trusted, expectedIssuer, previous, DateTimeOffset.UtcNow);
            string? saved = null;
            if (acceptance.State is { } state && !state.Equals(previous))
            {
                saved = store.Save(state);
            }

            var json = new JsonObject
            {
                ["accepted"] = acceptance.IsAccepted,
                ["status"] = acceptance.Status.ToString(),
                ["detail"] = acceptance.Detail,
                ["issuer"] = expectedIssuer,
                ["issuer_checked"] = givenIssuer is not null,
                ["source"] = location,
                ["version"] = acceptance.State?.Version,
                ["revoked_count"] = acceptance.State?.Revoked.Count,
                ["superseded_count"] = acceptance.State?.Superseded.Count,
                ["expires_at"] = Json.Time(acceptance.State?.ExpiresAt),
                ["previous_version"] = previous?.Version,
                ["state_file"] = store.PathFor(expectedIssuer),
                ["state_saved"] = saved is not null,
            };
            var text = $"{acceptance.Status}: {acceptance.Detail}\n  issuer  {expectedIssuer}{(givenIssuer is null ? " (not checked: pass --issuer)" : string.Empty)}\n  state   {store.PathFor(expectedIssuer)}{(saved is null ? " (unchanged)" : " (saved)")}";
            return run.Print(json, text, acceptance.IsAccepted ? ExitCodes.Success : ExitCodes.Refused);
        });
        return command;
    }

    private static CliCommand Watch()
    {
        var online = new OnlineOptions(LedgerService.Revocation);
        var after = new Option<long>("--after") { Description = "Replay revocations after this feed version first (0: from the beginning).", HelpName = "VERSION" };
        var count = new Option<int>("--count") { Description = "Stop after this many revocations (0: run until Ctrl-C).", HelpName = "N" };
        var command = new CliCommand("watch", "Print revocations as they commit (after replaying those after --after). JSON output is one object per line.",
            "ledgerctl feed watch --after 0",
            "ledgerctl feed watch --count 1 --output-format json");
        command.Add(after);
        command.Add(count);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var limit = run.Get(count);
            using var connection = online.Connect(run);
            using var call = new Revocations.RevocationsClient(connection.Channel).Watch(new WatchRequest { AfterVersion = run.Get(after) }, connection.Stream(run.Cancellation));
            var seen = 0;
            try
            {
                while (await call.ResponseStream.MoveNext(run.Cancellation))
                {
                    var record = call.ResponseStream.Current;
                    if (run.Format == OutputFormat.Json)
                    {
                        run.Out.WriteLine(RevocationView.Json(record).ToJsonString());
                    }
                    else
                    {
                        run.Out.WriteLine($"{record.FeedVersion,6}  {ProtoValues.TimeText(record.RevokedAt)}  {record.LicenseId}  {record.Reason}  (issuer {record.Issuer}, by {record.RequestedBy})");
                    }

                    await run.Out.FlushAsync(run.Cancellation);
                    if (limit > 0 && ++seen >= limit)
                    {
                        return ExitCodes.Success;
                    }
                }
            }
            catch (Exception e) when (run.Cancellation.IsCancellationRequested && e is OperationCanceledException or Grpc.Core.RpcException)
            {
                // Ctrl-C is how a watch normally ends.
                return ExitCodes.Success;
            }

            throw CliFailure.Io($"{connection.Endpoint.Service.Title} closed the watch. Run the command again with --after <last version> to continue.");
        });
        return command;
    }

    /// <summary>The feed's iss, read without verifying (only to pick the stored state; Accept checks it).</summary>
    private static string? UnverifiedIssuer(string feedJws)
    {
        var parts = feedJws.Split('.');
        try
        {
            return parts.Length == 3 ? RevocationFeedPayload.Parse(Base64Url.Decode(parts[1])).Issuer : null;
        }
        catch (Exception e) when (e is FeedFormatException or FormatException)
        {
            return null;
        }
    }
}
