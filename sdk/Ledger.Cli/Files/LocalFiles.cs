using System.Text;

namespace Ledger.Cli.Files;

/// <summary>
/// How ledgerctl reads and writes files: reads are bounded, new files are created exclusively
/// (never over an existing file or through a symbolic link) with their mode set at creation, and
/// files that are updated in place are replaced atomically.
/// </summary>
internal static class LocalFiles
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Refuses, before anything is written, when a file or link is already at <paramref name="path"/>.</summary>
    public static void RefuseExisting(string path, string what)
    {
        if (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            throw CliFailure.Usage($"{what} {path} already exists; ledgerctl never overwrites it. Move it away, or choose another path.");
        }
    }

    /// <summary>Creates <paramref name="path"/> with the content; fails if anything is there already.</summary>
    public static void WriteNew(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        RefuseExisting(path, "File");
        try
        {
            // CreateNew is O_CREAT|O_EXCL: it neither follows a link nor replaces a file created meanwhile.
            using var stream = new FileStream(path, Options(FileMode.CreateNew, mode));
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path) && !Directory.Exists(path))
        {
            throw CliFailure.Usage($"File {path} appeared while ledgerctl was writing it; nothing was overwritten. Choose another path.");
        }
    }

    /// <summary>Creates <paramref name="path"/> with the text and a final newline, streamed (a JWE of an archive runs to 100 MB and more).</summary>
    public static void WriteNewLine(string path, string content, UnixFileMode mode)
    {
        RefuseExisting(path, "File");
        using var stream = new FileStream(path, Options(FileMode.CreateNew, mode));
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true))
        {
            writer.Write(content);
            writer.Write('\n');
        }

        stream.Flush(flushToDisk: true);
    }

    public static void WriteNew(string path, string content, UnixFileMode mode) => WriteNew(path, Encoding.UTF8.GetBytes(content), mode);

    /// <summary>Creates <paramref name="path"/> for writing as a stream (an export runs to gigabytes); fails if anything is there already.</summary>
    public static FileStream CreateNew(string path, UnixFileMode mode)
    {
        RefuseExisting(path, "File");
        return new FileStream(path, Options(FileMode.CreateNew, mode));
    }

    /// <summary>Replaces (or creates) <paramref name="path"/> atomically: a reader sees the old or the new content, never part of it.</summary>
    public static void Replace(string path, string content, UnixFileMode mode)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, Options(FileMode.CreateNew, mode)))
            {
                stream.Write(Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads a text file of at most <paramref name="maxBytes"/>; a missing file is a usage error naming <paramref name="what"/>.</summary>
    public static string ReadText(string path, long maxBytes, string what) => Encoding.UTF8.GetString(ReadBytes(path, maxBytes, what));

    /// <summary>A file holding one token (JWS, JWE), without the whitespace around it; trimmed as bytes, so a large token is not copied again.</summary>
    public static string ReadToken(string path, long maxBytes, string what)
    {
        var bytes = ReadBytes(path, maxBytes, what);
        var token = bytes.AsSpan().Trim(" \t\r\n"u8);
        return Encoding.UTF8.GetString(token);
    }

    public static byte[] ReadBytes(string path, long maxBytes, string what)
    {
        if (!File.Exists(path))
        {
            throw CliFailure.Usage($"{Capitalized(what)} {path} does not exist. Check the path.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > maxBytes)
        {
            throw CliFailure.Refused($"{Capitalized(what)} {path} is {stream.Length} bytes; at most {maxBytes} are accepted.");
        }

        var buffer = new byte[stream.Length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>Creates a directory (and its parents) that only the user can enter, for state and caches.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateMode | UnixFileMode.UserExecute);
        }
    }

    private static FileStreamOptions Options(FileMode fileMode, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = fileMode, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        return options;
    }

    private static string Capitalized(string what) => what.Length == 0 ? what : char.ToUpperInvariant(what[0]) + what[1..];
}
