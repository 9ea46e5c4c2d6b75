using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Cli.Files;
using Ledger.Verification;

namespace Ledger.Cli.Transparency;

/// <summary>
/// The verifier's memory of Notary's signature log: the largest checkpoint accepted per log origin, in
/// <c>&lt;state dir&gt;/checkpoints/&lt;origin&gt;-&lt;hash&gt;.json</c>. A later checkpoint must extend it
/// (consistency proof) and may never be smaller, so a rolled-back or forked log is caught.
/// </summary>
internal sealed class CheckpointStore(string stateDirectory)
{
    private const long MaxStateBytes = 64 * 1024;

    public string PathFor(string origin)
    {
        var readable = new string([.. origin.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(origin)))[..12];
        return Path.Combine(stateDirectory, "checkpoints", $"{readable}-{hash}.json");
    }

    public LogCheckpoint? Load(string origin)
    {
        var path = PathFor(origin);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(LocalFiles.ReadText(path, MaxStateBytes, "checkpoint state"));
            var root = document.RootElement;
            var checkpoint = new LogCheckpoint(
                root.GetProperty("origin").GetString()!, root.GetProperty("tree_size").GetInt64(),
                Convert.FromBase64String(root.GetProperty("root_hash").GetString()!), DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("time").GetInt64()));
            checkpoint.Body();
            return checkpoint.Origin == origin ? checkpoint : throw new FormatException($"it is of log '{checkpoint.Origin}'");
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or FeedFormatException)
        {
            throw CliFailure.Io($"The stored checkpoint {path} is damaged ({e.Message}). Delete it to start again: the next checkpoint is then accepted as the first one.");
        }
    }

    public string Save(LogCheckpoint checkpoint)
    {
        var path = PathFor(checkpoint.Origin);
        LocalFiles.CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["origin"] = checkpoint.Origin,
            ["tree_size"] = checkpoint.Size,
            ["root_hash"] = Convert.ToBase64String(checkpoint.RootHash),
            ["time"] = checkpoint.Time.ToUnixTimeSeconds(),
        });
        LocalFiles.Replace(path, json + "\n", LocalFiles.PrivateMode);
        return path;
    }
}
