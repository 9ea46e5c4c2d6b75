namespace Ledger.ClientTokens;

/// <summary>The roles a client can hold. Each rpc declares the roles it accepts.</summary>
public static class LedgerRoles
{
    /// <summary>Issues, renews and changes licenses.</summary>
    public const string Issuer = "issuer";

    /// <summary>Revokes licenses.</summary>
    public const string Revoker = "revoker";

    /// <summary>Attests artifacts.</summary>
    public const string Attestor = "attestor";

    /// <summary>Rotates, retires and marks keys compromised.</summary>
    public const string KeyAdmin = "key-admin";

    /// <summary>Reads everything, changes nothing.</summary>
    public const string Auditor = "auditor";

    /// <summary>A service identity's role (Issuance's): asks Notary to sign license keys. No API client holds it.</summary>
    public const string LicenseSigner = "license-signer";

    /// <summary>Revocation's identity: asks Notary to sign revocation feeds and filters.</summary>
    public const string FeedSigner = "feed-signer";

    /// <summary>Attestation's identity: asks Notary to sign and countersign attestations.</summary>
    public const string AttestationSigner = "attestation-signer";

    /// <summary>
    /// Revocation's identity, at Issuance and Attestation: lists the integration events the service already
    /// published (Admin.ListPublishedEvents), to catch up on any its queues missed. Reads, changes nothing.
    /// </summary>
    public const string EventReader = "event-reader";

    public static readonly IReadOnlyList<string> All = [Issuer, Revoker, Attestor, KeyAdmin, Auditor, LicenseSigner, FeedSigner, AttestationSigner, EventReader];

    /// <summary>The roles clients of the APIs hold; never the signer roles of the services' identities.</summary>
    public static readonly IReadOnlyList<string> Api = [Issuer, Revoker, Attestor, KeyAdmin, Auditor];

    /// <summary>For reads: the role that writes a record may also read it.</summary>
    public const string IssuerOrAuditor = Issuer + "," + Auditor;

    public const string RevokerOrAuditor = Revoker + "," + Auditor;

    public const string AttestorOrAuditor = Attestor + "," + Auditor;

    public const string KeyAdminOrAuditor = KeyAdmin + "," + Auditor;

    public const string EventReaderOrAuditor = EventReader + "," + Auditor;

    /// <summary>Any of the services' signing identities (each is limited to its own purpose inside Notary).</summary>
    public const string Signer = LicenseSigner + "," + FeedSigner + "," + AttestationSigner;
}
