using Ledger.Benchmarks;

return BenchmarkRunner.Run(args, Console.Out);
