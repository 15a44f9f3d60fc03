using Anneal.Training.Experiments;
using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary>Warmup-stable-decay branching: the plan, the schedules, and branched runs against separate runs.</summary>
public sealed class BranchingTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-branch-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void ThePlanSharesTheWarmupAndBranchesAtEightyPercentOfEachBudget()
    {
        var plan = BranchingPlan.Create(1000, new BranchingOptions());
        Assert.Equal(50, plan.Warmup);
        Assert.Equal([250, 500, 1000], plan.Budgets.Select(b => b.Budget));
        Assert.Equal([50, 100, 200], plan.Budgets.Select(b => b.DecaySteps));
        Assert.Equal([200, 400, 800], plan.Budgets.Select(b => b.BranchStep));
        Assert.Equal(800, plan.StableSteps);
        Assert.Equal(plan.Budgets[^1].Spec, plan.StableSpec);
        Assert.Equal(
            """{"type":"warmup_stable_decay","num_warmup_steps":50,"num_decay_steps":50,"num_training_steps":250,"decay_type":"1-sqrt"}""",
            plan.Budgets[0].Spec);

        // The full budget's branch is the wsd-1sqrt preset of the comparison, exactly.
        Assert.Equal(
            ScheduleSpec.Write(ScheduleSpec.Parse(SchedulePresets.Spec("wsd-1sqrt", 1000, 3e-3, OptimizerKind.AdamW))),
            ScheduleSpec.Write(ScheduleSpec.Parse(plan.Budgets[^1].Spec)));
    }

    [Fact]
    public void EachBudgetsScheduleEqualsTheStableRunsUpToItsBranchStep()
    {
        foreach (var steps in new[] { 40, 300, 1000, 4097 })
        {
            var plan = BranchingPlan.Create(steps, new BranchingOptions { Fractions = [0.25, 0.5, 0.75, 1.0] });
            var stable = ScheduleSpec.Parse(plan.StableSpec);
            foreach (var b in plan.Budgets)
            {
                var separate = ScheduleSpec.Parse(b.Spec);
                for (var t = 0; t < b.BranchStep; t++)
                {
                    Assert.Equal(separate.LearningRate(t, 3e-3), stable.LearningRate(t, 3e-3)); // bit for bit
                }

                Assert.Equal(3e-3, separate.LearningRate(b.BranchStep, 3e-3)); // the cooldown starts at the peak
                Assert.True(separate.LearningRate(b.BranchStep + 1, 3e-3) < 3e-3, $"{steps}/{b.Name}: decays after T - D");
            }
        }
    }

    [Theory]
    [InlineData(0.01, "BranchAt 0.01: the cooldown of a 10-step budget would start at step 8, inside the 50-step warmup; use larger fractions or more steps")]
    [InlineData(1.5, "BranchAt fractions must be in (0, 1] (was 1.5)")]
    [InlineData(0.0, "BranchAt fractions must be in (0, 1] (was 0)")]
    public void ImpossibleFractionsAreOneLineErrors(double fraction, string message)
    {
        var e = Assert.Throws<TrainingInputException>(() => BranchingPlan.Create(1000, new BranchingOptions { Fractions = [fraction, 1.0] }));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void TwoFractionsWithOneBudgetAreAnError()
    {
        var e = Assert.Throws<TrainingInputException>(() => BranchingPlan.Create(40, new BranchingOptions { Fractions = [0.5, 0.51] }));
        Assert.Equal("BranchAt 0.51 gives the same budget (20 steps) as another fraction", e.Message);
    }

    [Fact]
    public void BranchesCostFewerTokensThanSeparateRunsAndFollowThemExactly()
    {
        var tiny = CompareTests.Tiny with { Steps = 40 };
        var outDir = Path.Combine(_dir.FullName, "compare");
        var report = Compare.Run(
            new CompareSettings { Training = tiny, Entries = [CompareSet.Parse("wsd-1sqrt")], LearningRates = [3e-3, 1e-2], SeedCount = 1, Branching = new BranchingOptions { Fractions = [0.25, 0.5, 1.0] } },
            outDir,
            CompareTests.Whole).Report!;
        var branching = report.Branching!;

        // At the first seed and at the peak LR where wsd-1sqrt did best, in a folder named for them.
        var best = report.Schedules[0].BestLearningRate!.Value;
        Assert.Equal(best, branching.LearningRate);
        Assert.Equal(tiny.Seed, branching.Seed);
        var branchDir = Path.Combine(outDir, "branching", $"lr-{SweepRun.LrText(best)}", $"seed-{tiny.Seed}");
        tiny = tiny with { LearningRate = best };

        // Cost: the stable run to step 32 and cooldowns of 2, 4 and 8 steps, against runs of 10, 20 and 40 steps.
        const int tokensPerStep = 8 * 32;
        Assert.Equal((32 + 2 + 4 + 8) * tokensPerStep, branching.TokensSpent);
        Assert.Equal((10 + 20 + 40) * tokensPerStep, branching.SeparateTokens);
        Assert.True(branching.TokensSpent < branching.SeparateTokens);

        var stable = Metrics(Path.Combine(branchDir, "stable"));
        foreach (var b in branching.Branches)
        {
            // The separate warmup-stable-decay run this budget stands for, trained from scratch.
            var separateDir = Path.Combine(_dir.FullName, "separate-" + b.Budget.Budget);
            Trainer.Run(tiny with { Steps = b.Budget.Budget }, RunSchedule.FromSpec(b.Budget.Spec), separateDir);
            var separate = Metrics(separateDir);
            var branched = stable.Where(r => r.Step < b.Budget.BranchStep).Concat(Metrics(Path.Combine(branchDir, b.Budget.Name))).ToList();

            Assert.Equal(separate.Select(r => r.Step), branched.Select(r => r.Step));
            Assert.Equal(separate.SelectMany(r => r.Lrs), branched.SelectMany(r => r.Lrs)); // both groups' learning rates, as written: exactly
            Assert.Equal(separate.Select(r => r.TrainLoss), branched.Select(r => r.TrainLoss)); // and, the trainer being deterministic, the losses
            Assert.Equal(separate[^1].ValLoss, branched[^1].ValLoss);
        }

        // The full budget's branch is the compared wsd-1sqrt run at that LR and seed, bit for bit.
        Assert.Equal(report.Schedules[0].Best!.Runs[0].FinalValidationLoss, branching.Branches[^1].FinalValidationLoss);

        // Each branch is an init-from run of the stable run's kept checkpoint at its branch step.
        foreach (var b in branching.Branches)
        {
            var origin = new RunDirectory(Path.Combine(branchDir, b.Budget.Name)).ReadManifest().InitFrom!;
            Assert.Equal(b.Budget.BranchStep, origin.Step);
            Assert.Equal(Path.Combine("..", "stable", "checkpoints", $"step-{b.Budget.BranchStep}.bin"), origin.Checkpoint);
        }
    }

    private static List<(int Step, double[] Lrs, double TrainLoss, double? ValLoss)> Metrics(string directory)
    {
        var lines = File.ReadAllLines(Path.Combine(directory, "metrics.csv"));
        var header = lines[0].Split(',');
        int step = Array.IndexOf(header, "step"), lr0 = Array.IndexOf(header, "lr_group0"), lr1 = Array.IndexOf(header, "lr_group1"),
            train = Array.IndexOf(header, "train_loss"), val = Array.IndexOf(header, "val_loss");
        return [.. lines.Skip(1).Select(l => l.Split(',')).Select(c => (
            int.Parse(c[step], System.Globalization.CultureInfo.InvariantCulture),
            new[] { double.Parse(c[lr0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(c[lr1], System.Globalization.CultureInfo.InvariantCulture) },
            double.Parse(c[train], System.Globalization.CultureInfo.InvariantCulture),
            c[val].Length > 0 ? double.Parse(c[val], System.Globalization.CultureInfo.InvariantCulture) : (double?)null))];
    }
}
