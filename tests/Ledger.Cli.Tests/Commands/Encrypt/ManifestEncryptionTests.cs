using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.Encrypt;

/// <summary>
/// <c>encrypt manifests</c> and <c>decrypt manifests</c>: a directory archived (ZIP) and encrypted, and
/// unpacked only when every entry is safe. Hostile archives are made here with ZipArchive and TarWriter
/// (tar: what older ledgerctl versions made, still read) and encrypted with Ledger.Crypto, as an
/// attacker holding the public key could.
/// </summary>
public sealed class ManifestEncryptionTests(IssuerWithKeys issuer) : IClassFixture<IssuerWithKeys>
{
    private Workspace Workspace => issuer.Workspace;

    [Fact]
    public async Task a_directory_round_trips_with_the_same_digest()
    {
        var source = Manifests();
        var jwe = issuer.NewPath(".jwe");
        var target = issuer.NewPath(".out");

        var encrypted = (await Workspace.RunAsync("encrypt", "manifests", source, "--key", issuer.EncryptionPublic, "--output", jwe, "--output-format", "json")).Expect(0);
        var decrypted = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target, "--output-format", "json")).Expect(0);

        Assert.Equal(DirectoryHash.Compute(source), encrypted.Json["digest"]!.GetValue<string>());
        Assert.Equal(encrypted.Json["digest"]!.GetValue<string>(), decrypted.Json["digest"]!.GetValue<string>());
        Assert.Equal(3, decrypted.Json["files"]!.GetValue<int>());
        Assert.Equal("kind: Deployment\n", File.ReadAllText(Path.Combine(target, "apps", "deploy.yaml")));
        Assert.True((File.GetUnixFileMode(Path.Combine(target, "hook.sh")) & UnixFileMode.UserExecute) != 0);
    }

    [Fact]
    public async Task an_entry_escaping_the_directory_is_refused_and_nothing_is_written()
    {
        var target = issuer.NewPath(".out");
        var jwe = Encrypt(Tar(w => AddFile(w, "ok.yaml", "fine"), w => AddFile(w, "../escaped.yaml", "pwned")));

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target)).Expect(1);

        Assert.Contains("could escape the target directory", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(target)!, "escaped.yaml")));
        Assert.Empty(Directory.GetDirectories(Workspace.Directory, ".*partial*"));
    }

    [Fact]
    public async Task an_absolute_entry_is_refused()
    {
        var jwe = Encrypt(Tar(w => AddFile(w, "/tmp/ledgerctl-absolute.yaml", "pwned")));

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", issuer.NewPath(".out"))).Expect(1);

        Assert.Contains("absolute path", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink)]
    [InlineData(TarEntryType.HardLink)]
    public async Task links_in_an_archive_are_refused(TarEntryType type)
    {
        var jwe = Encrypt(Tar(w => w.WriteEntry(new PaxTarEntry(type, "link.yaml") { LinkName = "/etc/passwd" })));

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", issuer.NewPath(".out"))).Expect(1);

        Assert.Contains("is a link", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_archive_declaring_more_than_32_MiB_is_refused_before_reading_its_data()
    {
        var tar = Tar(w => AddFile(w, "huge.yaml", "x"));
        DeclareSize(tar, 200L * 1024 * 1024);
        var jwe = Encrypt(tar);
        var target = issuer.NewPath(".out");

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target)).Expect(1);

        Assert.Contains("more than 32 MiB", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task an_archive_with_more_than_10000_entries_is_refused()
    {
        var jwe = Encrypt(Tar(w =>
        {
            for (var i = 0; i <= 10_000; i++)
            {
                w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, $"d{i}/"));
            }
        }));

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", issuer.NewPath(".out"))).Expect(1);

        Assert.Contains("more than 10000 entries", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_entry_given_twice_is_refused()
    {
        var jwe = Encrypt(Tar(w => AddFile(w, "a.yaml", "checked"), w => AddFile(w, "a.yaml", "swapped")));

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", issuer.NewPath(".out"))).Expect(1);

        Assert.Contains("appears twice", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_encrypted_file_over_the_size_limit_is_refused_unread()
    {
        var jwe = issuer.NewPath(".jwe");
        using (var file = File.Create(jwe))
        {
            file.SetLength(64L * 1024 * 1024);
        }

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", issuer.NewPath(".out"))).Expect(1);
        File.Delete(jwe);

        Assert.Contains("at most", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task existing_files_are_replaced_only_with_overwrite_and_nothing_is_written_without_it()
    {
        var jwe = issuer.NewPath(".jwe");
        (await Workspace.RunAsync("encrypt", "manifests", Manifests(), "--key", issuer.EncryptionPublic, "--output", jwe)).Expect(0);
        var target = issuer.NewPath(".out");
        Directory.CreateDirectory(Path.Combine(target, "apps"));
        File.WriteAllText(Path.Combine(target, "apps", "deploy.yaml"), "local edit\n");
        File.WriteAllText(Path.Combine(target, "unrelated.txt"), "mine\n");

        var refused = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target)).Expect(2);
        Assert.Contains("--overwrite", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("apps/deploy.yaml", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("local edit\n", File.ReadAllText(Path.Combine(target, "apps", "deploy.yaml")));
        Assert.False(File.Exists(Path.Combine(target, "kustomization.yaml")));

        var replaced = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "-o", target, "--overwrite", "--output-format", "json")).Expect(0);
        Assert.Equal(1, replaced.Json["replaced"]!.GetValue<int>());
        Assert.Equal("kind: Deployment\n", File.ReadAllText(Path.Combine(target, "apps", "deploy.yaml")));
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(target, "unrelated.txt")));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(target)!, ".*partial*"));
    }

    [Fact]
    public async Task a_link_already_in_the_target_is_never_written_through()
    {
        var jwe = issuer.NewPath(".jwe");
        (await Workspace.RunAsync("encrypt", "manifests", Manifests(), "--key", issuer.EncryptionPublic, "--output", jwe)).Expect(0);
        var target = issuer.NewPath(".out");
        var elsewhere = issuer.NewPath(".elsewhere");
        Directory.CreateDirectory(target);
        Directory.CreateDirectory(elsewhere);
        Directory.CreateSymbolicLink(Path.Combine(target, "apps"), elsewhere);

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target, "--overwrite")).Expect(1);

        Assert.Contains("through the link", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
    }

    [Fact]
    public async Task links_in_a_directory_are_skipped_and_reported_as_flux_does()
    {
        var source = Manifests();
        File.CreateSymbolicLink(Path.Combine(source, "link.yaml"), "/etc/passwd");
        var jwe = issuer.NewPath(".jwe");
        var target = issuer.NewPath(".out");

        var result = (await Workspace.RunAsync("encrypt", "manifests", source, "--key", issuer.EncryptionPublic, "--output", jwe)).Expect(0);
        (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target)).Expect(0);

        Assert.Contains("skipped link.yaml", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(target, "link.yaml")));
        Assert.True(File.Exists(Path.Combine(target, "kustomization.yaml")));
    }

    [Fact]
    public async Task a_zip_entry_escaping_the_directory_is_refused_and_nothing_is_written()
    {
        var target = issuer.NewPath(".out");
        var jwe = Encrypt(Zip(("ok.yaml", "fine", 0), ("../escaped.yaml", "pwned", 0)));

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target)).Expect(1);

        Assert.Contains("could escape the target directory", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(target)!, "escaped.yaml")));
    }

    [Fact]
    public async Task a_zip_symlink_entry_is_refused()
    {
        var jwe = Encrypt(Zip(("link.yaml", "/etc/passwd", 0xA1FF)));

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", issuer.NewPath(".out"))).Expect(1);

        Assert.Contains("is a link", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_zip_entry_never_inflates_beyond_its_declared_size()
    {
        var zip = Zip(("bomb.yaml", new string('x', 4096), 0));
        DeclareZipSize(zip, 16);
        var target = issuer.NewPath(".out");

        (await Workspace.RunAsync("decrypt", "manifests", Encrypt(zip), "--key", issuer.EncryptionPrivate, "--output-dir", target)).Expect(0);

        // The declared sizes are what the 32 MiB limit was checked against; no more is ever written.
        Assert.Equal(16, new FileInfo(Path.Combine(target, "bomb.yaml")).Length);
    }

    [Fact]
    public async Task a_tar_archive_of_an_older_ledgerctl_still_unpacks()
    {
        var target = issuer.NewPath(".out");
        var jwe = Encrypt(Tar(w => AddFile(w, "apps/deploy.yaml", "kind: Deployment\n")));

        var result = (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target, "--output-format", "json")).Expect(0);

        Assert.Equal("tar", result.Json["format"]!.GetValue<string>());
        Assert.Equal("kind: Deployment\n", File.ReadAllText(Path.Combine(target, "apps", "deploy.yaml")));
    }

    [Fact]
    public async Task decrypting_an_archive_with_the_wrong_key_is_refused()
    {
        var jwe = issuer.NewPath(".jwe");
        (await Workspace.RunAsync("encrypt", "manifests", Manifests(), "--key", issuer.EncryptionPublic, "--output", jwe)).Expect(0);

        (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.OtherEncryptionPrivate, "--output-dir", issuer.NewPath(".out"))).Expect(1);
    }

    private string Manifests()
    {
        var root = issuer.NewPath(".d");
        Directory.CreateDirectory(Path.Combine(root, "apps"));
        File.WriteAllText(Path.Combine(root, "apps", "deploy.yaml"), "kind: Deployment\n");
        File.WriteAllText(Path.Combine(root, "kustomization.yaml"), "resources: [apps/deploy.yaml]\n");
        File.WriteAllText(Path.Combine(root, "hook.sh"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(root, "hook.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return root;
    }

    private static byte[] Tar(params Action<TarWriter>[] writes)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var write in writes)
            {
                write(writer);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>A ZIP with the given entries; a non-zero mode is written as the entry's Unix mode (0xA1FF: a symbolic link).</summary>
    private static byte[] Zip(params (string Name, string Content, int UnixMode)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, mode) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                if (mode != 0)
                {
                    entry.ExternalAttributes = mode << 16;
                }

                using var stream = entry.Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Rewrites the uncompressed size of the ZIP's first entry (local header offset 22, central directory offset 24), as a hostile archiver could.</summary>
    private static void DeclareZipSize(byte[] zip, int size)
    {
        BitConverter.GetBytes(size).CopyTo(zip, 22);
        var central = zip.AsSpan().IndexOf("PK\u0001\u0002"u8);
        BitConverter.GetBytes(size).CopyTo(zip, central + 24);
    }

    private static void AddFile(TarWriter writer, string name, string content) =>
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });

    /// <summary>Rewrites the first file entry's size field (octal, offset 124) and checksum, as a hostile archiver could.</summary>
    private static void DeclareSize(byte[] tar, long size)
    {
        // PAX writes an extended-header entry first; the file's own ustar header follows its data block.
        var header = 0;
        while (tar[header + 156] != (byte)'0')
        {
            var length = Convert.ToInt64(Encoding.ASCII.GetString(tar, header + 124, 11).Trim('\0', ' '), 8);
            header += 512 + (int)((length + 511) / 512 * 512);
        }

        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(tar, header + 124);
        Encoding.ASCII.GetBytes("        ").CopyTo(tar, header + 148);
        var sum = tar.AsSpan(header, 512).ToArray().Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, header + 148);
    }

    private string Encrypt(byte[] archive)
    {
        var path = issuer.NewPath(".jwe");
        File.WriteAllText(path, Jwe.Encrypt(archive, issuer.EncryptionKey));
        return path;
    }
}
