using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Attestation.Features.Verifying;

/// <summary>
/// An attestation as a verifier holds it: a compact JWS (Notary alone) or JWS JSON general
/// serialization (vendor and Notary), read into one shape: a payload and its signatures.
/// </summary>
public sealed class AttestationEnvelope
{
    private AttestationEnvelope(JwsJson document)
    {
        Document = document;
        Payload = document.PayloadBytes();
        Kids = [.. document.Signatures.Select(s => UnverifiedKid(s.Protected))];
    }

    public JwsJson Document { get; }

    public byte[] Payload { get; }

    /// <summary>The kid each signature's header names, before anything is verified: only for choosing keys.</summary>
    public IReadOnlyList<string?> Kids { get; }

    public static bool TryParse(string text, out AttestationEnvelope envelope, out string problem)
    {
        envelope = null!;
        problem = "";
        try
        {
            var trimmed = text.Trim();
            envelope = trimmed.StartsWith('{')
                ? new AttestationEnvelope(JwsJson.Parse(trimmed))
                : new AttestationEnvelope(JwsJson.FromCompact(trimmed));
            return true;
        }
        catch (JoseException e)
        {
            problem = $"The attestation is neither a compact JWS nor JWS JSON general serialization: {e.Message}";
            return false;
        }
    }

    private static string? UnverifiedKid(string protectedHeader)
    {
        try
        {
            using var header = JsonDocument.Parse(Base64Url.Decode(protectedHeader));
            return header.RootElement.ValueKind == JsonValueKind.Object
                && header.RootElement.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String
                ? kid.GetString()
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
