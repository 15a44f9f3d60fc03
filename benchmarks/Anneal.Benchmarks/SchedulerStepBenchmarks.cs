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
        // 82 knots, as anneal optimize writes them (a warmup, then a knot every 1/80 of the horizon)
        ["piecewise_linear"] = """{"type":"piecewise_linear","steps":[0,100,12500100,25000100,37500100,50000100,62500100,75000100,87500100,100000100,112500100,125000100,137500100,150000100,162500100,175000100,187500100,200000100,212500100,225000100,237500100,250000100,262500100,275000100,287500100,300000100,312500100,325000100,337500100,350000100,362500100,375000100,387500100,400000100,412500100,425000100,437500100,450000100,462500100,475000100,487500100,500000100,512500100,525000100,537500100,550000100,562500100,575000100,587500100,600000100,612500100,625000100,637500100,650000100,662500100,675000100,687500100,700000100,712500100,725000100,737500100,750000100,762500100,775000100,787500100,800000100,812500100,825000100,837500100,850000100,862500100,875000100,887500100,900000100,912500100,925000100,937500100,950000100,962500100,975000100,987500100,1000000000],"factors":[0.0,1.0,0.9888,0.9775,0.9663,0.955,0.9437,0.9325,0.9213,0.91,0.8988,0.8875,0.8762,0.865,0.8538,0.8425,0.8313,0.82,0.8087,0.7975,0.7863,0.775,0.7637,0.7525,0.7412,0.73,0.7188,0.7075,0.6963,0.685,0.6737,0.6625,0.6512,0.64,0.6288,0.6175,0.6062,0.595,0.5837,0.5725,0.5613,0.55,0.5388,0.5275,0.5162,0.505,0.4938,0.4825,0.4712,0.46,0.4487,0.4375,0.4263,0.415,0.4037,0.3925,0.3812,0.37,0.3587,0.3475,0.3362,0.325,0.3137,0.3025,0.2913,0.28,0.2688,0.2575,0.2462,0.235,0.2238,0.2125,0.2013,0.19,0.1787,0.1675,0.1562,0.145,0.1338,0.1225,0.1112,0.0]}""",
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
