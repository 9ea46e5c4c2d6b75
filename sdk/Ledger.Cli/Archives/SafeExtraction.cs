using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Ledger.Crypto;

namespace Ledger.Cli.Archives;

/// <summary>
/// Unpacks an archive from someone else without trusting it: a ZIP (what <c>encrypt manifests</c> and
/// the Flux Operator make) or a tar (what ledgerctl made before). Every entry is checked before anything
/// is written: only regular files and directories (no symbolic or hard links, devices or FIFOs),
/// relative paths that stay inside the target (no "..", no absolute paths, no backslashes), each path
/// once, at most <see cref="ManifestArchive.MaxEntries"/> entries and <see cref="ManifestArchive.MaxBytes"/>
/// in all as declared, and no file read beyond its declared size. Then nothing in the target is
/// replaced without <c>--overwrite</c>, and nothing is written through a link already in the target.
/// Files are unpacked into a staging directory beside the target first, so a refused or broken archive
/// leaves the target as it was.
/// </summary>
internal static class SafeExtraction
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ExecuteBits = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public enum ArchiveFormat
    {
        Zip,
        Tar,
    }

    public sealed record Entry(string Path, bool IsDirectory, long Length, bool Executable);

    public sealed record Unpacked(ArchiveFormat Format, int Files, int Replaced, string Digest);

    public static ArchiveFormat FormatOf(byte[] archive) =>
        archive.Length >= 4 && archive[0] == 'P' && archive[1] == 'K' && ((archive[2] == 3 && archive[3] == 4) || (archive[2] == 5 && archive[3] == 6))
            ? ArchiveFormat.Zip
            : ArchiveFormat.Tar;

    /// <summary>Refuses (exit 1) the first entry that breaks a rule; returns the entries to unpack.</summary>
    public static IReadOnlyList<Entry> Inspect(byte[] archive)
    {
        if (archive.Length > ManifestArchive.MaxBytes)
        {
            throw CliFailure.Refused($"The archive is {archive.Length} bytes; archives over {ManifestArchive.MaxBytes / 1024 / 1024} MiB are refused.");
        }

        var entries = new List<Entry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        void Add(string name, bool isDirectory, long length, bool executable)
        {
            if (entries.Count == ManifestArchive.MaxEntries)
            {
                throw CliFailure.Refused($"The archive has more than {ManifestArchive.MaxEntries} entries; it is refused.");
            }

            var path = CheckPath(name, isDirectory);
            if (!seen.Add(path))
            {
                throw CliFailure.Refused($"Archive entry '{Printable(path)}' appears twice; a later copy could replace what was checked. The archive is refused.");
            }

            total += isDirectory ? 0 : length;
            if (length < 0 || total > ManifestArchive.MaxBytes)
            {
                throw CliFailure.Refused($"The archive's files add up to more than {ManifestArchive.MaxBytes / 1024 / 1024} MiB (entry '{Printable(path)}' declares {length} bytes); it is refused.");
            }

            entries.Add(new Entry(path, isDirectory, isDirectory ? 0 : length, executable));
        }

        var format = FormatOf(archive);
        try
        {
            if (format == ArchiveFormat.Zip)
            {
                using var zip = new ZipArchive(new MemoryStream(archive, writable: false), ZipArchiveMode.Read);
                if (zip.Entries.Count > ManifestArchive.MaxEntries)
                {
                    throw CliFailure.Refused($"The archive has {zip.Entries.Count} entries, more than {ManifestArchive.MaxEntries}; it is refused.");
                }

                foreach (var entry in zip.Entries)
                {
                    var unixType = (entry.ExternalAttributes >> 16) & 0xF000;
                    var isDirectory = entry.FullName.EndsWith('/');
                    if (unixType == 0xA000)
                    {
                        throw CliFailure.Refused($"Archive entry '{Printable(entry.FullName)}' is a link; only regular files and directories are unpacked. The archive is refused.");
                    }

                    if (unixType is not (0 or 0x8000 or 0x4000) || (isDirectory && entry.Length != 0))
                    {
                        throw CliFailure.Refused($"Archive entry '{Printable(entry.FullName)}' is not a regular file or directory; the archive is refused.");
                    }

                    Add(entry.FullName, isDirectory, entry.Length, ((entry.ExternalAttributes >> 16) & 0x40) != 0);
                }
            }
            else
            {
                using var reader = new TarReader(new MemoryStream(archive, writable: false));
                while (reader.GetNextEntry(copyData: false) is { } entry)
                {
                    var isDirectory = entry.EntryType == TarEntryType.Directory;
                    if (!isDirectory && entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    {
                        var kind = entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink ? "a link" : $"of type {entry.EntryType}";
                        throw CliFailure.Refused($"Archive entry '{Printable(entry.Name)}' is {kind}; only regular files and directories are unpacked. The archive is refused.");
                    }

                    Add(entry.Name, isDirectory, entry.Length, (entry.Mode & UnixFileMode.UserExecute) != 0);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
        {
            throw CliFailure.Refused($"The decrypted content is not a valid {(format == ArchiveFormat.Zip ? "ZIP" : "tar")} archive ({e.Message}); it is refused.");
        }

        var files = entries.Where(e => !e.IsDirectory).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            for (var slash = entry.Path.IndexOf('/'); slash > 0; slash = entry.Path.IndexOf('/', slash + 1))
            {
                if (files.Contains(entry.Path[..slash]))
                {
                    throw CliFailure.Refused($"Archive entry '{Printable(entry.Path)}' lies under '{Printable(entry.Path[..slash])}', which the archive also has as a file. The archive is refused.");
                }
            }
        }

        return entries;
    }

    /// <summary>
    /// Checks, then unpacks into <paramref name="target"/> (created when missing). Existing files are
    /// replaced only with <paramref name="overwrite"/>; the digest is the h1 of the files unpacked.
    /// </summary>
    public static Unpacked Extract(byte[] archive, string target, bool overwrite)
    {
        var format = FormatOf(archive);
        var entries = Inspect(archive);
        var root = Path.GetFullPath(target);
        var rootInfo = new DirectoryInfo(root);
        if (File.Exists(root) || rootInfo.LinkTarget is not null)
        {
            throw CliFailure.Usage($"--output-dir {target} is a file or a link; pass a directory (it is created when missing).");
        }

        var replaced = CheckTarget(entries, root, target, overwrite);
        var parent = Path.GetDirectoryName(root)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(root)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var hashes = Stage(archive, format, entries, staging);
            if (!Directory.Exists(root))
            {
                Directory.Move(staging, root);
            }
            else
            {
                foreach (var entry in entries)
                {
                    var destination = Path.Combine(root, entry.Path);
                    if (entry.IsDirectory)
                    {
                        Directory.CreateDirectory(destination);
                        continue;
                    }

                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    File.Move(Path.Combine(staging, entry.Path), destination, overwrite);
                }
            }

            return new Unpacked(format, hashes.Count, replaced, DirectoryHash.ComputeFromFiles(hashes));
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Every conflict with what the target holds, found before anything is written; returns how many files will be replaced.</summary>
    private static int CheckTarget(IReadOnlyList<Entry> entries, string root, string target, bool overwrite)
    {
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var replaced = new List<string>();
        foreach (var entry in entries)
        {
            var current = root;
            var segments = entry.Path.Split('/');
            for (var i = 0; i < segments.Length; i++)
            {
                current = Path.Combine(current, segments[i]);
                var info = new FileInfo(current);
                if (info.LinkTarget is not null)
                {
                    throw CliFailure.Refused($"'{Printable(entry.Path)}' would be written through the link {current} in --output-dir {target}; nothing was written. Remove the link first.");
                }

                var isLast = i == segments.Length - 1;
                if (File.Exists(current) && (!isLast || entry.IsDirectory))
                {
                    throw CliFailure.Usage($"The archive has '{Printable(entry.Path)}' where {current} is a file; nothing was written. Move it away.");
                }

                if (isLast && !entry.IsDirectory && Directory.Exists(current))
                {
                    throw CliFailure.Usage($"The archive has the file '{Printable(entry.Path)}' where {current} is a directory; nothing was written. Move it away.");
                }

                if (isLast && !entry.IsDirectory && File.Exists(current))
                {
                    replaced.Add(entry.Path);
                }
            }
        }

        if (replaced.Count > 0 && !overwrite)
        {
            throw CliFailure.Usage($"--output-dir {target} already has {Plural.Of(replaced.Count, "file")} the archive holds ({string.Join(", ", replaced.Take(5).Select(Printable))}{(replaced.Count > 5 ? ", ..." : string.Empty)}); nothing was written. Pass --overwrite to replace them, or choose another directory.");
        }

        return replaced.Count;
    }

    private static List<(string Path, byte[] Sha256)> Stage(byte[] archive, ArchiveFormat format, IReadOnlyList<Entry> entries, string staging)
    {
        var stagingRoot = Path.GetFullPath(staging) + Path.DirectorySeparatorChar;
        var hashes = new List<(string, byte[])>();
        void Write(Entry entry, Func<Stream?> open)
        {
            var destination = Path.GetFullPath(Path.Combine(staging, entry.Path));
            if (!destination.StartsWith(stagingRoot, StringComparison.Ordinal))
            {
                throw CliFailure.Refused($"Archive entry '{Printable(entry.Path)}' resolves outside the target directory; the archive is refused.");
            }

            if (entry.IsDirectory)
            {
                Directory.CreateDirectory(destination);
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = entry.Executable ? FileMode | ExecuteBits : FileMode;
            }

            using var output = new FileStream(destination, options);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var input = open())
            {
                CopyExactly(input, output, hash, entry);
            }

            hashes.Add((entry.Path, hash.GetHashAndReset()));
        }

        try
        {
            if (format == ArchiveFormat.Zip)
            {
                using var zip = new ZipArchive(new MemoryStream(archive, writable: false), ZipArchiveMode.Read);
                for (var i = 0; i < entries.Count; i++)
                {
                    var zipEntry = zip.Entries[i];
                    Write(entries[i], () => entries[i].IsDirectory ? null : zipEntry.Open());
                }
            }
            else
            {
                using var reader = new TarReader(new MemoryStream(archive, writable: false));
                var index = 0;
                while (reader.GetNextEntry(copyData: false) is { } tarEntry)
                {
                    Write(entries[index++], () => tarEntry.DataStream);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw CliFailure.Refused($"The archive is damaged ({e.Message}); it is refused and nothing was written.");
        }

        return hashes;
    }

    /// <summary>Copies exactly the declared length: a ZIP entry that inflates beyond it (a bomb) or falls short is refused.</summary>
    private static void CopyExactly(Stream? input, Stream output, IncrementalHash hash, Entry entry)
    {
        var buffer = new byte[81920];
        long copied = 0;
        int read;
        while (input is not null && (read = input.Read(buffer, 0, (int)Math.Min(buffer.Length, entry.Length - copied + 1))) > 0)
        {
            copied += read;
            if (copied > entry.Length)
            {
                throw CliFailure.Refused($"Archive entry '{Printable(entry.Path)}' holds more than the {entry.Length} bytes it declares; the archive is refused and nothing was written.");
            }

            output.Write(buffer, 0, read);
            hash.AppendData(buffer, 0, read);
        }

        if (copied != entry.Length)
        {
            throw CliFailure.Refused($"Archive entry '{Printable(entry.Path)}' holds {copied} of the {entry.Length} bytes it declares; the archive is refused and nothing was written.");
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
