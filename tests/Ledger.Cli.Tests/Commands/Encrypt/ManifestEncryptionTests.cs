using System.Formats.Tar;
using System.Text;
using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.Encrypt;

/// <summary>
/// <c>encrypt manifests</c> and <c>decrypt manifests</c>: a directory archived and encrypted, and
/// unpacked only when every entry is safe. Hostile archives are made here with TarWriter and
/// encrypted with Ledger.Crypto, as an attacker holding the public key could.
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
    public async Task unpacking_into_a_non_empty_directory_is_a_usage_error()
    {
        var jwe = issuer.NewPath(".jwe");
        (await Workspace.RunAsync("encrypt", "manifests", Manifests(), "--key", issuer.EncryptionPublic, "--output", jwe)).Expect(0);
        var target = Manifests();

        (await Workspace.RunAsync("decrypt", "manifests", jwe, "--key", issuer.EncryptionPrivate, "--output-dir", target)).Expect(2);
    }

    [Fact]
    public async Task a_directory_with_a_symlink_is_not_archived()
    {
        var source = Manifests();
        File.CreateSymbolicLink(Path.Combine(source, "link.yaml"), "/etc/passwd");
        var jwe = issuer.NewPath(".jwe");

        var result = (await Workspace.RunAsync("encrypt", "manifests", source, "--key", issuer.EncryptionPublic, "--output", jwe)).Expect(2);

        Assert.Contains("symbolic link", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(jwe));
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

    private string Encrypt(byte[] tar)
    {
        var path = issuer.NewPath(".jwe");
        File.WriteAllText(path, Jwe.Encrypt(tar, issuer.EncryptionKey, contentType: "application/x-tar"));
        return path;
    }
}
