using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Crypto.Tests.Hashing;

public sealed class DirectoryHashTests : IDisposable
{
    // Computed outside .NET from the same tree (see WriteFixedTree), with GNU coreutils:
    //   cd tree && find . -type f | sed 's|^\./||' | LC_ALL=C sort \
    //     | while IFS= read -r f; do printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"; done \
    //     | sha256sum | cut -d' ' -f1 | xxd -r -p | base64
    // which printed 2DLCDY8PGuuMTtQ7BwS4jMLNy7KuryfLZ2VZ+bVNAOE=
    private const string FixedTreeHash = "h1:2DLCDY8PGuuMTtQ7BwS4jMLNy7KuryfLZ2VZ+bVNAOE=";

    private readonly string root = Path.Combine(Path.GetTempPath(), "ledger-dirhash-" + Guid.NewGuid().ToString("N"));

    public DirectoryHashTests()
    {
        Directory.CreateDirectory(root);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void hash_matches_an_independent_shell_pipeline()
    {
        WriteFixedTree();

        Assert.Equal(FixedTreeHash, DirectoryHash.Compute(root));
    }

    [Fact]
    public void hash_from_file_digests_matches_the_same_value()
    {
        var files = FixedTree.Select(f => (f.Path, SHA256.HashData(Encoding.UTF8.GetBytes(f.Content))));

        Assert.Equal(FixedTreeHash, DirectoryHash.ComputeFromFiles(files.Reverse()));
    }

    [Fact]
    public void empty_directory_hashes_the_empty_summary()
    {
        Assert.Equal("h1:" + Convert.ToBase64String(SHA256.HashData([])), DirectoryHash.Compute(root));
        Assert.Equal("h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", DirectoryHash.Compute(root));
    }

    [Fact]
    public void ignore_suffixes_are_honoured()
    {
        WriteFixedTree();
        File.WriteAllText(Path.Combine(root, "build.tmp"), "scratch");
        File.WriteAllText(Path.Combine(root, "src", "cache.tmp"), "scratch");

        Assert.Equal(FixedTreeHash, DirectoryHash.Compute(root, [".tmp"]));
        Assert.NotEqual(FixedTreeHash, DirectoryHash.Compute(root));
    }

    [Fact]
    public void a_changed_file_changes_the_hash()
    {
        WriteFixedTree();
        File.AppendAllText(Path.Combine(root, "src", "main.go"), " ");

        Assert.NotEqual(FixedTreeHash, DirectoryHash.Compute(root));
    }

    [Fact]
    public void a_renamed_file_changes_the_hash()
    {
        WriteFixedTree();
        File.Move(Path.Combine(root, "empty"), Path.Combine(root, "empty2"));

        Assert.NotEqual(FixedTreeHash, DirectoryHash.Compute(root));
    }

    [Fact]
    public void symlink_to_a_file_is_refused_naming_the_link()
    {
        WriteFixedTree();
        var link = Path.Combine(root, "docs", "link.md");
        File.CreateSymbolicLink(link, Path.Combine(root, "README.md"));

        var error = Assert.Throws<DirectoryHashException>(() => DirectoryHash.Compute(root));
        Assert.Equal(link, error.Path);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void symlink_to_a_directory_is_refused()
    {
        WriteFixedTree();
        var link = Path.Combine(root, "src-link");
        Directory.CreateSymbolicLink(link, Path.Combine(root, "src"));

        Assert.Equal(link, Assert.Throws<DirectoryHashException>(() => DirectoryHash.Compute(root)).Path);
    }

    [Fact]
    public void symlinked_root_is_refused()
    {
        WriteFixedTree();
        var link = root + "-link";
        Directory.CreateSymbolicLink(link, root);
        try
        {
            Assert.Throws<DirectoryHashException>(() => DirectoryHash.Compute(link));
        }
        finally
        {
            Directory.Delete(link);
        }
    }

    [Fact]
    public void fifo_is_refused_as_not_a_regular_file()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fifo = Path.Combine(root, "pipe");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var error = Assert.Throws<DirectoryHashException>(() => DirectoryHash.Compute(root));
        Assert.Equal(fifo, error.Path);
        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void file_name_with_a_newline_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.WriteAllText(Path.Combine(root, "bad\nname"), "x");

        Assert.Contains("newline", Assert.Throws<DirectoryHashException>(() => DirectoryHash.Compute(root)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void missing_directory_is_refused()
    {
        Assert.Throws<DirectoryHashException>(() => DirectoryHash.Compute(Path.Combine(root, "absent")));
    }

    [Fact]
    public void file_list_with_duplicate_paths_or_bad_digests_is_refused()
    {
        var digest = SHA256.HashData([]);

        Assert.Throws<DirectoryHashException>(() => DirectoryHash.ComputeFromFiles([("a", digest), ("a", digest)]));
        Assert.Throws<DirectoryHashException>(() => DirectoryHash.ComputeFromFiles([("a", new byte[20])]));
        Assert.Throws<DirectoryHashException>(() => DirectoryHash.ComputeFromFiles([("a\nb", digest)]));
    }

    [Fact]
    public void paths_sort_by_utf8_bytes_not_utf16_code_units()
    {
        // U+FF21 (EF BC A1 in UTF-8) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16.
        var digest = SHA256.HashData([]);
        var fullwidth = "\uFF21";
        var emoji = char.ConvertFromUtf32(0x1F600);
        var lines = $"{Convert.ToHexStringLower(digest)}  {fullwidth}\n{Convert.ToHexStringLower(digest)}  {emoji}\n";

        var expected = "h1:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(lines)));

        Assert.Equal(expected, DirectoryHash.ComputeFromFiles([(emoji, digest), (fullwidth, digest)]));
    }

    private static readonly (string Path, string Content)[] FixedTree =
    [
        ("README.md", "Ledger test tree\n"),
        ("bin/tool.sh", "#!/bin/sh\necho ok\n"),
        ("docs/a b.txt", "space in name\n"),
        ("docs/Z.txt", "upper\n"),
        ("src/main.go", "package main\n"),
        ("src/ünïcode.txt", "utf-8 name\n"),
        ("empty", string.Empty),
    ];

    private void WriteFixedTree()
    {
        foreach (var (path, content) in FixedTree)
        {
            var full = Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, Encoding.UTF8.GetBytes(content));
        }
    }
}
