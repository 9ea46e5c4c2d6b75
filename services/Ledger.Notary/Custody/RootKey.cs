using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Ledger.Notary.Custody;

/// <summary>
/// The root key that wraps every private key at rest. It comes from configuration (a file or
/// a value), never from the database, and Notary does not start without it.
/// </summary>
public sealed class RootKey
{
    public const string FileSetting = "Ledger:Notary:RootKeyFile";
    public const string ValueSetting = "Ledger:Notary:RootKey";
    private const int Length = 32;

    private readonly byte[] _wrappingKey;

    private RootKey(byte[] root)
    {
        // The root key itself never encrypts: a derived key does, and a derived id names it.
        _wrappingKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, root, Length, info: Encoding.ASCII.GetBytes("ledger-notary key wrapping v1"));
        Id = Convert.ToHexStringLower(HKDF.DeriveKey(HashAlgorithmName.SHA256, root, 8, info: Encoding.ASCII.GetBytes("ledger-notary root key id v1")));
        CryptographicOperations.ZeroMemory(root);
    }

    /// <summary>A non-secret id of the root key, stored beside each wrapped key to tell a wrong root key apart from corruption.</summary>
    public string Id { get; }

    internal ReadOnlySpan<byte> WrappingKey => _wrappingKey;

    public static RootKey FromConfiguration(IConfiguration configuration)
    {
        var file = configuration[FileSetting];
        var value = configuration[ValueSetting];
        string text;
        string source;
        if (!string.IsNullOrWhiteSpace(value))
        {
            text = value;
            source = $"setting {ValueSetting}";
        }
        else if (!string.IsNullOrWhiteSpace(file))
        {
            if (!File.Exists(file))
            {
                throw new NotaryStartupException(
                    $"Notary's root key file {file} does not exist. Restore it, or point Ledger__Notary__RootKeyFile at the right file.");
            }

            text = File.ReadAllText(file);
            source = $"file {file}";
        }
        else
        {
            throw new NotaryStartupException(
                "Notary has no root key, so it cannot protect or read private keys. Set Ledger__Notary__RootKeyFile to a file " +
                "holding 32 random bytes in base64 (create one with: (umask 077; head -c 32 /dev/urandom | base64 > notary-root.key)), " +
                "or Ledger__Notary__RootKey to the base64 value. `make run` creates .ledger/notary-root.key for local use.");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new NotaryStartupException($"Notary's root key ({source}) is not base64. It must be 32 random bytes, base64-encoded.");
        }

        if (root.Length != Length)
        {
            CryptographicOperations.ZeroMemory(root);
            throw new NotaryStartupException($"Notary's root key ({source}) is {root.Length} bytes; it must be exactly {Length} random bytes, base64-encoded.");
        }

        return new RootKey(root);
    }

    public override string ToString() => $"RootKey({Id})";
}

/// <summary>Notary cannot start safely; the message says why and what to do.</summary>
public sealed class NotaryStartupException(string message) : Exception(message);
