using System.Formats.Tar;
using Ledger.Cli.Attestations;

namespace Ledger.Cli.Archives;

/// <summary>
/// A manifest directory as one tar archive (PAX format: regular files and directories only), for
/// <c>encrypt manifests</c>. The limits here bound both what is packed and what
/// <see cref="SafeExtraction"/> accepts, so nothing ledgerctl packs is refused on the other side.
/// </summary>
internal static class ManifestArchive
{
    /// <summary>
    /// Largest tar stream, headers included (32 MiB). Decrypting holds the JWE several times over as
    /// text and bytes (measured: about 40 times the archive size at peak), so this bounds what a
    /// hostile sender can make a receiver allocate before the authentication tag is even checked.
    /// </summary>
    public const long MaxBytes = 32L * 1024 * 1024;

    public const int MaxEntries = 10_000;

    public const int MaxPathLength = 1024;

    public const string ContentType = "application/x-tar";

    /// <summary>The largest JWE file that can hold a <see cref="MaxBytes"/> archive (base64url plus headers).</summary>
    public const long MaxEncryptedBytes = (MaxBytes + 2) / 3 * 4 + 64 * 1024;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode ExecuteBits = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>
    /// Packs every file and directory under <paramref name="directory"/>, in ordinal path order, and
    /// returns the directory's h1 digest so the receiver can check what it unpacked.
    /// </summary>
    public static (byte[] Tar, int Files, string Digest) Create(string directory)
    {
        var root = new DirectoryInfo(Path.GetFullPath(directory));
        // The hash refuses links, devices, FIFOs and sockets, which an archive must not carry either.
        var digest = ManifestDigest.Compute(root.FullName, []);

        var entries = new List<(string Name, FileSystemInfo Info)>();
        Collect(root, string.Empty, entries);
        if (entries.Count > MaxEntries)
        {
            throw CliFailure.Usage($"{directory} holds {entries.Count} files and directories; an archive holds at most {MaxEntries}. Split it.");
        }

        using var buffer = new MemoryStream();
        var files = 0;
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, info) in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (info is DirectoryInfo)
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name + "/") { Mode = DirectoryMode, ModificationTime = info.LastWriteTimeUtc });
                    continue;
                }

                var file = (FileInfo)info;
                if (buffer.Length + file.Length > MaxBytes)
                {
                    throw CliFailure.Usage($"{directory} is larger than an archive may be ({MaxBytes / 1024 / 1024} MiB). Split it, or leave large files out.");
                }

                using var content = file.OpenRead();
                var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file.FullName) & UnixFileMode.UserExecute) != 0;
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    Mode = executable ? FileMode | ExecuteBits : FileMode,
                    ModificationTime = file.LastWriteTimeUtc,
                    DataStream = content,
                });
                files++;
            }
        }

        if (buffer.Length > MaxBytes)
        {
            throw CliFailure.Usage($"{directory} is larger than an archive may be ({MaxBytes / 1024 / 1024} MiB). Split it.");
        }

        return (buffer.ToArray(), files, digest);
    }

    private static void Collect(DirectoryInfo directory, string relative, List<(string, FileSystemInfo)> entries)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
        foreach (var entry in directory.EnumerateFileSystemInfos("*", options))
        {
            var name = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
            if (entry.LinkTarget is not null)
            {
                throw CliFailure.Usage($"{entry.FullName} is a symbolic link; archives carry only regular files and directories. Replace it with the file it points to, or remove it.");
            }

            if (name.Length > MaxPathLength || name.Any(char.IsControl))
            {
                throw CliFailure.Usage($"{entry.FullName}: paths in an archive are at most {MaxPathLength} characters without control characters. Rename it.");
            }

            switch (entry)
            {
                case DirectoryInfo subdirectory:
                    entries.Add((name, subdirectory));
                    Collect(subdirectory, name, entries);
                    break;
                default:
                    entries.Add((name, entry));
                    break;
            }

            if (entries.Count > MaxEntries)
            {
                return;
            }
        }
    }
}
