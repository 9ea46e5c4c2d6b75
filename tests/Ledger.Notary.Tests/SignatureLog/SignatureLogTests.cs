using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Verification;

namespace Ledger.Notary.Tests.SignatureLog;

/// <summary>Notary's signature log through the real service: one entry per signature, checkpoints and proofs over HTTP and gRPC.</summary>
public sealed class SignatureLogTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    private const string Origin = "ledger/signature-log";

    [Fact]
    public async Task every_license_feed_and_attestation_signed_has_exactly_one_log_entry()
    {
        var start = await SizeAsync();
        var signatures = new List<(string Jws, long Index, string Purpose, string Subject, string Client)>();
        var license = SignRequests.LicenseClaims();
        var single = await notary.Licenses.SignAsync(SignRequests.License(license));
        signatures.Add((single.Jws, single.LogIndex, "license", license.LicenseId.ToString(), TestClients.Issuance));

        var batchClaims = Enumerable.Range(0, 5).Select(_ => SignRequests.LicenseClaims()).ToList();
        var batch = new SignBatchRequest { Purpose = KeyPurpose.License, Typ = "license+jwt", ExpiresAt = Timestamp.FromDateTimeOffset(batchClaims.Max(c => c.ExpiresAt)) };
        batch.Payloads.AddRange(batchClaims.Select(c => Google.Protobuf.ByteString.CopyFrom(c.ToJson())));
        var batchSigned = await notary.Licenses.SignBatchAsync(batch);
        signatures.AddRange(batchSigned.Jws.Select((jws, i) => (jws, batchSigned.LogIndexes[i], "license", batchClaims[i].LicenseId.ToString(), TestClients.Issuance)));

        var feed = await notary.Feeds.SignAsync(SignRequests.Feed(SignRequests.FeedPayload(version: 0)));
        signatures.Add((feed.Jws, feed.LogIndex, "feed", "feed/0", TestClients.Revocation));

        var attestationId = UuidV7.NewId();
        var attestation = await notary.Attestations.SignAsync(SignRequests.Attestation(SignRequests.AttestationStatement(attestationId)));
        signatures.Add((attestation.Jws, attestation.LogIndex, "attestation", attestationId.ToString(), TestClients.Attestation));

        var countersignedId = UuidV7.NewId();
        var statement = SignRequests.AttestationStatement(countersignedId);
        var countersigned = await notary.Attestations.CountersignAsync(SignRequests.Countersign(statement));
        signatures.Add(($"{countersigned.Protected}.{Base64Url.Encode(statement)}.{countersigned.Signature}", countersigned.LogIndex, "attestation", countersignedId.ToString(), TestClients.Attestation));

        var entries = (await EntriesAsync()).Where(e => e.Index >= start).ToList();

        Assert.Equal(signatures.Count, entries.Count);
        foreach (var (jws, index, purpose, subject, client) in signatures)
        {
            var signingInput = SHA256.HashData(Encoding.ASCII.GetBytes(jws[..jws.LastIndexOf('.')]));
            var entry = Assert.Single(entries, e => e.InputSha256.ToByteArray().AsSpan().SequenceEqual(signingInput));
            Assert.Equal((index, purpose, subject, client, Jws.PeekKid(jws)), (entry.Index, entry.Purpose, entry.Subject, entry.Client, entry.Kid));
        }
    }

    [Fact]
    public async Task concurrent_signings_share_commits_yet_each_gets_its_own_contiguous_gapless_entries()
    {
        // 48 single signings and 4 batches of 10 at once: the log commits them in groups (one
        // transaction for whoever queued meanwhile); every signature still has exactly its own entry.
        var start = await SizeAsync();
        var singles = Enumerable.Range(0, 48).Select(async _ =>
        {
            var claims = SignRequests.LicenseClaims();
            var signed = await notary.Licenses.SignAsync(SignRequests.License(claims));
            return new[] { (signed.Jws, signed.LogIndex, claims.LicenseId.ToString()) };
        });
        var batches = Enumerable.Range(0, 4).Select(async _ =>
        {
            var claims = Enumerable.Range(0, 10).Select(_ => SignRequests.LicenseClaims()).ToList();
            var request = new SignBatchRequest { Purpose = KeyPurpose.License, Typ = "license+jwt", ExpiresAt = Timestamp.FromDateTimeOffset(claims.Max(c => c.ExpiresAt)) };
            request.Payloads.AddRange(claims.Select(c => Google.Protobuf.ByteString.CopyFrom(c.ToJson())));
            var signed = await notary.Licenses.SignBatchAsync(request);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => signed.LogIndexes[0] + i), signed.LogIndexes);
            return signed.Jws.Select((jws, i) => (jws, signed.LogIndexes[i], claims[i].LicenseId.ToString())).ToArray();
        });

        var signatures = (await Task.WhenAll(singles.Concat(batches))).SelectMany(s => s).ToList();

        Assert.Equal(Enumerable.Range(0, 88).Select(i => start + i), signatures.Select(s => s.Item2).Order());
        var entries = (await EntriesAsync()).ToDictionary(e => e.Index);
        Assert.Equal(Enumerable.Range(0, (int)start + 88).Select(i => (long)i), entries.Keys.Order());
        foreach (var (jws, index, subject) in signatures)
        {
            var signingInput = SHA256.HashData(Encoding.ASCII.GetBytes(jws[..jws.LastIndexOf('.')]));
            Assert.Equal((subject, Convert.ToHexString(signingInput)), (entries[index].Subject, Convert.ToHexString(entries[index].InputSha256.ToByteArray())));
        }
    }

    [Fact]
    public async Task the_checkpoint_is_signed_by_the_checkpoint_key_of_the_jwks_and_proofs_verify_over_http()
    {
        var signed = await notary.Licenses.SignAsync(SignRequests.License());
        using var http = notary.Notary.CreateClient();
        var jwks = await notary.FetchJwksAsync();

        var inclusion = JsonDocument.Parse(await http.GetStringAsync($"/signature-log/proof/inclusion?index={signed.LogIndex}")).RootElement;
        var checkpoint = LogCheckpoint.Verify(inclusion.GetProperty("checkpoint").GetString()!, jwks, Origin);
        var entry = (await EntriesAsync()).Single(e => e.Index == signed.LogIndex);

        Assert.True(checkpoint.IsValid, checkpoint.Failure);
        Assert.Equal("checkpoint", jwks.Find(checkpoint.Kid!)!.Purpose);
        Assert.Equal(checkpoint.Checkpoint!.Size, inclusion.GetProperty("tree_size").GetInt64());
        Assert.True(MerkleTree.VerifyInclusion(
            signed.LogIndex, checkpoint.Checkpoint.Size, ToDomain(entry).LeafHash(),
            inclusion.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList(), checkpoint.Checkpoint.RootHash));

        // The well-known path serves the latest checkpoint, which is consistent with the one above.
        await notary.Licenses.SignAsync(SignRequests.License());
        var latest = await notary.Log.GetInclusionProofAsync(new GetInclusionProofRequest { Index = (await SizeAsync()) - 1 });
        var later = LogCheckpoint.Verify(latest.Checkpoint, jwks, Origin).Checkpoint!;
        var consistency = JsonDocument.Parse(await http.GetStringAsync(
            $"/signature-log/proof/consistency?from={checkpoint.Checkpoint.Size}&to={later.Size}")).RootElement;
        var served = LogCheckpoint.Verify(await http.GetStringAsync("/signature-log/checkpoint"), jwks, Origin);

        Assert.True(later.Size > checkpoint.Checkpoint.Size);
        Assert.True(MerkleTree.VerifyConsistency(checkpoint.Checkpoint.Size, later.Size, checkpoint.Checkpoint.RootHash, later.RootHash,
            consistency.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList()));
        Assert.True(served.IsValid, served.Failure);
        Assert.True(served.Checkpoint!.Size >= later.Size);
    }

    [Fact]
    public async Task a_receipt_from_grpc_verifies_offline_and_not_for_another_signature()
    {
        var signed = await notary.Licenses.SignAsync(SignRequests.License());
        var other = await notary.Licenses.SignAsync(SignRequests.License());
        var jwks = await notary.FetchJwksAsync();

        var proof = await notary.Log.GetInclusionProofAsync(new GetInclusionProofRequest { Index = signed.LogIndex });
        var receipt = SignatureReceipt.Parse(proof.ReceiptJson);

        Assert.True(ReceiptVerifier.Verify(signed.Jws, receipt, jwks, Origin).IsValid);
        Assert.Equal(VerificationStatus.NotInLog, ReceiptVerifier.Verify(other.Jws, receipt, jwks, Origin).Status);
    }

    [Fact]
    public async Task the_checkpoint_is_refreshed_while_the_log_grows()
    {
        using var http = notary.Notary.CreateClient();
        var jwks = await notary.FetchJwksAsync();
        await notary.Licenses.SignAsync(SignRequests.License());
        var size = await SizeAsync();

        // The fixture's Notary signs checkpoints every 10 s by default; no receipt call forces this one.
        var checkpoint = await Eventually.Get(async () =>
        {
            var verified = LogCheckpoint.Verify(await http.GetStringAsync("/signature-log/checkpoint"), jwks, Origin);
            return verified.Checkpoint is { } c && c.Size >= size ? c : null;
        }, TimeSpan.FromSeconds(30));

        Assert.True(checkpoint.Size >= size);
    }

    [Fact]
    public async Task listing_the_log_needs_the_auditor_or_key_admin_role()
    {
        var asIssuance = new Contracts.Notary.V1.SignatureLog.SignatureLogClient(notary.Notary.CreateChannel(() => notary.Clients.Mint(TestClients.Issuance, "notary")));

        var error = await Assert.ThrowsAsync<RpcException>(() => asIssuance.ListSignaturesAsync(new ListSignaturesRequest()).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private static Verification.SignatureLogEntry ToDomain(Contracts.Notary.V1.SignatureLogEntry e) =>
        new(e.Index, e.At.ToDateTimeOffset(), e.Kid, e.Purpose, e.Client, e.Subject, e.InputSha256.ToByteArray());

    private async Task<long> SizeAsync() => (await EntriesAsync()).Count;

    private async Task<List<Contracts.Notary.V1.SignatureLogEntry>> EntriesAsync()
    {
        var entries = new List<Contracts.Notary.V1.SignatureLogEntry>();
        var request = new ListSignaturesRequest { PageSize = 1000 };
        while (true)
        {
            var page = await notary.Log.ListSignaturesAsync(request);
            entries.AddRange(page.Entries);
            if (page.NextStartIndex < 0)
            {
                return entries;
            }

            request.StartIndex = page.NextStartIndex;
        }
    }
}
