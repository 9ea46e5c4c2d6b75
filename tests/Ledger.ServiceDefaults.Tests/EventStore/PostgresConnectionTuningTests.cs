using Ledger.ServiceDefaults.EventStore;
using Ledger.Testing;
using Npgsql;

namespace Ledger.ServiceDefaults.Tests.EventStore;

public sealed class PostgresConnectionTuningTests
{
    private static PostgresConnectionTuning.Settings Settings(string? tls = null) => new() { Tls = tls };

    private static NpgsqlConnectionStringBuilder Tuned(string connectionString, string? tls = null) =>
        new(PostgresConnectionTuning.Apply(connectionString, Settings(tls)));

    [Theory]
    [InlineData("Host=127.0.0.1;Database=ledger", SslMode.Disable)]
    [InlineData("Host=localhost;Database=ledger", SslMode.Disable)]
    [InlineData("Host=::1;Database=ledger", SslMode.Disable)]
    [InlineData("Host=[::1]:5433;Database=ledger", SslMode.Disable)]
    [InlineData("Host=/var/run/postgresql;Database=ledger", SslMode.Disable)]
    [InlineData("Host=127.0.0.1:5433,localhost;Database=ledger", SslMode.Disable)]
    [InlineData("Host=db.internal.example;Database=ledger", SslMode.Require)]
    [InlineData("Host=10.0.0.5;Database=ledger", SslMode.Require)]
    [InlineData("Host=127.0.0.1,db-replica.example;Database=ledger", SslMode.Require)]
    public void by_default_tls_is_off_for_this_machine_and_required_for_any_other(string connectionString, SslMode expected)
    {
        Assert.Equal(expected, Tuned(connectionString).SslMode);
    }

    [Fact]
    public void the_setting_turns_tls_on_or_off_and_the_connection_strings_own_ssl_mode_wins()
    {
        Assert.Equal(SslMode.Require, Tuned("Host=127.0.0.1", "on").SslMode);
        Assert.Equal(SslMode.Disable, Tuned("Host=db.example", "off").SslMode);
        Assert.Equal(SslMode.VerifyFull, Tuned("Host=db.example;SSL Mode=VerifyFull", "off").SslMode);
        var unknown = Assert.Throws<InvalidOperationException>(() => Tuned("Host=127.0.0.1", "sometimes"));
        Assert.Contains(PostgresConnectionTuning.TlsSetting, unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void pooled_connections_keep_their_prepared_statements_unless_the_string_says_otherwise()
    {
        var tuned = Tuned("Host=127.0.0.1");
        var own = Tuned("Host=127.0.0.1;No Reset On Close=false;Max Auto Prepare=0");

        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(PostgresConnectionTuning.MaxAutoPrepare, tuned.MaxAutoPrepare);
        Assert.Equal(PostgresConnectionTuning.AutoPrepareMinUsages, tuned.AutoPrepareMinUsages);
        Assert.False(own.NoResetOnClose);
        Assert.Equal(0, own.MaxAutoPrepare);
    }

    [Fact]
    public async Task a_connection_to_the_local_server_is_not_encrypted_and_reuses_its_prepared_statements()
    {
        var infrastructure = await LedgerInfrastructure.GetAsync();
        var local = new NpgsqlConnectionStringBuilder(infrastructure.PostgresAdmin);
        if (!local.Host!.Split(',').All(h => h is "127.0.0.1" or "localhost" or "::1"))
        {
            Assert.Fail($"This test needs the local PostgreSQL of infra/env.sh, not {local.Host}.");
        }

        await using var dataSource = NpgsqlDataSource.Create(PostgresConnectionTuning.Apply(infrastructure.PostgresAdmin, Settings()));
        for (var i = 0; i < 3; i++)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var probe = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
            Assert.False((bool)(await probe.ExecuteScalarAsync())!);
        }

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements", connection);
            // The probe ran three times on the pooled connection: auto-prepared at its second use, and kept across returns.
            Assert.True((long)(await prepared.ExecuteScalarAsync())! >= 1);
        }
    }
}
