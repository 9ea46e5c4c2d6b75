using System.Text.Json;

namespace Ledger.Crypto.Tests;

/// <summary>Reads the vector files copied next to the test assembly (see Vectors/README.md).</summary>
internal static class TestVectors
{
    public static JsonElement Load(string relativePath)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Vectors", relativePath);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    public static byte[] Hex(JsonElement element, string member) =>
        Convert.FromHexString(element.GetProperty(member).GetString()!);

    public static string Text(JsonElement element, string member) =>
        element.GetProperty(member).GetString()!;
}
