using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.ServiceDefaults.Tests.Grpc;

/// <summary>
/// Request bytes that are not the rpc's message, sent as raw HTTP/2 frames to a running service:
/// InvalidArgument with reason UNDECODABLE_REQUEST, never Unknown, and nothing changed.
/// </summary>
public sealed class UndecodableRequestTests(IssuanceAsProcess ledger) : IClassFixture<IssuanceAsProcess>
{
    public static TheoryData<string, byte[], string> Undecodable => new()
    {
        // Field 1 of GetLicenseRequest (license_id, a string) holding bytes that are not UTF-8.
        { "GetLicense", [0x0A, 0x02, 0xC3, 0x28], "invalid UTF-8" },
        // Tag 0 does not exist in protobuf.
        { "GetLicense", [0x00, 0x01], "invalid tag" },
        // A length-delimited field that claims more bytes than the message has.
        { "IssueLicense", [0x12, 0x7F, 0x0A], "truncated" },
    };

    [Theory]
    [MemberData(nameof(Undecodable))]
    public async Task an_undecodable_request_is_invalid_argument_saying_what_was_wrong(string rpc, byte[] message, string problem)
    {
        var status = await SendRawAsync(rpc, message);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.Contains(problem, status.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"ledger.issuance.v1.{rpc}Request", status.Message, StringComparison.Ordinal);
        var info = Assert.Single(status.Details, d => d.Is(ErrorInfo.Descriptor)).Unpack<ErrorInfo>();
        Assert.Equal((ErrorReasons.UndecodableRequest, ErrorReasons.Domain), (info.Reason, info.Domain));
        Assert.Equal($"ledger.issuance.v1.{rpc}Request", info.Metadata["message_type"]);
    }

    [Fact]
    public async Task an_undecodable_issue_request_issues_nothing()
    {
        // A valid IssueLicenseRequest for "cust-undecodable" but with a customer_name that is not UTF-8.
        var valid = new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new LicenseTerms { CustomerId = "cust-undecodable", CustomerName = "Acme", Product = "flux-enterprise", Audience = "acme-app", DurationDays = 30 },
        }.ToByteArray();
        var name = valid.AsSpan().IndexOf("Acme"u8);
        valid[name] = 0xFF;

        var status = await SendRawAsync("IssueLicense", valid);

        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        using var channel = ledger.Issuance.Channel(ledger.Token);
        var listed = await new Licenses.LicensesClient(channel).ListLicensesAsync(new ListLicensesRequest { CustomerId = "cust-undecodable" });
        Assert.Empty(listed.Licenses);
    }

    /// <summary>One unary call as HTTP/2 bytes: a gRPC frame (uncompressed flag, big-endian length, message); the status from the trailers.</summary>
    private async Task<Google.Rpc.Status> SendRawAsync(string rpc, byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{ledger.Issuance.GrpcUrl}/ledger.issuance.v1.Licenses/{rpc}"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame) { Headers = { ContentType = new MediaTypeHeaderValue("application/grpc") } },
        };
        request.Headers.TE.ParseAdd("trailers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ledger.Token());

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(body);

        // A call that fails before any message is "trailers-only": the status arrives with the headers.
        var trailers = response.Headers.Contains("grpc-status") ? response.Headers : response.TrailingHeaders;
        var status = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(Padded(trailers.GetValues("grpc-status-details-bin").Single())));
        Assert.Equal(status.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), trailers.GetValues("grpc-status").Single());
        return status;
    }

    /// <summary>gRPC sends -bin values as unpadded base64.</summary>
    private static string Padded(string base64) => base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
}
