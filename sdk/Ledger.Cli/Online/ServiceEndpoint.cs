namespace Ledger.Cli.Online;

/// <summary>A Ledger service as the command line reaches it: its name (also the audience of client tokens) and address.</summary>
internal sealed record ServiceEndpoint(LedgerService Service, Uri Address);
