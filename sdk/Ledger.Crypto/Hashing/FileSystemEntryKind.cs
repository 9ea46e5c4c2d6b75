using System.Runtime.InteropServices;

namespace Ledger.Crypto;

internal enum FileSystemEntryKind
{
    RegularFile,
    Directory,
    SymbolicLink,
    Other,
}

/// <summary>
/// What an entry is, without following links. .NET reports symlinks but not FIFOs, sockets or devices,
/// and opening a FIFO to hash it would block forever; on Linux statx gives the real file type.
/// </summary>
internal static partial class FileSystemEntry
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int TypeMask = 0xF000;

    private static bool statxUnavailable;

    public static FileSystemEntryKind KindOf(FileSystemInfo entry)
    {
        if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            return FileSystemEntryKind.SymbolicLink;
        }

        if (OperatingSystem.IsLinux() && !statxUnavailable)
        {
            var buffer = new byte[256];
            try
            {
                if (Statx(AtFdCwd, entry.FullName, AtSymlinkNoFollow, StatxType, buffer) == 0)
                {
                    return (BitConverter.ToUInt16(buffer, ModeOffset) & TypeMask) switch
                    {
                        0x8000 => FileSystemEntryKind.RegularFile,
                        0x4000 => FileSystemEntryKind.Directory,
                        0xA000 => FileSystemEntryKind.SymbolicLink,
                        _ => FileSystemEntryKind.Other,
                    };
                }
            }
            catch (EntryPointNotFoundException)
            {
                statxUnavailable = true;
            }
            catch (DllNotFoundException)
            {
                statxUnavailable = true;
            }
        }

        if (entry.Attributes.HasFlag(FileAttributes.Device))
        {
            return FileSystemEntryKind.Other;
        }

        return entry switch
        {
            DirectoryInfo => FileSystemEntryKind.Directory,
            FileInfo => FileSystemEntryKind.RegularFile,
            _ => FileSystemEntryKind.Other,
        };
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
