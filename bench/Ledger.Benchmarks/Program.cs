using Ledger.Benchmarks.Micro;

// --micro [BenchmarkDotNet arguments]: the micro-benchmarks; anything else: the scenarios.
if (args.Length > 0 && args[0] == "--micro")
{
    BenchmarkDotNet.Running.BenchmarkRunner.Run<LicenseVerificationBenchmarks>(args: args[1..]);
    return 0;
}

return Ledger.Benchmarks.BenchmarkRunner.Run(args, Console.Out);
