using System.Security.Cryptography;
using System.Text;

namespace Ledger.Crypto;

/// <summary>
/// Directory digests in the format of Go's <c>golang.org/x/mod/sumdb/dirhash</c> Hash1 ("h1:"), so a
/// manifest digest computed here equals the one Go tooling computes for the same tree: one line
/// "&lt;sha256 hex&gt;  &lt;path&gt;\n" per regular file, paths relative with '/', sorted by their UTF-8
/// bytes, then "h1:" + base64(SHA-256(lines)).
/// </summary>
public static class DirectoryHash
{
    public const string Prefix = "h1:";

    /// <param name="ignoreSuffixes">Files whose name ends with one of these (ordinal) are left out.</param>
    /// <exception cref="DirectoryHashException">A symlink, special file or newline in a name, or the directory is missing.</exception>
    public static string Compute(string directory, IReadOnlyCollection<string>? ignoreSuffixes = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var root = new DirectoryInfo(Path.GetFullPath(directory));
        if (!root.Exists)
        {
            throw new DirectoryHashException(root.FullName, $"Cannot hash '{root.FullName}': no such directory.");
        }

        if (FileSystemEntry.KindOf(root) != FileSystemEntryKind.Directory)
        {
            throw new DirectoryHashException(root.FullName, $"Cannot hash '{root.FullName}': it is a symbolic link or not a directory; pass the real directory.");
        }

        var files = new List<(string Path, byte[] Sha256)>();
        Walk(root, string.Empty, ignoreSuffixes ?? [], files);
        return ComputeFromFiles(files);
    }

    /// <summary>True for a regular file (not a link, directory, device, FIFO or socket), as the hash and archives count files.</summary>
    public static bool IsRegularFile(FileSystemInfo entry) => FileSystemEntry.KindOf(entry) == FileSystemEntryKind.RegularFile;

    /// <summary>The h1 digest of files already hashed: pure, no file system access.</summary>
    public static string ComputeFromFiles(IEnumerable<(string Path, byte[] Sha256)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var entries = new List<(byte[] PathUtf8, string Path, byte[] Sha256)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, sha256) in files)
        {
            if (string.IsNullOrEmpty(path))
            {
                throw new DirectoryHashException(string.Empty, "A file in the list has an empty path.");
            }

            if (path.Contains('\n', StringComparison.Ordinal))
            {
                throw new DirectoryHashException(path, $"File name {Quote(path)} contains a newline; the h1 format cannot represent it (Go's dirhash refuses it too). Rename the file.");
            }

            if (sha256 is null || sha256.Length != 32)
            {
                throw new DirectoryHashException(path, $"File {Quote(path)} has a digest of {sha256?.Length ?? 0} bytes; a SHA-256 digest is 32.");
            }

            if (!seen.Add(path))
            {
                throw new DirectoryHashException(path, $"File {Quote(path)} appears twice in the list.");
            }

            entries.Add((Encoding.UTF8.GetBytes(path), path, sha256));
        }

        entries.Sort((a, b) => a.PathUtf8.AsSpan().SequenceCompareTo(b.PathUtf8));

        using var summary = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var entry in entries)
        {
            summary.AppendData(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(entry.Sha256) + "  "));
            summary.AppendData(entry.PathUtf8);
            summary.AppendData("\n"u8);
        }

        return Prefix + Convert.ToBase64String(summary.GetHashAndReset());
    }

    private static void Walk(DirectoryInfo directory, string relative, IReadOnlyCollection<string> ignoreSuffixes, List<(string Path, byte[] Sha256)> files)
    {
        var options = new EnumerationOptions
        {
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            RecurseSubdirectories = false,
            ReturnSpecialDirectories = false,
        };

        foreach (var entry in directory.EnumerateFileSystemInfos("*", options))
        {
            var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry.Name.Contains('\n', StringComparison.Ordinal))
            {
                throw new DirectoryHashException(entry.FullName, $"File name {Quote(path)} contains a newline; the h1 format cannot represent it (Go's dirhash refuses it too). Rename the file.");
            }

            switch (FileSystemEntry.KindOf(entry))
            {
                case FileSystemEntryKind.SymbolicLink:
                    throw new DirectoryHashException(entry.FullName, $"'{entry.FullName}' is a symbolic link; a directory hash covers only regular files and directories. Replace the link with the file it points to, or remove it.");
                case FileSystemEntryKind.Other:
                    throw new DirectoryHashException(entry.FullName, $"'{entry.FullName}' is not a regular file or directory (a device, FIFO or socket); remove it from the tree before hashing.");
                case FileSystemEntryKind.Directory:
                    Walk((DirectoryInfo)entry, path, ignoreSuffixes, files);
                    break;
                default:
                    if (!ignoreSuffixes.Any(suffix => entry.Name.EndsWith(suffix, StringComparison.Ordinal)))
                    {
                        using var stream = new FileStream(entry.FullName, FileMode.Open, FileAccess.Read, FileShare.Read);
                        files.Add((path, SHA256.HashData(stream)));
                    }

                    break;
            }
        }
    }

    private static string Quote(string path) => "'" + path.Replace("\n", "\\n", StringComparison.Ordinal) + "'";
}
