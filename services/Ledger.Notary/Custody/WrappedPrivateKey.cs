namespace Ledger.Notary.Custody;

/// <summary>
/// A private key at rest: AES-256-GCM ciphertext under the root key, with the kid and purpose
/// bound as associated data so a ciphertext moved to another key's row does not decrypt.
/// </summary>
public sealed class WrappedPrivateKey
{
    public Guid Id { get; set; }

    public string Purpose { get; set; } = "";

    /// <summary>Id of the root key that wrapped it.</summary>
    public string RootKeyId { get; set; } = "";

    public byte[] Nonce { get; set; } = [];

    public byte[] Ciphertext { get; set; } = [];

    public byte[] Tag { get; set; } = [];
}
