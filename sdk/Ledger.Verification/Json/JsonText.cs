using System.Buffers;
using System.Text.Json;

namespace Ledger.Verification;

/// <summary>Compact, deterministic JSON writing: members in the order the writer emits them, no whitespace.</summary>
internal static class JsonText
{
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteNullable(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public static void WriteNullable(this Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static void WriteSeconds(this Utf8JsonWriter writer, string name, DateTimeOffset value) =>
        writer.WriteNumber(name, value.ToUnixTimeSeconds());

    public static void WriteNullableSeconds(this Utf8JsonWriter writer, string name, DateTimeOffset? value) =>
        writer.WriteNullable(name, value?.ToUnixTimeSeconds());
}
