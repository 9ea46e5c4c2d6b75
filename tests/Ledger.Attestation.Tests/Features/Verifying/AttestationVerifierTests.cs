using System.Text;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Features.Verifying;
using Ledger.Attestation.Statements;
using Ledger.Attestation.VendorKeys;
using Ledger.Crypto;

namespace Ledger.Attestation.Tests.Features.Verifying;

/// <summary>The verifier alone: keys, records and time passed in, no server.</summary>
public sealed class AttestationVerifierTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly string App = $"ghcr.io/acme/app:1.0.0@{Vendor.Digest("app")}";

    private readonly Ed25519SigningKey _notary = Ed25519SigningKey.Generate();
    private readonly Vendor _vendor = new("acme");

    private JsonWebKeySet NotaryKeys => new([_notary.ToJwk("notary-1", includePrivate: false).With(purpose: "attestation")]);

    public void Dispose()
    {
        _notary.Dispose();
        _vendor.Dispose();
    }

    private static byte[] Statement(string? vendor = null, DateTimeOffset? expiresAt = null, Guid? id = null)
    {
        Assert.True(ArtifactReference.TryParse(App, out var app, out _));
        return new AttestationStatement(id ?? UuidV7.NewId(Now), "ledger", vendor, Now.AddDays(-1), expiresAt, AttestationKind.Artifacts, [app], null).ToJson();
    }

    private string NotarySigns(byte[] statement, string typ = "attestation+jwt") => Jws.Sign(statement, _notary, "notary-1", typ);

    private string DualSigned(byte[] statement)
    {
        var header = Jws.ProtectedHeader("notary-1", "attestation+jwt");
        var countersignature = _notary.Sign(Jws.SigningInput(header, statement));
        return JwsJson.FromCompact(_vendor.Sign(statement)).WithSignature(new JwsJsonSignature(header, Base64Url.Encode(countersignature))).ToJson();
    }

    private VendorKeyRing Ring(bool removed = false)
    {
        var ring = new VendorKeyRing();
        ring.Apply(new VendorKeyRegistered(VendorKeyRing.IdFor("acme"), "acme", _vendor.Kid, _vendor.PublicKey.With(kid: _vendor.Kid).ToJson(), Now.AddDays(-10), "test", null));
        if (removed)
        {
            ring.Apply(new VendorKeyRemoved(ring.Id, "acme", _vendor.Kid, "compromised", Now.AddHours(-1), "test", null));
        }

        return ring;
    }

    private static AttestationRecord Recorded(byte[] statement, bool revoked = false) => new()
    {
        Id = AttestationStatement.Parse(statement).Id,
        Statement = Encoding.UTF8.GetString(statement),
        Revoked = revoked,
        RevokedAt = revoked ? Now.AddMinutes(-5) : null,
        RevocationReason = revoked ? "superseded" : null,
    };

    private AttestationVerdict Verify(string attestation, AttestationRecord? recorded, VendorKeyRing? ring = null, JsonWebKeySet? notaryKeys = null,
        DateTimeOffset? now = null, params string[] artifacts)
    {
        Assert.True(AttestationEnvelope.TryParse(attestation, out var envelope, out var problem), problem);
        var wanted = (artifacts.Length == 0 ? [App] : artifacts).Select(a =>
        {
            Assert.True(ArtifactReference.TryParse(a, out var reference, out _));
            return reference;
        }).ToList();
        return AttestationVerifier.Verify(new VerificationInput(envelope, notaryKeys ?? NotaryKeys, ring, recorded, wanted, null, now ?? Now));
    }

    [Fact]
    public void a_notary_signed_recorded_statement_is_valid()
    {
        var statement = Statement();

        var verdict = Verify(NotarySigns(statement), Recorded(statement));

        Assert.Equal(VerdictStatus.Valid, verdict.Status);
        Assert.Equal(AttestationStatement.Parse(statement).Id, verdict.AttestationId);
    }

    [Fact]
    public void expiry_is_judged_against_the_given_time_with_a_small_leeway()
    {
        var statement = Statement(expiresAt: Now);

        Assert.Equal(VerdictStatus.Valid, Verify(NotarySigns(statement), Recorded(statement), now: Now.AddMinutes(1)).Status);
        Assert.Equal(VerdictStatus.Expired, Verify(NotarySigns(statement), Recorded(statement), now: Now.AddMinutes(3)).Status);
    }

    [Fact]
    public void revocation_is_reported_before_expiry_and_subjects()
    {
        var statement = Statement(expiresAt: Now.AddHours(-12));

        var verdict = Verify(NotarySigns(statement), Recorded(statement, revoked: true), artifacts: $"ghcr.io/acme/other@{Vendor.Digest("x")}");

        Assert.Equal(VerdictStatus.Revoked, verdict.Status);
        Assert.Contains("superseded", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void a_notary_key_missing_from_the_jwks_is_unknown()
    {
        using var other = Ed25519SigningKey.Generate();
        var statement = Statement();

        var verdict = Verify(NotarySigns(statement), Recorded(statement), notaryKeys: new JsonWebKeySet([other.ToJwk("notary-2", includePrivate: false)]));

        Assert.Equal(VerdictStatus.UnknownKey, verdict.Status);
        Assert.Contains("notary-1", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void a_token_of_another_type_signed_by_the_same_key_is_refused()
    {
        var statement = Statement();

        Assert.Equal(VerdictStatus.Malformed, Verify(NotarySigns(statement, typ: "license+jwt"), Recorded(statement)).Status);
    }

    [Fact]
    public void a_statement_the_ledger_did_not_record_or_recorded_otherwise_is_not_trusted()
    {
        var statement = Statement();
        var id = AttestationStatement.Parse(statement).Id;
        var otherUnderSameId = Statement(id: id, expiresAt: Now.AddYears(1));

        Assert.Equal(VerdictStatus.NotRecorded, Verify(NotarySigns(statement), null).Status);
        Assert.Equal(VerdictStatus.NotRecorded, Verify(NotarySigns(statement), Recorded(otherUnderSameId)).Status);
    }

    [Fact]
    public void a_dual_signed_statement_needs_a_registered_unremoved_vendor_key()
    {
        var statement = Statement(vendor: "acme");
        var dual = DualSigned(statement);

        Assert.Equal(VerdictStatus.Valid, Verify(dual, Recorded(statement), Ring()).Status);
        Assert.Equal(VerdictStatus.VendorKeyRemoved, Verify(dual, Recorded(statement), Ring(removed: true)).Status);
        Assert.Equal(VerdictStatus.VendorKeyUnknown, Verify(dual, Recorded(statement), ring: null).Status);
        Assert.Equal(VerdictStatus.VendorSignatureMissing, Verify(NotarySigns(statement), Recorded(statement), Ring()).Status);
    }

    [Fact]
    public void extra_signatures_are_refused()
    {
        var plain = Statement();
        var withStranger = JwsJson.FromCompact(NotarySigns(plain)).WithSignature(JwsJson.FromCompact(_vendor.Sign(plain)).Signatures[0]).ToJson();
        var named = Statement(vendor: "acme");
        var three = JwsJson.Parse(DualSigned(named)).WithSignature(JwsJson.FromCompact(_vendor.Sign(named)).Signatures[0]).ToJson();

        Assert.Equal(VerdictStatus.Malformed, Verify(withStranger, Recorded(plain)).Status);
        Assert.Equal(VerdictStatus.Malformed, Verify(three, Recorded(named), Ring()).Status);
    }

    [Fact]
    public void a_payload_that_is_not_a_statement_is_malformed_even_when_signed()
    {
        var verdict = Verify(NotarySigns("""{"hello":"world"}"""u8.ToArray()), null);

        Assert.Equal(VerdictStatus.Malformed, verdict.Status);
        Assert.Null(verdict.AttestationId);
    }

    [Fact]
    public void a_payload_that_is_not_utf8_is_malformed()
    {
        var verdict = Verify(NotarySigns([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), null);

        Assert.Equal(VerdictStatus.Malformed, verdict.Status);
    }
}
