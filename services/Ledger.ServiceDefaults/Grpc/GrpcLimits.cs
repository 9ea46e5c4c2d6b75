namespace Ledger.ServiceDefaults.Grpc;

/// <summary>Message size limits every service enforces; larger requests get ResourceExhausted.</summary>
public static class GrpcLimits
{
    public const int MaxRequestBytes = 4 * 1024 * 1024;
    public const int MaxResponseBytes = 16 * 1024 * 1024;
}
