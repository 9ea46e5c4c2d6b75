using System.IO.Compression;
using System.Security.Cryptography;
using Ledger.Crypto;

namespace Ledger.Cli.Archives;

/// <summary>
/// A manifest directory as one ZIP archive, as the Flux Operator's <c>encrypt manifests</c> makes it:
/// directories and regular files under forward-slash relative names, in ordinal path order, links
/// skipped, files matching an ignore pattern left out (default <c>*.jws</c>). The limits here bound both
/// what is packed and what <see cref="SafeExtraction"/> accepts, so nothing ledgerctl packs is refused
/// on the other side.
/// </summary>
internal static class ManifestArchive
{
    /// <summary>
    /// Largest archive content (32 MiB, uncompressed). Decrypting holds the JWE several times over as
    /// text and bytes, so this bounds what a hostile sender can make a receiver allocate before the
    /// authentication tag is even checked.
    /// </summary>
    public const long MaxBytes = 32L * 1024 * 1024;

    public const int MaxEntries = 10_000;

    public const int MaxPathLength = 1024;

    public const int MaxIgnorePatterns = 64;

    /// <summary>What Flux leaves out unless told otherwise: detached signatures.</summary>
    public static readonly IReadOnlyList<string> DefaultIgnore = ["*.jws"];

    /// <summary>The largest JWE file that can hold a <see cref="MaxBytes"/> archive (base64url plus headers).</summary>
    public const long MaxEncryptedBytes = (MaxBytes + 2) / 3 * 4 + 64 * 1024;

    public sealed record Packed(byte[] Zip, int Files, string Digest, IReadOnlyList<string> SkippedLinks, IReadOnlyList<string> Ignored);

    /// <summary>
    /// Packs every file and directory under <paramref name="directory"/> except links and ignored names,
    /// and returns the h1 digest (Go dirhash) of the files packed, which the receiver computes again.
    /// </summary>
    public static Packed Create(string directory, IReadOnlyList<string> ignore)
    {
        var root = new DirectoryInfo(Path.GetFullPath(directory));
        if (!root.Exists || root.LinkTarget is not null)
        {
            throw CliFailure.Usage($"{directory} is not a directory; pass the manifest directory to encrypt.");
        }

        var entries = new List<(string Name, FileSystemInfo Info)>();
        var skipped = new List<string>();
        var ignored = new List<string>();
        Collect(root, string.Empty, ignore, entries, skipped, ignored);
        if (entries.Count > MaxEntries)
        {
            throw CliFailure.Usage($"{directory} holds more than {MaxEntries} files and directories; an archive holds at most {MaxEntries}. Split it.");
        }

        using var buffer = new MemoryStream();
        var files = new List<(string Path, byte[] Sha256)>();
        long total = 0;
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, info) in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (info is DirectoryInfo)
                {
                    zip.CreateEntry(name + "/", CompressionLevel.NoCompression).LastWriteTime = info.LastWriteTimeUtc;
                    continue;
                }

                var file = (FileInfo)info;
                total += file.Length;
                if (total > MaxBytes)
                {
                    throw CliFailure.Usage($"{directory} is larger than an archive may be ({MaxBytes / 1024 / 1024} MiB). Split it, or leave large files out with --ignore.");
                }

                var content = File.ReadAllBytes(file.FullName);
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = file.LastWriteTimeUtc;
                var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file.FullName) & UnixFileMode.UserExecute) != 0;
                // Unix mode in the high 16 bits (regular file), as zip tools on Unix write it.
                entry.ExternalAttributes = (executable ? 0x81ED : 0x81A4) << 16;
                using (var output = entry.Open())
                {
                    output.Write(content);
                }

                files.Add((name, SHA256.HashData(content)));
            }
        }

        return new Packed(buffer.ToArray(), files.Count, DirectoryHash.ComputeFromFiles(files), skipped, ignored);
    }

    /// <summary>
    /// True when <paramref name="relativePath"/> matches one of the glob patterns (<c>*</c>, <c>?</c>): a
    /// pattern with a '/' against the whole relative path, any other against the name alone.
    /// </summary>
    public static bool IsIgnored(string relativePath, IReadOnlyList<string> patterns)
    {
        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        return patterns.Any(p => Glob(p.Contains('/') ? relativePath : name, p.TrimStart('/')));
    }

    private static bool Glob(string text, string pattern)
    {
        int t = 0, p = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' ? text[t] != '/' : pattern[p] == text[t]) && pattern[p] != '*')
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0 && text[mark] != '/')
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static void Collect(DirectoryInfo directory, string relative, IReadOnlyList<string> ignore, List<(string, FileSystemInfo)> entries, List<string> skipped, List<string> ignored)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
        foreach (var entry in directory.EnumerateFileSystemInfos("*", options))
        {
            var name = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
            if (entry.LinkTarget is not null)
            {
                // As Flux does: a link could point anywhere on the sender's machine, so it is not packed (and is reported).
                skipped.Add(name);
                continue;
            }

            if (IsIgnored(name, ignore))
            {
                ignored.Add(name);
                continue;
            }

            if (name.Length > MaxPathLength || name.Any(char.IsControl))
            {
                throw CliFailure.Usage($"{entry.FullName}: paths in an archive are at most {MaxPathLength} characters without control characters. Rename it.");
            }

            switch (entry)
            {
                case DirectoryInfo subdirectory:
                    entries.Add((name, subdirectory));
                    Collect(subdirectory, name, ignore, entries, skipped, ignored);
                    break;
                case FileInfo when DirectoryHash.IsRegularFile(entry):
                    entries.Add((name, entry));
                    break;
                default:
                    // Devices, FIFOs and sockets are not manifests; Flux packs regular files only too.
                    skipped.Add(name);
                    break;
            }

            if (entries.Count > MaxEntries)
            {
                return;
            }
        }
    }
}
