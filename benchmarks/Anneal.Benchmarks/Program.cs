using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Anneal.Benchmarks.SchedulerStepBenchmarks).Assembly).Run(args);
