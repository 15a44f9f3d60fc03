using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using TorchLRScheduler = TorchSharp.torch.optim.lr_scheduler.LRScheduler;

namespace Anneal.TorchSharp.Tests;

/// <summary>
/// The drop-in <see cref="AnnealLRScheduler"/>: held as TorchSharp's <c>LRScheduler</c> by code that knows nothing of
/// Anneal, it writes exactly the learning rates (and momenta) of Anneal's <see cref="Scheduler"/> on the same schedule,
/// reports them through <c>get_last_lr()</c>, takes <c>step(metric)</c> for reduce-on-plateau, and saves and resumes.
/// </summary>
public sealed class LRSchedulerTests
{
    private const int Steps = 30;

    public static TheoryData<string, string> Cases() => new()
    {
        { "sgd", """{"type":"OneCycleLR","max_lr":[0.1,0.05],"total_steps":30}""" },
        { "adamw", """{"type":"warmup_stable_decay","num_warmup_steps":5,"num_decay_steps":10,"num_training_steps":30,"decay_type":"1-sqrt"}""" },
        { "adamw", """{"type":"cosine_with_min_lr","num_warmup_steps":3,"num_training_steps":30,"min_lr_rate":0.1}""" },
        { "sgd", """{"type":"CyclicLR","base_lr":[0.01,0.002],"max_lr":[0.1,0.05],"step_size_up":4,"mode":"exp_range","gamma":0.97}""" },
        { "adamw", """{"type":"SequentialLR","schedulers":[{"type":"LinearLR","start_factor":0.1,"total_iters":4},{"type":"CosineAnnealingWarmRestarts","T_0":5,"T_mult":2}],"milestones":[4]}""" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TorchSharpCodeSeesTheSameLearningRatesAsAnnealsScheduler(string optimizerName, string spec)
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(3);
        using var model = nn.Linear(4, 2);
        using var optimizer = CreateOptimizer(optimizerName, model);
        TorchLRScheduler scheduler = optimizer.CreateLRScheduler(ScheduleSpec.Parse(spec));
        var kind = optimizerName == "sgd" ? MomentumKind.Momentum : MomentumKind.Beta1;
        var reference = new Scheduler(ScheduleSpec.Parse(spec), [new ParamGroup(0.02, kind, 0.9), new ParamGroup(0.005, kind, 0.9)]);

        var seen = TrainWithTorchSharpScheduler(model, optimizer, scheduler, Steps, reference);

        Assert.True(seen.Distinct().Count() > 5, "the schedule must move for this test to mean anything");
        Assert.Equal(Steps, ((AnnealLRScheduler)scheduler).StepCount);
    }

    [Fact]
    public void MatchesTorchSharpsOwnStepLRInTheSameLoop()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(4);
        using var modelA = nn.Linear(4, 2);
        using var modelB = nn.Linear(4, 2);
        using var optimizerA = optim.SGD(modelA.parameters(), 0.1, momentum: 0.9);
        using var optimizerB = optim.SGD(modelB.parameters(), 0.1, momentum: 0.9);
        TorchLRScheduler anneal = optimizerA.CreateLRScheduler(ScheduleSpec.Parse("""{"type":"StepLR","step_size":4,"gamma":0.5}"""));
        TorchLRScheduler torchSharp = optim.lr_scheduler.StepLR(optimizerB, 4, 0.5);

        var ours = TrainWithTorchSharpScheduler(modelA, optimizerA, anneal, 20, reference: null);
        var theirs = TrainWithTorchSharpScheduler(modelB, optimizerB, torchSharp, 20, reference: null);

        // TorchSharp multiplies the group's LR by gamma every step_size steps; Anneal evaluates base * gamma^(t/4):
        // both are exact powers of 0.5 times 0.1 here, so the sequences are equal.
        Assert.Equal(theirs, ours);
        Assert.Equal(0.1 * Math.Pow(0.5, 4), ours[^1]);
    }

