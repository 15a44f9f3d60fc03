using Anneal;
using BenchmarkDotNet.Attributes;

namespace Anneal.Benchmarks;

/// <summary>
/// What PyTorch's chained recurrence costs. A driven <see cref="Scheduler.Step()"/> advances the cached recurrence by
/// one step; random access (<see cref="Schedule.LearningRate"/>) and resuming (<see cref="Scheduler.LoadState"/>)
/// replay it from step 0. Baseline: one driven step of the chain's cosine member alone, in the same run.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[ShortRunJob]
public class ChainedSchedulerBenchmarks
{
    private const long FarStep = 1_000_000;

    private static readonly Schedule Cosine = new CosineAnnealingLR(1_000_000, 1e-5);

    private static readonly Schedule Chain = new ChainedScheduler([new CosineAnnealingLR(1_000_000, 1e-5), new StepLR(1000, 0.9)]);

    private Scheduler _cosine = null!;
    private Scheduler _chain = null!;
    private SchedulerState _far = null!;

    /// <summary>Builds the driven schedulers and a state at step 10^6.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _cosine = new Scheduler(Cosine, [new ParamGroup(0.1)]);
        _chain = new Scheduler(Chain, [new ParamGroup(0.1)]);
        _far = new SchedulerState(FarStep, [0.1], []);
    }

    /// <summary>One driven step of CosineAnnealingLR alone (the baseline).</summary>
    [Benchmark(Baseline = true)]
    public double CosineStep()
    {
        _cosine.Step();
        return _cosine.LastLearningRates[0];
    }

    /// <summary>One driven step of ChainedScheduler(CosineAnnealingLR, StepLR).</summary>
    [Benchmark]
    public double ChainedStep()
    {
        _chain.Step();
        return _chain.LastLearningRates[0];
    }

    /// <summary>CosineAnnealingLR's closed form at step 10^6.</summary>
    [Benchmark]
    public double CosineLearningRateAtStep1e6() => Cosine.LearningRate(FarStep, 0.1);

    /// <summary>The chain at step 10^6 by random access: the recurrence replayed from step 0.</summary>
    [Benchmark]
    public double ChainedLearningRateAtStep1e6() => Chain.LearningRate(FarStep, 0.1);

    /// <summary>Resuming the chain at step 10^6: a fresh scheduler loads the state and writes that step's value.</summary>
    [Benchmark]
    public double ChainedResumeAtStep1e6()
    {
        var scheduler = new Scheduler(Chain, [new ParamGroup(0.1)]);
        scheduler.LoadState(_far);
        return scheduler.LastLearningRates[0];
    }
}
