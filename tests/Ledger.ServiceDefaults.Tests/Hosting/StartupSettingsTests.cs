using Ledger.Crypto;
using Ledger.Issuance.Features.Heartbeat;
using Ledger.Issuance.Revocations;
using Ledger.Notary.Features.SignatureLog;
using Ledger.Notary.Features.Signing;
using Ledger.Revocation.Features.LearningLicenses;
using Ledger.Revocation.Features.Watching;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ledger.ServiceDefaults.Tests.Hosting;

/// <summary>
/// Every <c>Ledger:</c> setting is bound to a settings class checked at start: a service given an
/// invalid value refuses to start, naming the setting and its valid range; a valid one takes effect.
/// </summary>
public sealed class StartupSettingsTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    public static TheoryData<string, string, string, string> InvalidValues => new()
    {
        { "notary", "Ledger:Notary:CheckpointSeconds", "0", "setting Ledger:Notary:CheckpointSeconds must be from 0.2 to 60 seconds (was 0)" },
        { "notary", "Ledger:Notary:CheckpointSeconds", "600", "setting Ledger:Notary:CheckpointSeconds must be from 0.2 to 60 seconds (was 600)" },
        { "notary", "Ledger:Notary:RevocationUrl", "revocation:8080", "setting Ledger:Notary:RevocationUrl must be Revocation's HTTP address as http://host:port" },
        { "notary", "Ledger:Notary:Limits:LicenseExpiryDays", "0", "setting Ledger:Notary:Limits:LicenseExpiryDays must be from 1 to 36500 days (was 0)" },
        { "notary", "Ledger:Notary:Limits:FeedLifetimeSeconds", "2592000", "setting Ledger:Notary:Limits:FeedLifetimeSeconds must be from 60 to 604800 seconds" },
        { "notary", "Ledger:Notary:Limits:AttestationExpiryDays", "-1", "setting Ledger:Notary:Limits:AttestationExpiryDays must be from 1 to 36500 days (was -1)" },
        { "notary", "Ledger:Notary:LogOrigin", "my log", "setting Ledger:Notary:LogOrigin must be printable ASCII characters without spaces" },
        { "issuance", "Ledger:Issuance:HeartbeatSeconds", "0", "setting Ledger:Issuance:HeartbeatSeconds must be from 1 to 3600 seconds (was 0)" },
        { "issuance", "Ledger:Revocation:Url", "ftp://revocation:5031", "setting Ledger:Revocation:Url must be Revocation's gRPC address as http://host:port" },
        { "revocation", "Ledger:Revocation:MaxWatchers", "0", "setting Ledger:Revocation:MaxWatchers must be from 1 to 10000 watches per replica (was 0)" },
        { "revocation", "Ledger:Issuance:Url", "http://issuance:5021/admin", "setting Ledger:Issuance:Url must be Issuance's gRPC address as http://host:port" },
        { "revocation", "Ledger:Attestation:Url", "attestation:5041", "setting Ledger:Attestation:Url must be Attestation's gRPC address as http://host:port" },
        { "revocation", "Ledger:Revocation:CatchUp:AttestationIntervalSeconds", "0", "setting Ledger:Revocation:CatchUp:AttestationIntervalSeconds must be from 0.2 to 3600 seconds (was 0)" },
        { "attestation", "Ledger:Kestrel:MaxConnections", "0", "setting Ledger:Kestrel:MaxConnections must be from 1 to 1000000 connections (was 0)" },
        { "attestation", "Ledger:Kestrel:MaxStreamsPerConnection", "20000", "setting Ledger:Kestrel:MaxStreamsPerConnection must be from 1 to 10000 streams (was 20000)" },
        { "issuance", "Ledger:Auth:ClientsFile", "/nonexistent/clients.json", "The client registry /nonexistent/clients.json does not exist. Create it (see docs/SECURITY.md) or fix Ledger__Auth__ClientsFile." },
        { "revocation", "Ledger:Auth:ClientKeyFile", "/nonexistent/revocation.private.jwk", "set Ledger__Auth__ClientKeyFile to its private JWK file (/nonexistent/revocation.private.jwk does not exist)" },
        { "issuance", "Ledger:Auth:ClientId", "billing", "setting Ledger:Auth:ClientId is 'billing', but this service's client key (kid issuance-key-1) is registered as client 'issuance'" },
        { "attestation", "Ledger:Postgres:Tls", "sometimes", "setting Ledger:Postgres:Tls must be auto (TLS except to this machine, the default), on or off (was 'sometimes')" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task a_service_refuses_to_start_with_an_invalid_value_naming_the_setting_and_its_range(string service, string setting, string value, string message)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(service, new() { [setting] = value }));

        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_service_whose_client_key_is_not_the_one_registered_under_its_kid_refuses_to_start()
    {
        using var impostor = Ed25519SigningKey.Generate();
        var file = Path.Combine(ledger.Clients.Directory, "impostor.private.jwk");
        await File.WriteAllTextAsync(file, impostor.ToJwk("revocation-key-1", includePrivate: true).ToJson(includePrivate: true));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync("revocation", new() { ["Ledger:Auth:ClientKeyFile"] = file }));

        Assert.Contains("setting Ledger:Auth:ClientKeyFile: the client key (kid revocation-key-1) is not the public key the client registry holds under that kid", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task notary_takes_valid_values()
    {
        await using var notary = StartNotary(new()
        {
            ["Ledger:Notary:CheckpointSeconds"] = "0.5",
            ["Ledger:Notary:RevocationUrl"] = "http://revocation.test/ledger",
            ["Ledger:Notary:Limits:LicenseExpiryDays"] = "400",
            ["Ledger:Notary:Limits:FeedLifetimeSeconds"] = "86400",
            ["Ledger:Notary:Limits:AttestationExpiryDays"] = "30",
            ["Ledger:Notary:LogOrigin"] = "licensing.example.com/log",
        });

        Assert.Equal(0.5, notary.Services.Settings<CheckpointPublisher.Settings>().CheckpointSeconds);
        Assert.True(notary.Services.GetRequiredService<RevocationLogHead>().IsConfigured);
        Assert.Equal(new Uri("http://revocation.test/ledger/"), notary.Services.Settings<RevocationLogHead.Settings>().Address);
        Assert.Equal(new SigningLimits("ledger", TimeSpan.FromDays(400), TimeSpan.FromDays(1), TimeSpan.FromDays(30)), notary.Services.GetRequiredService<SigningLimits>());
        Assert.Equal("licensing.example.com/log", notary.Services.GetRequiredService<SignatureLog>().Origin);
    }

    [Fact]
    public void the_other_services_take_valid_values()
    {
        var issuance = ledger.Start<Ledger.Issuance.Program>(new Dictionary<string, string?>
        {
            ["Ledger:Issuance:HeartbeatSeconds"] = "5",
            ["Ledger:Revocation:Url"] = "http://revocation.internal:8081",
        });
        var revocation = ledger.Start<Ledger.Revocation.Program>(new Dictionary<string, string?>
        {
            ["Ledger:Revocation:MaxWatchers"] = "3",
            ["Ledger:Issuance:Url"] = "https://issuance.internal:8443/",
        });
        var attestation = ledger.Start<Ledger.Attestation.Program>(new Dictionary<string, string?>
        {
            ["Ledger:Kestrel:MaxConnections"] = "500",
            ["Ledger:Kestrel:MaxStreamsPerConnection"] = "50",
            ["Ledger:Postgres:Tls"] = "off",
        });

        Assert.Equal(5, issuance.Services.Settings<IssuanceHeartbeats.Settings>().HeartbeatSeconds);
        Assert.Equal(new Uri("http://revocation.internal:8081"), issuance.Services.Settings<RevocationAddress>().Address);
        Assert.Equal(3, revocation.Services.Settings<RevocationWatch.Settings>().MaxWatchers);
        Assert.Equal(new Uri("https://issuance.internal:8443/"), revocation.Services.Settings<LearningCatchUp.IssuanceSettings>().Address);
        var limits = attestation.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(500, limits.MaxConcurrentConnections);
        Assert.Equal(50, limits.Http2.MaxStreamsPerConnection);
        Assert.Equal("off", attestation.Services.Settings<PostgresConnectionTuning.Settings>().Tls);
    }

    [Fact]
    public async Task unset_settings_keep_their_defaults()
    {
        await using var notary = StartNotary([]);
        var issuance = ledger.Start<Ledger.Issuance.Program>();

        Assert.Equal(10, notary.Services.Settings<CheckpointPublisher.Settings>().CheckpointSeconds);
        Assert.False(notary.Services.GetRequiredService<RevocationLogHead>().IsConfigured);
        Assert.Equal(SigningLimits.Default, notary.Services.GetRequiredService<SigningLimits>());
        Assert.Equal("ledger/signature-log", notary.Services.GetRequiredService<SignatureLog>().Origin);
        Assert.Equal(30, issuance.Services.Settings<IssuanceHeartbeats.Settings>().HeartbeatSeconds);
        Assert.Equal(new Uri(RekeyClearance.DefaultUrl), issuance.Services.Settings<RevocationAddress>().Address);
        var limits = issuance.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(2_000, limits.MaxConcurrentConnections);
        Assert.Equal(100, limits.Http2.MaxStreamsPerConnection);
    }

    private async Task StartAsync(string service, Dictionary<string, string?> settings)
    {
        switch (service)
        {
            case "notary":
                await using (StartNotary(settings))
                {
                }

                break;
            case "issuance":
                ledger.Start<Ledger.Issuance.Program>(settings);
                break;
            case "revocation":
                ledger.Start<Ledger.Revocation.Program>(settings);
                break;
            default:
                ledger.Start<Ledger.Attestation.Program>(settings);
                break;
        }
    }

    /// <summary>A Notary of the fixture's deployment (its database and root key) with <paramref name="extra"/> settings; disposed by the caller.</summary>
    private ServiceHost<Ledger.Notary.Program> StartNotary(Dictionary<string, string?> extra)
    {
        var settings = ledger.Settings;
        settings["Ledger:Notary:RootKey"] = ledger.NotaryRootKey;
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var host = new ServiceHost<Ledger.Notary.Program>(settings);
        try
        {
            _ = host.Server;
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
