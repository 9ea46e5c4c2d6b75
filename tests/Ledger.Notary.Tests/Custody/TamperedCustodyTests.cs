using Npgsql;

namespace Ledger.Notary.Tests.Custody;

/// <summary>Tampers with the stored keys, so it has a Notary and database of its own.</summary>
public sealed class TamperedCustodyTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task a_ciphertext_moved_to_another_keys_row_does_not_decrypt()
    {
        // Swap the wrapped material of the license and feed keys (same length: both Ed25519 seeds).
        var license = await WrappedKeys.RawRowsAsync(notary.ServiceDatabase("notary"),
            "select data::text from notary.mt_doc_wrappedprivatekey where data->>'Purpose' = 'license'");
        var feed = await WrappedKeys.RawRowsAsync(notary.ServiceDatabase("notary"),
            "select data::text from notary.mt_doc_wrappedprivatekey where data->>'Purpose' = 'feed'");
        await using (var connection = new NpgsqlConnection(notary.ServiceDatabase("notary")))
        {
            await connection.OpenAsync();
            foreach (var (purpose, other) in new[] { ("license", feed.Single()), ("feed", license.Single()) })
            {
                await using var command = new NpgsqlCommand("""
                    update notary.mt_doc_wrappedprivatekey set data = data
                        || jsonb_build_object('Ciphertext', @other::jsonb->'Ciphertext', 'Nonce', @other::jsonb->'Nonce', 'Tag', @other::jsonb->'Tag')
                    where data->>'Purpose' = @purpose
                    """, connection);
                command.Parameters.AddWithValue("other", other);
                command.Parameters.AddWithValue("purpose", purpose);
                Assert.Equal(1, await command.ExecuteNonQueryAsync());
            }
        }

        var error = Assert.ThrowsAny<Exception>(() => notary.StartNotary(notary.RootKey));

        Assert.Contains("does not decrypt", CustodyTests.Flatten(error));
    }
}
