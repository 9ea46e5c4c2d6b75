using System.Security.Cryptography;
using System.Text;
using Ledger.Cli.Files;
using Ledger.Verification;

namespace Ledger.Cli.Feeds;

/// <summary>
/// The verifier's memory: the last accepted <see cref="FeedState"/> per issuer, in
/// <c>&lt;state dir&gt;/feeds/&lt;issuer&gt;-&lt;hash&gt;.json</c>. It is what catches rolled-back or
/// rewritten feeds, so it is replaced atomically and only with a state the verifier returned.
/// </summary>
internal sealed class FeedStateStore(string stateDirectory)
{
    private const long MaxStateBytes = 64 * 1024 * 1024;

    public string PathFor(string issuer)
    {
        var readable = new string([.. issuer.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issuer)))[..12];
        return Path.Combine(stateDirectory, "feeds", $"{readable}-{hash}.json");
    }

    public FeedState? Load(string issuer)
    {
        var path = PathFor(issuer);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return FeedState.Parse(LocalFiles.ReadText(path, MaxStateBytes, "feed state"));
        }
        catch (FeedFormatException e)
        {
            throw CliFailure.Io($"The stored feed state {path} is damaged ({e.Message}). Delete it to start again: the next full feed is then accepted as the first one.");
        }
    }

    public string Save(FeedState state)
    {
        var path = PathFor(state.Issuer);
        LocalFiles.CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        LocalFiles.Replace(path, state.ToJson() + "\n", LocalFiles.PrivateMode);
        return path;
    }
}
