using Ledger.Attestation.VendorKeys;
using Ledger.ServiceDefaults.Domain;

namespace Ledger.Attestation.Tests.VendorKeys;

public sealed class VendorKeyDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void a_ring_is_named_by_its_vendor_and_holds_at_most_sixteen_active_keys()
    {
        var ring = new VendorKeyRing();
        for (var i = 0; i < VendorKeyDecisions.MaxActiveKeys; i++)
        {
            using var vendor = new Vendor("acme");
            ring.Apply(VendorKeyDecisions.Register(ring, "acme", vendor.PublicKey, Now, "test", "k"));
        }

        using var one = new Vendor("acme");
        var error = Assert.Throws<RuleViolation>(() => VendorKeyDecisions.Register(ring, "acme", one.PublicKey, Now, "test", "k"));

        Assert.Contains("16 active keys", error.Message, StringComparison.Ordinal);
        Assert.Equal(VendorKeyRing.IdFor("acme"), ring.Id);
        Assert.NotEqual(VendorKeyRing.IdFor("acme"), VendorKeyRing.IdFor("acme2"));
        Assert.Equal(8, ring.Id.Version);
    }

    [Fact]
    public void the_signer_must_be_registered_and_not_removed()
    {
        using var vendor = new Vendor("acme");
        var ring = new VendorKeyRing();
        ring.Apply(VendorKeyDecisions.Register(ring, "acme", vendor.PublicKey, Now, "test", "k"));

        Assert.Equal(vendor.Kid, VendorKeyDecisions.Signer(ring, "acme", vendor.Kid).Kid);
        Assert.Contains("not registered", Assert.Throws<RuleViolation>(() => VendorKeyDecisions.Signer(ring, "acme", "other")).Message, StringComparison.Ordinal);
        Assert.Contains("not registered", Assert.Throws<RuleViolation>(() => VendorKeyDecisions.Signer(null, "acme", vendor.Kid)).Message, StringComparison.Ordinal);

        ring.Apply(VendorKeyDecisions.Remove(ring, "acme", vendor.Kid, "stolen", Now, "test", "k")!);

        Assert.Contains("removed", Assert.Throws<RuleViolation>(() => VendorKeyDecisions.Signer(ring, "acme", vendor.Kid)).Message, StringComparison.Ordinal);
        Assert.Null(VendorKeyDecisions.Remove(ring, "acme", vendor.Kid, "again", Now, "test", "k"));
    }
}
