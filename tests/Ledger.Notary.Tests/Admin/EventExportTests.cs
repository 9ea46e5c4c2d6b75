using System.Text;
using Ledger.Contracts.Admin.V1;
using Ledger.Contracts.Notary.V1;
using Ledger.Notary.Tests.Custody;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;

namespace Ledger.Notary.Tests.Admin;

public sealed class EventExportTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task the_export_of_notary_holds_every_key_event_but_no_private_key_material()
    {
        await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.License, Reason = "export test" });
        var opened = await WrappedKeys.OpenAllAsync(notary.ServiceDatabase("notary"), notary.RootKey);
        var wrappedRows = await WrappedKeys.DumpSchemaAsync(notary.ServiceDatabase("notary"));
        Assert.NotEmpty(opened);

        var admin = new AdminClient(notary.Notary.CreateChannel());
        using var call = admin.ExportEvents(new ExportEventsRequest());
        var text = new StringBuilder();
        var records = new List<ExportEventsResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            records.Add(call.ResponseStream.Current);
            text.AppendLine(call.ResponseStream.Current.ToString());
        }

        var events = records.Where(r => r.Event is not null).Select(r => r.Event).ToList();
        Assert.Contains(events, e => e.Type == "key_generated");
        Assert.Contains(events, e => e.Type == "key_rotated_out");
        Assert.Equal(opened.Select(k => k.Kid.ToString()).Order(), records.Where(r => r.State is not null).Select(r => r.State.Id).Order());
        var export = text.ToString();
        foreach (var key in opened)
        {
            Assert.All(WrappedKeys.Encodings(key.Secret), encoded => Assert.DoesNotContain(encoded, export));
        }

        // Nor the wrapped form: the custody documents are not a projection and never exported.
        foreach (var ciphertext in System.Text.RegularExpressions.Regex.Matches(wrappedRows, "\"Ciphertext\": ?\"([^\"]+)\"").Select(m => m.Groups[1].Value))
        {
            Assert.DoesNotContain(ciphertext, export);
        }
    }
}
