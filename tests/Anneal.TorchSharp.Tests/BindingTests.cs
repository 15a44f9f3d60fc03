using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Anneal.TorchSharp.Tests;

/// <summary>
/// The binding: the learning rates and momenta a <see cref="Scheduler"/> writes into real TorchSharp parameter groups
/// (read back from TorchSharp's own options) equal, exactly, the values the core computes on in-memory groups, while the
/// optimizer really steps; and the optimizer uses the scheduled learning rate.
/// </summary>
public sealed class BindingTests
{
    private const int Steps = 20;
    private static readonly double[] BaseLrs = [0.02, 0.005];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var optimizer in new[] { "sgd", "adam", "adamw", "rmsprop", "adagrad" })
        {
            foreach (var schedule in new[] { "onecycle", "cyclic", "cosine", "plateau", "warmup_plateau" })
            {
                data.Add(optimizer, schedule);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScheduledValuesInTorchSharpGroupsEqualTheCore(string optimizerName, string scheduleName)
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(1);
        using var model = nn.Linear(4, 2);
        using var optimizer = CreateOptimizer(optimizerName, model);
        var schedule = CreateSchedule(scheduleName, cycleMomentum: optimizerName != "adagrad");

        var scheduler = optimizer.CreateScheduler(schedule);
        var kind = new TorchParamGroup(optimizer.ParamGroups.First()).MomentumKind;
        var reference = new Scheduler(
            CreateSchedule(scheduleName, cycleMomentum: optimizerName != "adagrad"),
            [.. BaseLrs.Select(lr => new ParamGroup(lr, kind, InitialMomentum(optimizerName)))]);
        double[] beta2Before = [.. optimizer.ParamGroups.Select(g => g is optim.IBetas b ? b.Betas.Item2 : double.NaN)];

        using var x = randn(8, 4);
        using var y = randn(8, 2);
        for (var step = 0; step <= Steps; step++)
        {
            AssertSame(optimizerName, optimizer, reference, beta2Before, step);

            using var d = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(x), y);
            loss.backward();
            optimizer.step();
            if (schedule.NeedsMetric)
            {
                // A constant metric never improves, so the plateau reduces the learning rate every patience + 1 steps.
                scheduler.Step(1.0);
                reference.Step(1.0);
            }
            else
            {
                scheduler.Step();
                reference.Step();
            }
        }

        Assert.Equal(Steps + 1, scheduler.StepCount);
        Assert.True(scheduler.LastLearningRates.Distinct().Count() > 1);
    }

    [Fact]
    public void SgdWithoutMomentumUpdatesByMinusLearningRateTimesGradient()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(2);
        using var model = nn.Linear(3, 2);
        using var optimizer = optim.SGD(
            [
                new SGD.ParamGroup([model.weight!], lr: BaseLrs[0]),
                new SGD.ParamGroup([model.bias!], lr: BaseLrs[1]),
            ],
            learningRate: BaseLrs[0]);
        var scheduler = optimizer.CreateScheduler(ScheduleSpec.Parse("""{"type":"CosineAnnealingLR","T_max":6,"eta_min":0.001}"""));
        using var x = randn(5, 3);
        using var y = randn(5, 2);
        var seen = new HashSet<double>();
        for (var step = 0; step < 8; step++)
        {
            using var d = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.mse_loss(model.forward(x), y).backward();
            Parameter[] parameters = [model.weight!, model.bias!];
            var before = parameters.Select(p => p.data<float>().ToArray()).ToArray();
            var grads = parameters.Select(p => p.grad!.data<float>().ToArray()).ToArray();
            optimizer.step();
            for (var g = 0; g < 2; g++)
            {
                var lr = scheduler.LastLearningRates[g];
                seen.Add(lr);
                var after = parameters[g].data<float>().ToArray();
                for (var i = 0; i < after.Length; i++)
                {
                    // float32 arithmetic: the update is exact up to one rounding of the result (and of lr to float).
                    double expected = before[g][i] - (lr * grads[g][i]);
                    double tolerance = 2 * Math.ScaleB(Math.Abs(expected) + Math.Abs(lr * grads[g][i]), -23);
                    Assert.True(
                        Math.Abs(after[i] - expected) <= tolerance,
                        $"step {step}, group {g}, element {i}: {after[i]} != {expected} (lr {lr}, grad {grads[g][i]})");
                }
            }

            scheduler.Step();
        }

        Assert.True(seen.Count >= 8, "the learning rate must change from step to step for this test to mean anything");
    }

    [Fact]
    public void MomentumCyclingOnAdagradIsRejected()
    {
        TorchRuntime.EnsureLoaded();
        using var model = nn.Linear(2, 1);
        using var optimizer = optim.Adagrad(model.parameters(), 0.01);
        var e = Assert.Throws<ScheduleArgumentException>(() =>
            optimizer.CreateScheduler(ScheduleSpec.Parse("""{"type":"OneCycleLR","max_lr":0.1,"total_steps":10}""")));
        Assert.Contains("cycle_momentum", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sgd", MomentumKind.Momentum)]
    [InlineData("rmsprop", MomentumKind.Momentum)]
    [InlineData("adam", MomentumKind.Beta1)]
    [InlineData("adamw", MomentumKind.Beta1)]
    [InlineData("adagrad", MomentumKind.None)]
    public void MomentumKindFollowsTheOptimizer(string optimizerName, MomentumKind expected)
    {
        TorchRuntime.EnsureLoaded();
        using var model = nn.Linear(2, 1);
        using var optimizer = CreateOptimizer(optimizerName, model);
        Assert.All(optimizer.GetParamGroups(), g => Assert.Equal(expected, g.MomentumKind));
        Assert.Equal(2, optimizer.GetParamGroups().Count);
    }

    private static void AssertSame(string optimizerName, optim.Optimizer optimizer, Scheduler reference, double[] beta2Before, int step)
    {
        var groups = optimizer.ParamGroups.ToArray();
        Assert.Equal(2, groups.Length);
        for (var g = 0; g < groups.Length; g++)
        {
            var options = ((global::TorchSharp.Modules.ParamGroup)groups[g]).Options;
            Assert.True(
                reference.LastLearningRates[g] == options.LearningRate,
                $"{optimizerName} step {step} group {g}: lr {options.LearningRate} != core {reference.LastLearningRates[g]}");
            double expectedMomentum = double.IsNaN(reference.LastMomenta[g]) ? InitialMomentum(optimizerName) : reference.LastMomenta[g];
            switch (groups[g])
            {
                case optim.IMomentum m:
                    Assert.True(expectedMomentum == m.Momentum, $"{optimizerName} step {step} group {g}: momentum {m.Momentum} != core {expectedMomentum}");
                    break;
                case optim.IBetas b:
                    Assert.True(expectedMomentum == b.Betas.Item1, $"{optimizerName} step {step} group {g}: beta1 {b.Betas.Item1} != core {expectedMomentum}");
                    Assert.Equal(beta2Before[g], b.Betas.Item2);
                    break;
                default:
                    Assert.Equal("adagrad", optimizerName);
                    Assert.True(double.IsNaN(reference.LastMomenta[g]));
                    break;
            }
        }
    }

    private static double InitialMomentum(string optimizerName) => optimizerName == "adagrad" ? 0 : 0.9;

    private static optim.Optimizer CreateOptimizer(string name, Linear model)
    {
        Parameter weight = model.weight!, bias = model.bias!;
        return name switch
        {
            "sgd" => optim.SGD([new SGD.ParamGroup([weight], lr: BaseLrs[0], momentum: 0.9), new SGD.ParamGroup([bias], lr: BaseLrs[1], momentum: 0.9)], BaseLrs[0], momentum: 0.9),
            "adam" => optim.Adam([new Adam.ParamGroup([weight], lr: BaseLrs[0]), new Adam.ParamGroup([bias], lr: BaseLrs[1], beta2: 0.98)], BaseLrs[0]),
            "adamw" => optim.AdamW([new AdamW.ParamGroup([weight], lr: BaseLrs[0], weight_decay: 0.1), new AdamW.ParamGroup([bias], lr: BaseLrs[1], beta2: 0.95)], BaseLrs[0]),
            "rmsprop" => optim.RMSProp([new RMSProp.ParamGroup([weight], lr: BaseLrs[0], momentum: 0.9), new RMSProp.ParamGroup([bias], lr: BaseLrs[1], momentum: 0.9)], BaseLrs[0], momentum: 0.9),
            "adagrad" => optim.Adagrad([new Adagrad.ParamGroup([weight], lr: BaseLrs[0]), new Adagrad.ParamGroup([bias], lr: BaseLrs[1])], BaseLrs[0]),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown optimizer"),
        };
    }

    private static Schedule CreateSchedule(string name, bool cycleMomentum)
    {
        var cycle = cycleMomentum ? "true" : "false";
        return ScheduleSpec.Parse(name switch
        {
            "onecycle" => $$"""{"type":"OneCycleLR","max_lr":[0.1,0.05],"total_steps":25,"cycle_momentum":{{cycle}}}""",
            "cyclic" => $$"""{"type":"CyclicLR","base_lr":[0.01,0.002],"max_lr":[0.1,0.05],"step_size_up":4,"mode":"triangular2","cycle_momentum":{{cycle}}}""",
            "cosine" => """{"type":"CosineAnnealingLR","T_max":10,"eta_min":0.001}""",
            "plateau" => """{"type":"ReduceLROnPlateau","factor":0.5,"patience":1}""",
            "warmup_plateau" => """{"type":"SequentialLR","schedulers":[{"type":"LinearLR","start_factor":0.1,"total_iters":5},{"type":"ReduceLROnPlateau","factor":0.5,"patience":2}],"milestones":[5]}""",
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown schedule"),
        });
    }
}
