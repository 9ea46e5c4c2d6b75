using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Issuance.Licenses;
using Ledger.ServiceDefaults.Domain;
using Ledger.NotaryClient;
using Ledger.Verification;
using Marten;

namespace Ledger.Issuance.Features.Receipts;

/// <summary>
/// The receipt of a license's current key: its signature log entry (index stored with the license),
/// Notary's inclusion proof and the checkpoint it leads to, checked here before it is handed out.
/// </summary>
public sealed class LicenseReceipts(IDocumentStore store, SignatureLog.SignatureLogClient notary)
{
    public async Task<string> GetAsync(License license, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var logged = await session.LoadAsync<LicenseKeyLogEntry>(license.Id, cancellationToken);
        if (logged is null || logged.Revision != license.Revision)
        {
            throw new RuleViolation(
                $"License {license.Id}'s current key (revision {license.Revision}) has no signature log entry recorded with it: it was signed before the " +
                "signature log existed, or outside the ledger. Renew or change the license to issue a key with a receipt.");
        }

        GetInclusionProofResponse proof;
        try
        {
            proof = await notary.GetInclusionProofAsync(new GetInclusionProofRequest { Index = logged.LogIndex }, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (NotaryUnavailable.Is(e))
        {
            throw NotaryUnavailable.Because(e, "fetch the license key's receipt", "retry shortly; the license itself is unchanged");
        }

        var receipt = SignatureReceipt.Parse(proof.ReceiptJson);
        if (!receipt.Entry.Records(license.LicenseKey))
        {
            throw new InvalidOperationException($"Signature log entry {logged.LogIndex} is not the entry of license {license.Id}'s key; the stored index is wrong.");
        }

        return proof.ReceiptJson;
    }
}
