using System.Text.Json;
using Grpc.Core;
using Ledger.Contracts.Attestation.V1;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Testing;
using SigningClient = Ledger.Contracts.Notary.V1.Signing.SigningClient;

namespace Ledger.Attestation.Tests.Features;

public sealed class AttestingArtifactsTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    private static readonly string App = $"ghcr.io/acme/app:1.4.0@{Vendor.Digest("app")}";
    private static readonly string Chart = $"ghcr.io/acme/charts/app@{Vendor.Digest("chart")}";
    private static readonly string Db = $"registry.example.com:5000/acme/db:16@{Vendor.Digest("db")}";

    [Fact]
    public async Task an_attestation_is_a_compact_jws_by_notarys_attestation_key_carrying_the_statement()
    {
        var attestation = await ledger.AttestArtifactsAsync(App, Chart);

        var verification = Jws.Verify(attestation.SignedStatement, await ledger.FetchJwksAsync(),
            new JwsVerifyOptions { RequiredType = "attestation+jwt" });

        Assert.True(verification.IsValid, verification.Detail);
        Assert.Equal(attestation.NotaryKid, verification.Kid);
        Assert.Equal("attestation", verification.Key!.Purpose);
        using var statement = JsonDocument.Parse(verification.Payload);
        var root = statement.RootElement;
        Assert.Equal(attestation.AttestationId, root.GetProperty("jti").GetString());
        Assert.True(UuidV7.IsVersion7(Guid.Parse(attestation.AttestationId)));
        Assert.Equal("ledger", root.GetProperty("iss").GetString());
        Assert.Equal("artifacts", root.GetProperty("kind").GetString());
        Assert.Equal([App, Chart], root.GetProperty("subjects").EnumerateArray().Select(s => s.GetString()));
        Assert.False(root.TryGetProperty("vendor", out _));
        Assert.False(root.TryGetProperty("exp", out _));
        Assert.Equal(AttestationKind.Artifacts, attestation.Kind);
        Assert.Equal(AttestationStatus.Valid, attestation.Status);
        Assert.Equal([App, Chart], attestation.Subjects);
    }

    [Fact]
    public async Task verification_passes_for_the_attested_digests()
    {
        var attestation = await ledger.AttestArtifactsAsync(App, Chart, Db);

        var verdict = await ledger.VerifyAsync(attestation.SignedStatement, Chart, App);

        Assert.Equal(Verdict.Valid, verdict.Verdict);
        Assert.Equal(attestation.AttestationId, verdict.AttestationId);
        Assert.All(verdict.Findings, f => Assert.Equal(SubjectMatch.Covered, f.Match));
    }

    [Fact]
    public async Task a_digest_that_differs_by_one_character_fails_and_names_the_artifact()
    {
        var attestation = await ledger.AttestArtifactsAsync(App, Chart);
        var digest = Vendor.Digest("app");
        var changed = digest[..^1] + (digest[^1] == '0' ? '1' : '0');
        var tampered = $"ghcr.io/acme/app:1.4.0@{changed}";

        var verdict = await ledger.VerifyAsync(attestation.SignedStatement, Chart, tampered);

        Assert.Equal(Verdict.SubjectMismatch, verdict.Verdict);
        Assert.Contains(tampered, verdict.Detail);
        Assert.Contains("1 of 2", verdict.Detail);
        var finding = Assert.Single(verdict.Findings, f => f.Match != SubjectMatch.Covered);
        Assert.Equal(tampered, finding.Subject);
        Assert.Equal(SubjectMatch.DigestDiffers, finding.Match);
        Assert.Equal([digest], finding.AttestedDigests);
    }

    [Fact]
    public async Task every_missing_or_differing_artifact_is_named()
    {
        var attestation = await ledger.AttestArtifactsAsync(App);
        var otherApp = $"ghcr.io/acme/app@{Vendor.Digest("app-2")}";
        var missing = $"ghcr.io/acme/worker@{Vendor.Digest("worker")}";

        var verdict = await ledger.VerifyAsync(attestation.SignedStatement, App, otherApp, missing);

        Assert.Equal(Verdict.SubjectMismatch, verdict.Verdict);
        Assert.Contains(otherApp, verdict.Detail);
        Assert.Contains(missing, verdict.Detail);
        Assert.Equal([SubjectMatch.Covered, SubjectMatch.DigestDiffers, SubjectMatch.Missing], verdict.Findings.Select(f => f.Match));
    }

    [Fact]
    public async Task the_tag_does_not_decide_coverage_the_digest_does()
    {
        var attestation = await ledger.AttestArtifactsAsync(App);

        var verdict = await ledger.VerifyAsync(attestation.SignedStatement, $"ghcr.io/acme/app:latest@{Vendor.Digest("app")}");

        Assert.Equal(Verdict.Valid, verdict.Verdict);
    }

    [Fact]
    public async Task a_changed_statement_fails_notarys_signature()
    {
        var attestation = await ledger.AttestArtifactsAsync(App);
        var parts = attestation.SignedStatement.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Base64Url.Decode(parts[1])).Replace(Vendor.Digest("app"), Vendor.Digest("evil"), StringComparison.Ordinal);
        var forged = $"{parts[0]}.{Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(payload))}.{parts[2]}";

        var verdict = await ledger.VerifyAsync(forged, $"ghcr.io/acme/app@{Vendor.Digest("evil")}");

        Assert.Equal(Verdict.BadSignature, verdict.Verdict);
        Assert.Empty(verdict.Findings);
    }

    [Fact]
    public async Task a_statement_notary_signed_outside_the_ledger_is_not_trusted()
    {
        // Signed with Attestation's own (here: stolen) service identity, behind the ledger's back.
        var statement = $$"""{"jti":"{{UuidV7.NewId()}}","iss":"ledger","iat":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"kind":"artifacts","subjects":["{{App}}"]}""";
        var signing = new SigningClient(ledger.Notary.CreateChannel(() => ledger.Clients.Mint(TestClients.Attestation, "notary")));
        var signed = await signing.SignAsync(SignRequests.Attestation(System.Text.Encoding.UTF8.GetBytes(statement)));

        var verdict = await ledger.VerifyAsync(signed.Jws, App);

        Assert.Equal(Verdict.NotRecorded, verdict.Verdict);
    }

    [Fact]
    public async Task an_attestation_may_expire_and_says_so()
    {
        var expiresAt = DateTimeOffset.UtcNow.AddDays(30);
        var attestation = (await ledger.Attestations.AttestArtifactsAsync(new AttestArtifactsRequest
        {
            IdempotencyKey = LedgerWithAttestation.NewKey(), Artifacts = { App }, ExpiresAt = LedgerWithAttestation.At(expiresAt),
        })).Attestation;

        using var payload = JsonDocument.Parse(Base64Url.Decode(attestation.SignedStatement.Split('.')[1]));
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), payload.RootElement.GetProperty("exp").GetInt64());
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), attestation.ExpiresAt.ToDateTimeOffset().ToUnixTimeSeconds());
    }

    [Fact]
    public async Task verify_refuses_a_request_that_gives_nothing_to_compare()
    {
        var attestation = await ledger.AttestArtifactsAsync(App);

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.VerifyAsync(attestation.SignedStatement));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("artifacts", error.Status.Detail);
    }

    [Fact]
    public async Task garbage_is_reported_malformed_not_thrown()
    {
        var verdict = await ledger.VerifyAsync("not-a-jws", App);

        Assert.Equal(Verdict.Malformed, verdict.Verdict);
        Assert.Contains("compact JWS", verdict.Detail);
    }
}
