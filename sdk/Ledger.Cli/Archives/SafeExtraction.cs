using System.Formats.Tar;

namespace Ledger.Cli.Archives;

/// <summary>
/// Unpacks an archive from someone else without trusting it. Every entry is checked before anything
/// is written: only regular files and directories (no symbolic or hard links, devices or FIFOs),
/// relative paths that stay inside the target (no "..", no absolute paths, no backslashes), each
/// path once, at most <see cref="ManifestArchive.MaxEntries"/> entries and
/// <see cref="ManifestArchive.MaxBytes"/> in all as the headers declare them. Then it unpacks into
/// a staging directory beside the target and renames it into place, so the target is either
/// complete or absent.
/// </summary>
internal static class SafeExtraction
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ExecuteBits = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Refuses (exit 1) the first entry that breaks a rule; returns the entries to unpack.</summary>
    public static IReadOnlyList<(string Path, bool IsDirectory, long Length)> Inspect(byte[] tar)
    {
        if (tar.Length > ManifestArchive.MaxBytes)
        {
            throw CliFailure.Refused($"The archive is {tar.Length} bytes; archives over {ManifestArchive.MaxBytes / 1024 / 1024} MiB are refused.");
        }

        var entries = new List<(string Path, bool IsDirectory, long Length)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            using var reader = new TarReader(new MemoryStream(tar, writable: false));
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entries.Count == ManifestArchive.MaxEntries)
                {
                    throw CliFailure.Refused($"The archive has more than {ManifestArchive.MaxEntries} entries; it is refused.");
                }

                var isDirectory = entry.EntryType == TarEntryType.Directory;
                if (!isDirectory && entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    var kind = entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink ? "a link" : $"of type {entry.EntryType}";
                    throw CliFailure.Refused($"Archive entry '{Printable(entry.Name)}' is {kind}; only regular files and directories are unpacked. The archive is refused.");
                }

                var path = CheckPath(entry.Name, isDirectory);
                if (!seen.Add(path))
                {
                    throw CliFailure.Refused($"Archive entry '{Printable(path)}' appears twice; a later copy could replace what was checked. The archive is refused.");
                }

                total += isDirectory ? 0 : entry.Length;
                if (total > ManifestArchive.MaxBytes)
                {
                    throw CliFailure.Refused($"The archive's files add up to more than {ManifestArchive.MaxBytes / 1024 / 1024} MiB (entry '{Printable(path)}' declares {entry.Length} bytes); it is refused.");
                }

                entries.Add((path, isDirectory, entry.Length));
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
        {
            throw CliFailure.Refused($"The decrypted content is not a valid tar archive ({e.Message}); it is refused.");
        }

        var files = entries.Where(e => !e.IsDirectory).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, _, _) in entries)
        {
            for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
            {
                if (files.Contains(path[..slash]))
                {
                    throw CliFailure.Refused($"Archive entry '{Printable(path)}' lies under '{Printable(path[..slash])}', which the archive also has as a file. The archive is refused.");
                }
            }
        }

        return entries;
    }

    /// <summary>Checks, then unpacks into <paramref name="target"/>, which must be absent or empty.</summary>
    public static int Extract(byte[] tar, string target)
    {
        var entries = Inspect(tar);
        var root = Path.GetFullPath(target);
        if (File.Exists(root) || (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any()))
        {
            throw CliFailure.Usage($"--output-dir {target} exists and is not empty; ledgerctl unpacks only into a new or empty directory.");
        }

        var parent = Path.GetDirectoryName(root)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(root)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var stagingRoot = Path.GetFullPath(staging) + Path.DirectorySeparatorChar;
            using var reader = new TarReader(new MemoryStream(tar, writable: false));
            var index = 0;
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                var (path, isDirectory, length) = entries[index++];
                var destination = Path.GetFullPath(Path.Combine(staging, path));
                if (!destination.StartsWith(stagingRoot, StringComparison.Ordinal))
                {
                    throw CliFailure.Refused($"Archive entry '{Printable(path)}' resolves outside the target directory; the archive is refused.");
                }

                if (isDirectory)
                {
                    Directory.CreateDirectory(destination);
                    continue;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = (entry.Mode & UnixFileMode.UserExecute) != 0 ? FileMode | ExecuteBits : FileMode;
                }

                using var output = new FileStream(destination, options);
                if (length > 0)
                {
                    entry.DataStream!.CopyTo(output);
                }
            }

            if (Directory.Exists(root))
            {
                Directory.Delete(root);
            }

            Directory.Move(staging, root);
            return entries.Count(e => !e.IsDirectory);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>The entry's path, normalised (no trailing slash), or a refusal when it could leave the target.</summary>
    private static string CheckPath(string name, bool isDirectory)
    {
        var path = isDirectory ? name.TrimEnd('/') : name;
        if (path.Length == 0 || path.Length > ManifestArchive.MaxPathLength || path.Any(char.IsControl))
        {
            throw CliFailure.Refused($"Archive entry '{Printable(name)}' has an empty, overlong or unprintable path; the archive is refused.");
        }

        if (path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || (path.Length > 1 && path[1] == ':'))
        {
            throw CliFailure.Refused($"Archive entry '{Printable(name)}' has an absolute path; only paths relative to the target are unpacked. The archive is refused.");
        }

        if (path.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw CliFailure.Refused($"Archive entry '{Printable(name)}' has a '..', '.' or empty path segment and could escape the target directory; the archive is refused.");
        }

        return path;
    }

    private static string Printable(string value) =>
        new([.. value.Take(200).Select(c => char.IsControl(c) ? '?' : c)]);
}
