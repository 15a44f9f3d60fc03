using Anneal;
using BenchmarkDotNet.Attributes;

namespace Anneal.Benchmarks;

/// <summary>
/// The cost of one <see cref="Scheduler.Step()"/> (evaluate the schedule, write one parameter group) for each spec
/// type. Target: under 100 ns and 0 bytes allocated for closed-form and composite schedules. <c>constant</c> is the
/// driver's own cost: quote the others as ratios to it, measured in the same run (the machine is shared).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[ShortRunJob]
public class SchedulerStepBenchmarks
{
    /// <summary>One representative spec per type; horizons are huge so that no schedule runs out of steps.</summary>
    public static readonly IReadOnlyDictionary<string, string> Specs = new Dictionary<string, string>
    {
        ["StepLR"] = """{"type":"StepLR","step_size":1000,"gamma":0.5}""",
        ["MultiStepLR"] = """{"type":"MultiStepLR","milestones":[1000,2000,4000,8000,16000],"gamma":0.5}""",
        ["ConstantLR"] = """{"type":"ConstantLR","factor":0.5,"total_iters":1000}""",
        ["LinearLR"] = """{"type":"LinearLR","start_factor":0.1,"total_iters":1000}""",
        ["ExponentialLR"] = """{"type":"ExponentialLR","gamma":0.999999}""",
        ["PolynomialLR"] = """{"type":"PolynomialLR","total_iters":1000000000,"power":2}""",
        ["CosineAnnealingLR"] = """{"type":"CosineAnnealingLR","T_max":1000000,"eta_min":1e-5}""",
        ["CosineAnnealingWarmRestarts"] = """{"type":"CosineAnnealingWarmRestarts","T_0":100,"T_mult":2}""",
        ["CyclicLR"] = """{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"step_size_up":500,"mode":"triangular2"}""",
        ["OneCycleLR"] = """{"type":"OneCycleLR","max_lr":0.1,"total_steps":1000000000000}""",
        ["SequentialLR"] = """{"type":"SequentialLR","schedulers":[{"type":"LinearLR","start_factor":0.01,"total_iters":100},{"type":"CosineAnnealingLR","T_max":1000000}],"milestones":[100]}""",
        ["ChainedScheduler"] = """{"type":"ChainedScheduler","schedulers":[{"type":"ConstantLR","factor":0.5,"total_iters":100},{"type":"ExponentialLR","gamma":0.999999}]}""",
        ["ChainedScheduler/cosine"] = """{"type":"ChainedScheduler","schedulers":[{"type":"CosineAnnealingLR","T_max":1000000,"eta_min":1e-5},{"type":"StepLR","step_size":1000,"gamma":0.9}]}""",
        ["ChainedScheduler/cyclic"] = """{"type":"ChainedScheduler","schedulers":[{"type":"ExponentialLR","gamma":0.999999},{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"step_size_up":500,"cycle_momentum":false},{"type":"CosineAnnealingLR","T_max":1000,"eta_min":1e-5}]}""",
        ["ReduceLROnPlateau"] = """{"type":"ReduceLROnPlateau","patience":5}""",
        ["constant"] = """{"type":"constant"}""",
        ["constant_with_warmup"] = """{"type":"constant_with_warmup","num_warmup_steps":100}""",
        ["linear"] = """{"type":"linear","num_warmup_steps":100,"num_training_steps":1000000000}""",
        ["cosine"] = """{"type":"cosine","num_warmup_steps":100,"num_training_steps":1000000000}""",
        ["cosine_with_restarts"] = """{"type":"cosine_with_restarts","num_warmup_steps":100,"num_training_steps":1000000000,"num_cycles":3}""",
        ["polynomial"] = """{"type":"polynomial","num_warmup_steps":100,"num_training_steps":1000000000,"power":2}""",
        ["inverse_sqrt"] = """{"type":"inverse_sqrt","num_warmup_steps":100}""",
        ["cosine_with_min_lr"] = """{"type":"cosine_with_min_lr","num_warmup_steps":100,"num_training_steps":1000000000,"min_lr_rate":0.1}""",
        ["cosine_warmup_with_min_lr"] = """{"type":"cosine_warmup_with_min_lr","num_warmup_steps":100,"num_training_steps":1000000000,"min_lr_rate":0.1}""",
        ["warmup_stable_decay"] = """{"type":"warmup_stable_decay","num_warmup_steps":100,"num_decay_steps":100000,"num_stable_steps":1000000000,"decay_type":"1-sqrt"}""",
        ["warmup"] = """{"type":"warmup","num_warmup_steps":100,"schedule":{"type":"CosineAnnealingLR","T_max":1000000}}""",
        ["restarts"] = """{"type":"restarts","period":1000,"schedule":{"type":"linear","num_warmup_steps":10,"num_training_steps":1000}}""",
        ["ramp"] = """{"type":"ramp","num_steps":1000000000,"from":1,"to":0.1,"shape":"cosine"}""",
    };

    private Scheduler _scheduler = null!;
    private double _metric;

    /// <summary>The spec type measured.</summary>
    [ParamsSource(nameof(Types))]
    public string Type { get; set; } = "StepLR";

    /// <summary>Every type in <see cref="Specs"/> plus LambdaLR.</summary>
    public static IEnumerable<string> Types => Specs.Keys.Append("LambdaLR");

    /// <summary>Builds the scheduler over one SGD group.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var schedule = Type == "LambdaLR" ? new LambdaLR(t => 1.0 / (1 + t * 1e-4)) : ScheduleSpec.Parse(Specs[Type]);
        _scheduler = new Scheduler(schedule, [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)]);
    }

    /// <summary>One step (with a slowly worsening metric for reduce-on-plateau).</summary>
    [Benchmark]
    public double Step()
    {
        if (Type == "ReduceLROnPlateau")
        {
            _metric += 1e-9;
            _scheduler.Step(_metric);
        }
        else
        {
            _scheduler.Step();
        }

        return _scheduler.LastLearningRates[0];
    }
}
