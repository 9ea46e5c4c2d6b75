namespace Ledger.Cli.Keys;

/// <summary>What a command needs a key for; each role has its own environment variable.</summary>
internal enum KeyRole
{
    SigningPrivate,
    SigningPublic,
    EncryptionPrivate,
    EncryptionPublic,
}
