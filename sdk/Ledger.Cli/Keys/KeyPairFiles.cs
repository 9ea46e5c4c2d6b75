using Ledger.Cli.Files;

namespace Ledger.Cli.Keys;

/// <summary>Writes a private and a public key file as a pair: both or neither.</summary>
internal static class KeyPairFiles
{
    public static void Write(string privatePath, string privateJson, string publicPath, string publicJson)
    {
        // Refuse before writing anything, so an existing pair is never half replaced.
        LocalFiles.RefuseExisting(privatePath, "Key file");
        LocalFiles.RefuseExisting(publicPath, "Key file");
        LocalFiles.WriteNew(privatePath, privateJson, LocalFiles.PrivateMode);
        try
        {
            LocalFiles.WriteNew(publicPath, publicJson, LocalFiles.PublicMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CliFailure)
        {
            File.Delete(privatePath);
            throw CliFailure.Io($"Could not write the public key file {publicPath}: {e.Message} Removed {privatePath} again, so no half key pair is left. Fix the path and run the command again.", e);
        }
    }

    public static string OutputDirectory(string? directory)
    {
        var path = string.IsNullOrEmpty(directory) ? "." : directory;
        if (File.Exists(path))
        {
            throw CliFailure.Usage($"--output-dir {path} is a file; pass a directory.");
        }

        Directory.CreateDirectory(path);
        return path;
    }
}