    [Fact]
    public void StepWithAMetricDrivesReduceOnPlateau()
    {
        TorchRuntime.EnsureLoaded();
        using var model = nn.Linear(2, 1);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        var spec = """{"type":"ReduceLROnPlateau","factor":0.5,"patience":1}""";
        TorchLRScheduler scheduler = optimizer.CreateLRScheduler(ScheduleSpec.Parse(spec));
        var reference = new Scheduler(ScheduleSpec.Parse(spec), [new ParamGroup(0.1)]);
        double[] metrics = [1.0, 0.9, 0.95, 0.97, 0.98, 0.8, 0.85, 0.86];
        var lrs = new List<double>();
        foreach (var metric in metrics)
        {
            scheduler.step(metric);
            reference.Step(metric);
            lrs.Add(scheduler.get_last_lr().Single());
            Assert.Equal(reference.LastLearningRates[0], lrs[^1]);
            Assert.Equal(lrs[^1], optimizer.ParamGroups.Single().LearningRate);
        }

        // Improvements at 1.0 and 0.9; two bad metrics (0.95, 0.97) exceed patience 1 -> halved; then 0.98 and the
        // cooldown-free count start again; 0.8 improves; 0.85, 0.86 -> halved again.
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025], lrs);
        var e = Assert.Throws<InvalidOperationException>(() => scheduler.step());
        Assert.Contains("step(metric)", e.Message.Replace("Step(metric)", "step(metric)", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => scheduler.step(0.5, 3));
    }

    [Fact]
    public void SavedStateResumesTheSameLearningRatesInAFreshOptimizer()
    {
        TorchRuntime.EnsureLoaded();
        var spec = """{"type":"SequentialLR","schedulers":[{"type":"LinearLR","start_factor":0.2,"total_iters":3},{"type":"ReduceLROnPlateau","factor":0.5,"patience":0}],"milestones":[3]}""";
        double[] metrics = [5, 4, 3, 3.5, 3.6, 2, 2.5, 2.6, 2.7, 1];

        using var modelA = nn.Linear(2, 1);
        using var optimizerA = optim.Adam(modelA.parameters(), 0.01);
        var uninterrupted = optimizerA.CreateLRScheduler(ScheduleSpec.Parse(spec));
        var expected = metrics.Select(m => { uninterrupted.step(m); return uninterrupted.get_last_lr().Single(); }).ToArray();

        using var modelB = nn.Linear(2, 1);
        using var optimizerB = optim.Adam(modelB.parameters(), 0.01);
        var first = optimizerB.CreateLRScheduler(ScheduleSpec.Parse(spec));
        foreach (var metric in metrics[..5])
        {
            first.step(metric);
        }

        var saved = first.GetStateJson();

        using var modelC = nn.Linear(2, 1);
        using var optimizerC = optim.Adam(modelC.parameters(), 0.01);
        var resumed = optimizerC.CreateLRScheduler(ScheduleSpec.Parse(spec));
        resumed.LoadStateJson(saved);
        Assert.Equal(expected[4], resumed.get_last_lr().Single());
        Assert.Equal(expected[4], optimizerC.ParamGroups.Single().LearningRate);
        Assert.Equal(5, resumed.StepCount);
        var continued = metrics[5..].Select(m => { resumed.step(m); return resumed.get_last_lr().Single(); });

        Assert.Equal(expected[5..], continued);
        Assert.True(expected.Distinct().Count() >= 4);
        Assert.Throws<ScheduleArgumentException>(() =>
            optimizerC.CreateLRScheduler(ScheduleSpec.Parse("""{"type":"StepLR","step_size":2}""")).LoadStateJson(saved));
    }

    [Fact]
    public void StepWithAnEpochJumpsToThatStep()
    {
        TorchRuntime.EnsureLoaded();
        using var model = nn.Linear(2, 1);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        var scheduler = optimizer.CreateLRScheduler(ScheduleSpec.Parse("""{"type":"CosineAnnealingLR","T_max":10}"""));
        Assert.Equal(0.1, scheduler.get_last_lr().Single());

        scheduler.step(5);

        Assert.Equal(5, scheduler.StepCount);
        Assert.Equal(0.05, scheduler.get_last_lr().Single(), 15);
        Assert.Equal(0.05, optimizer.ParamGroups.Single().LearningRate, 15);
        scheduler.step();
        Assert.Equal(0.1 * (1 + Math.Cos(Math.PI * 6 / 10)) / 2, scheduler.get_last_lr().Single());
    }

    /// <summary>A TorchSharp training loop that only knows TorchSharp's scheduler type; returns group 0's LR per step.</summary>
    private static List<double> TrainWithTorchSharpScheduler(Linear model, optim.Optimizer optimizer, TorchLRScheduler scheduler, int steps, Scheduler? reference)
    {
        using var x = randn(16, model.in_features);
        using var y = randn(16, model.out_features);
        var lrs = new List<double>();
        double? firstLoss = null;
        double lastLoss = 0;
        for (var step = 0; step < steps; step++)
        {
            var last = scheduler.get_last_lr().ToArray();
            lrs.Add(last[0]);
            Assert.Equal(optimizer.ParamGroups.Select(g => g.LearningRate), last);
            if (reference is not null)
            {
                Assert.Equal(reference.LastLearningRates, last);
                AssertMomenta(optimizer, reference);
            }

            using var d = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(x), y);
            lastLoss = loss.item<float>();
            firstLoss ??= lastLoss;
            loss.backward();
            optimizer.step();
            scheduler.step();
            reference?.Step();
        }

        Assert.True(lastLoss < firstLoss, $"training must make progress: loss {firstLoss} -> {lastLoss}");
        return lrs;
    }

    private static void AssertMomenta(optim.Optimizer optimizer, Scheduler reference)
    {
        var groups = optimizer.ParamGroups.ToArray();
        for (var g = 0; g < groups.Length; g++)
        {
            var expected = double.IsNaN(reference.LastMomenta[g]) ? 0.9 : reference.LastMomenta[g];
            var actual = groups[g] switch
            {
                optim.IMomentum m => m.Momentum,
                optim.IBetas b => b.Betas.Item1,
                _ => double.NaN,
            };
            Assert.Equal(expected, actual);
        }
    }

    private static optim.Optimizer CreateOptimizer(string name, Linear model)
    {
        Parameter weight = model.weight!, bias = model.bias!;
        return name switch
        {
            "sgd" => optim.SGD([new SGD.ParamGroup([weight], lr: 0.02, momentum: 0.9), new SGD.ParamGroup([bias], lr: 0.005, momentum: 0.9)], 0.02, momentum: 0.9),
            "adamw" => optim.AdamW([new AdamW.ParamGroup([weight], lr: 0.02, weight_decay: 0.1), new AdamW.ParamGroup([bias], lr: 0.005)], 0.02),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown optimizer"),
        };
    }
}
