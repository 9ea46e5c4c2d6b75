using System.Text.Json;
using Grpc.Core;
using Ledger.Contracts.Admin.V1;
using Ledger.Contracts.Issuance.V1;
using Ledger.Testing;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;

namespace Ledger.Issuance.Tests.Admin;

public sealed class EventExportTests(LedgerWithLicenseHistory ledger) : IClassFixture<LedgerWithLicenseHistory>
{
    [Fact]
    public async Task the_export_holds_every_event_in_sequence_order_and_every_license_state_between_a_header_and_a_trailer()
    {
        var records = await ledger.ExportAsync(pageSize: 5);

        var header = records[0].Header;
        var trailer = records[^1].Trailer;
        Assert.NotNull(header);
        Assert.NotNull(trailer);
        Assert.Equal("issuance", header.Service);
        var events = records.Where(r => r.Event is not null).Select(r => r.Event).ToList();
        var states = records.Where(r => r.State is not null).Select(r => r.State).ToList();
        Assert.Equal(records.Count - 2, events.Count + states.Count);
        Assert.Equal(header.EventCount, events.Count);
        Assert.Equal(trailer.EventCount, events.Count);
        Assert.Equal(trailer.StateCount, states.Count);
        Assert.Equal(header.HighestSequence, events[^1].Sequence);
        Assert.Equal(header.StreamCount, events.Select(e => e.StreamId).Distinct().Count());
        Assert.All(events.Zip(events.Skip(1)), pair => Assert.True(pair.First.Sequence < pair.Second.Sequence));
        Assert.All(events.GroupBy(e => e.StreamId), stream => Assert.Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v), stream.Select(e => e.Version)));
        Assert.Equal(
            ["license_capabilities_changed", "license_issued", "license_renewed", "license_revocation_recorded"],
            events.Select(e => e.Type).Distinct().Order());

        Assert.Equal(ledger.LicenseIds.Order(), states.Where(s => s.Projection == "licenses").Select(s => s.Id).Order());
        var revoked = JsonDocument.Parse(states.Single(s => s.Id == ledger.RevokedLicenseId).DataJson).RootElement;
        Assert.True(revoked.GetProperty("revoked").GetBoolean());
        Assert.Equal("keyCompromise", revoked.GetProperty("revocationReason").GetString());
        var issued = JsonDocument.Parse(events.First(e => e.Type == "license_issued").DataJson).RootElement;
        Assert.Equal(events.First(e => e.Type == "license_issued").StreamId, issued.GetProperty("licenseId").GetString());
    }

    [Fact]
    public async Task an_auditor_may_export_but_an_issuer_may_not()
    {
        var auditor = new AdminClient(ledger.Issuance.CreateChannel(() => ledger.Clients.Mint(TestClients.Auditor, "issuance")));
        var issuer = new AdminClient(ledger.Issuance.CreateChannel(() => ledger.Clients.Mint("issuance", "issuance")));

        var exported = await ledger.ExportAsync(auditor);
        var refused = await Assert.ThrowsAsync<RpcException>(() => ledger.ExportAsync(issuer));

        Assert.NotNull(exported[^1].Trailer);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }

    [Fact]
    public async Task a_page_size_out_of_range_is_refused()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.ExportAsync(pageSize: 5000));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("page_size", error.Status.Detail);
    }
}
