using System.Text;
using System.Text.Json;

namespace Ledger.Crypto;

/// <summary>One signature of a JWS JSON document: the base64url protected header and the base64url signature.</summary>
public sealed record JwsJsonSignature(string Protected, string Signature);

/// <summary>
/// JWS JSON General Serialization (RFC 7515 §7.2.1): one payload, several signatures over it, as
/// <c>{"payload":"...","signatures":[{"protected":"...","signature":"..."}, ...]}</c>. Read strictly:
/// exactly those members, each once, every value canonical base64url. Unprotected <c>header</c>
/// members, the flattened syntax and detached payloads are refused, because Ledger takes kid and alg
/// only from a signed header. Each signature is verified as the compact JWS it stands for, by
/// <see cref="Jws.Verify"/>, so both forms get the same checks.
/// </summary>
public sealed class JwsJson
{
    public const int MaxSignatures = 8;

    /// <summary>Default bound on the JSON text <see cref="Parse"/> accepts.</summary>
    public const int DefaultMaxBytes = 256 * 1024;

    private const string What = "JWS JSON document";

    private JwsJson(string payload, IReadOnlyList<JwsJsonSignature> signatures)
    {
        Payload = payload;
        Signatures = signatures;
    }

    /// <summary>The payload, base64url.</summary>
    public string Payload { get; }

    public IReadOnlyList<JwsJsonSignature> Signatures { get; }

    /// <exception cref="JoseException">A value is not canonical base64url, or there are no or too many signatures.</exception>
    public static JwsJson Create(string payload, IEnumerable<JwsJsonSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(signatures);
        var list = signatures.ToList();
        RequireBase64Url(payload, "payload");
        if (list.Count is 0 or > MaxSignatures)
        {
            throw new JoseException($"A {What} carries 1 to {MaxSignatures} signatures, not {list.Count}.");
        }

        for (var i = 0; i < list.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(list[i]);
            if (list[i].Protected.Length == 0)
            {
                throw new JoseException($"Signature {i} of the {What} has an empty protected header; Ledger signs only protected headers.");
            }

            RequireBase64Url(list[i].Protected, $"signatures[{i}].protected");
            RequireBase64Url(list[i].Signature, $"signatures[{i}].signature");
        }

        return new JwsJson(payload, list.AsReadOnly());
    }

    /// <summary>The general form of a compact JWS: its payload and its one signature.</summary>
    /// <exception cref="JoseException">The text is not three base64url parts.</exception>
    public static JwsJson FromCompact(string compact)
    {
        ArgumentNullException.ThrowIfNull(compact);
        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            throw new JoseException($"A compact JWS has 3 dot-separated parts; this one has {parts.Length}.");
        }

        return Create(parts[1], [new JwsJsonSignature(parts[0], parts[2])]);
    }

    /// <exception cref="JoseException">The text is not a general-serialization JWS Ledger accepts; the message says why.</exception>
    public static JwsJson Parse(string json, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Encoding.UTF8.GetByteCount(json) > maxBytes)
        {
            throw new JoseException($"The {What} is larger than {maxBytes} bytes.");
        }

        var root = StrictJson.ParseObject(json, What);
        foreach (var member in root.EnumerateObject())
        {
            switch (member.Name)
            {
                case "payload" or "signatures":
                    break;
                case "protected" or "signature" or "header":
                    throw new JoseException($"The {What} has a top-level '{member.Name}': that is the flattened syntax. Send the general syntax, {{\"payload\",\"signatures\":[...]}}.");
                default:
                    throw new JoseException($"The {What} has an unexpected member '{JsonWebKey.Printable(member.Name)}'; only 'payload' and 'signatures' are accepted.");
            }
        }

        if (!root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.String)
        {
            throw new JoseException($"The {What} has no string 'payload'; detached payloads are not accepted.");
        }

        if (!root.TryGetProperty("signatures", out var signatures) || signatures.ValueKind != JsonValueKind.Array)
        {
            throw new JoseException($"The {What} has no 'signatures' array.");
        }

        var list = new List<JwsJsonSignature>();
        var index = 0;
        foreach (var signature in signatures.EnumerateArray())
        {
            if (index >= MaxSignatures)
            {
                throw new JoseException($"The {What} carries more than {MaxSignatures} signatures.");
            }

            list.Add(ReadSignature(signature, index++));
        }

        return Create(payload.GetString()!, list);
    }

    /// <summary>The payload bytes.</summary>
    public byte[] PayloadBytes() => Base64Url.Decode(Payload);

    /// <summary>The compact JWS signature <paramref name="index"/> stands for: protected.payload.signature.</summary>
    public string ToCompact(int index) => $"{Signatures[index].Protected}.{Payload}.{Signatures[index].Signature}";

    /// <summary>A copy with one more signature over the same payload.</summary>
    public JwsJson WithSignature(JwsJsonSignature signature) => Create(Payload, [.. Signatures, signature]);

    /// <summary>Verifies signature <paramref name="index"/> as <see cref="Jws.Verify"/> does a compact JWS.</summary>
    public JwsVerification Verify(int index, JsonWebKeySet trusted, JwsVerifyOptions? options = null) =>
        Jws.Verify(ToCompact(index), trusted, options);

    /// <summary>Members in a fixed order: payload, then signatures, each protected then signature.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("payload", Payload);
            writer.WriteStartArray("signatures");
            foreach (var signature in Signatures)
            {
                writer.WriteStartObject();
                writer.WriteString("protected", signature.Protected);
                writer.WriteString("signature", signature.Signature);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static JwsJsonSignature ReadSignature(JsonElement signature, int index)
    {
        if (signature.ValueKind != JsonValueKind.Object)
        {
            throw new JoseException($"Signature {index} of the {What} must be an object, not {signature.ValueKind}.");
        }

        foreach (var member in signature.EnumerateObject())
        {
            if (member.Name == "header")
            {
                throw new JoseException($"Signature {index} of the {What} has an unprotected 'header'; Ledger reads kid and alg only from the protected header, so put them there.");
            }

            if (member.Name is not ("protected" or "signature"))
            {
                throw new JoseException($"Signature {index} of the {What} has an unexpected member '{JsonWebKey.Printable(member.Name)}'; only 'protected' and 'signature' are accepted.");
            }
        }

        var protectedHeader = StrictJson.OptionalString(signature, "protected", $"{What} signature {index}")
            ?? throw new JoseException($"Signature {index} of the {What} has no 'protected' header.");
        var value = StrictJson.OptionalString(signature, "signature", $"{What} signature {index}")
            ?? throw new JoseException($"Signature {index} of the {What} has no 'signature'.");
        return new JwsJsonSignature(protectedHeader, value);
    }

    private static void RequireBase64Url(string value, string member)
    {
        if (!Base64Url.TryDecode(value, out _))
        {
            throw new JoseException($"The {What} member '{member}' is not canonical base64url (RFC 7515 §2, no padding).");
        }
    }
}
