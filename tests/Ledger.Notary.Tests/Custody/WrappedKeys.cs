using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Ledger.Notary.Tests.Custody;

/// <summary>
/// Reads Notary's wrapped private keys straight from PostgreSQL and opens them with the root
/// key, following the documented format (HKDF-SHA256 wrapping key, AES-256-GCM, kid and
/// purpose as associated data) independently of Notary's code.
/// </summary>
public static class WrappedKeys
{
    public sealed record Opened(Guid Kid, string Purpose, byte[] Secret);

    public static async Task<IReadOnlyList<Opened>> OpenAllAsync(string connectionString, string rootKeyBase64)
    {
        var wrappingKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(rootKeyBase64), 32,
            info: Encoding.ASCII.GetBytes("ledger-notary key wrapping v1"));
        var result = new List<Opened>();
        foreach (var row in await RawRowsAsync(connectionString, "select data::text from notary.mt_doc_wrappedprivatekey"))
        {
            using var json = JsonDocument.Parse(row);
            var root = json.RootElement;
            var kid = Guid.Parse(Get(root, "Id").GetString()!);
            var purpose = Get(root, "Purpose").GetString()!;
            var nonce = Get(root, "Nonce").GetBytesFromBase64();
            var ciphertext = Get(root, "Ciphertext").GetBytesFromBase64();
            var tag = Get(root, "Tag").GetBytesFromBase64();
            var secret = new byte[ciphertext.Length];
            using var aes = new AesGcm(wrappingKey, tag.Length);
            aes.Decrypt(nonce, ciphertext, tag, secret, Encoding.ASCII.GetBytes($"ledger-notary private key v1|{kid}|{purpose}"));
            result.Add(new Opened(kid, purpose, secret));
        }

        return result;
    }

    /// <summary>Every row of every table in the notary schema, as text.</summary>
    public static async Task<string> DumpSchemaAsync(string connectionString)
    {
        var tables = await RawRowsAsync(connectionString,
            "select table_name from information_schema.tables where table_schema = 'notary' and table_type = 'BASE TABLE'");
        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            foreach (var row in await RawRowsAsync(connectionString, $"select t::text from notary.\"{table}\" t"))
            {
                dump.AppendLine(row);
            }
        }

        return dump.ToString();
    }

    /// <summary>The ways a secret could appear in text: base64url, base64, hex.</summary>
    public static IEnumerable<string> Encodings(byte[] secret) =>
        [Ledger.Crypto.Base64Url.Encode(secret), Convert.ToBase64String(secret), Convert.ToHexStringLower(secret), Convert.ToHexString(secret)];

    public static async Task<List<string>> RawRowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static JsonElement Get(JsonElement element, string name) =>
        element.EnumerateObject().First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
}
