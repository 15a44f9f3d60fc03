using Anneal.Training.Data;
using Anneal.Training.Experiments;
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
            ScheduleSpec.Write(ScheduleSpec.Parse(SchedulePresets.Spec("wsd-1sqrt", 1000, 3e-3, true))),
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
    [InlineData(0.01, "--branch-at 0.01: the cooldown of a 10-step budget would start at step 8, inside the 50-step warmup; use larger fractions or more --steps")]
    [InlineData(1.5, "--branch-at fractions must be in (0, 1] (was 1.5)")]
    [InlineData(0.0, "--branch-at fractions must be in (0, 1] (was 0)")]
    public void ImpossibleFractionsAreOneLineErrors(double fraction, string message)
    {
        var e = Assert.Throws<TrainingInputException>(() => BranchingPlan.Create(1000, new BranchingOptions { Fractions = [fraction, 1.0] }));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void TwoFractionsWithOneBudgetAreAnError()
    {
        var e = Assert.Throws<TrainingInputException>(() => BranchingPlan.Create(40, new BranchingOptions { Fractions = [0.5, 0.51] }));
        Assert.Equal("--branch-at 0.51 gives the same budget (20 steps) as another fraction", e.Message);
    }

    [Fact]
    public void BranchesCostFewerTokensThanSeparateRunsAndFollowThemExactly()
    {
        var tiny = CompareTests.Tiny with { Steps = 40 };
        var outDir = Path.Combine(_dir.FullName, "compare");
        var report = Compare.Run(
            new CompareSettings { Training = tiny, Entries = [CompareSet.Parse("wsd-1sqrt")], Branching = new BranchingOptions { Fractions = [0.25, 0.5, 1.0] } },
            outDir);
        var branching = report.Branching!;

        // Cost: the stable run to step 32 and cooldowns of 2, 4 and 8 steps, against runs of 10, 20 and 40 steps.
        const int tokensPerStep = 8 * 32;
        Assert.Equal((32 + 2 + 4 + 8) * tokensPerStep, branching.TokensSpent);
        Assert.Equal((10 + 20 + 40) * tokensPerStep, branching.SeparateTokens);
        Assert.True(branching.TokensSpent < branching.SeparateTokens);
        Assert.Equal(
            "One stable run to step 32 (8,192 tokens) and 3 cooldowns branched off it (3,584 tokens) cost 11,776 training tokens; separate runs of the 3 budgets would have cost 17,920 (34.3% saved).",
            ReportWriter.BranchingSentence(branching));

        var stable = Metrics(Path.Combine(outDir, "branching", "stable"));
        foreach (var b in branching.Branches)
        {
            // The separate warmup-stable-decay run this budget stands for, trained from scratch.
            var separateDir = Path.Combine(_dir.FullName, "separate-" + b.Budget.Budget);
            Trainer.Run(tiny with { Schedule = b.Budget.Spec, Steps = b.Budget.Budget }, separateDir);
            var separate = Metrics(separateDir);
            var branched = stable.Where(r => r.Step < b.Budget.BranchStep).Concat(Metrics(Path.Combine(outDir, "branching", b.Budget.Name))).ToList();

            Assert.Equal(separate.Select(r => r.Step), branched.Select(r => r.Step));
            Assert.Equal(separate.SelectMany(r => r.Lrs), branched.SelectMany(r => r.Lrs)); // both groups' learning rates, as written: exactly
            Assert.Equal(separate.Select(r => r.TrainLoss), branched.Select(r => r.TrainLoss)); // and, the trainer being deterministic, the losses
            Assert.Equal(separate[^1].ValLoss, branched[^1].ValLoss);
        }

        // The full budget's branch is the compared wsd-1sqrt run, so the report can say so.
        Assert.Equal(report.Runs[0].FinalValidationLoss, branching.Branches[^1].FinalValidationLoss);
        Assert.Contains("(bit for bit the same)", File.ReadAllText(Path.Combine(outDir, "report.md")), StringComparison.Ordinal);
        Assert.Contains("](branching.png)", File.ReadAllText(Path.Combine(outDir, "report.md")), StringComparison.Ordinal);
        Assert.Equal(ReportWriter.BranchingCsvHeader, File.ReadLines(Path.Combine(outDir, "branching.csv")).First());
    }

    [Fact]
    public void BranchRefusesAMissingCheckpointAndAnOccupiedOutput()
    {
        var source = Path.Combine(_dir.FullName, "source");
        Trainer.Run(CompareTests.Tiny with { Steps = 10, Schedule = "constant" }, source);

        var e = Assert.Throws<TrainingInputException>(() => Trainer.Branch(Path.Combine(_dir.FullName, "none"), Path.Combine(_dir.FullName, "b"), "cosine", 5));
        Assert.Equal($"branch: '{Path.Combine(_dir.FullName, "none")}' has no checkpoint.bin", e.Message);
        e = Assert.Throws<TrainingInputException>(() => Trainer.Branch(source, source, "cosine", 5));
        Assert.Equal($"branch: '{source}' already holds a run (checkpoint.bin); resume it or choose another directory", e.Message);
        e = Assert.Throws<TrainingInputException>(() => Trainer.Branch(source, Path.Combine(_dir.FullName, "c"), """{"type":"OneCycleLR","max_lr":0.01,"total_steps":5}""", 5));
        Assert.StartsWith("--schedule: state.step must be <= 5", e.Message, StringComparison.Ordinal);

        // A branch is an ordinary run: it resumes from its own checkpoint under its own schedule.
        var branchDir = Path.Combine(_dir.FullName, "branch");
        var cancel = new CancellationTokenSource();
        var first = Trainer.Branch(source, branchDir, "cosine", 10, new CancelAt(13, cancel), cancel.Token);
        Assert.Equal(TrainingStatus.Cancelled, first.Status);
        var rest = Trainer.Resume(branchDir);
        Assert.Equal(TrainingStatus.Completed, rest.Status);
        Assert.Equal(20, rest.StepsDone);
        var expected = ScheduleSpec.Parse(SchedulePresets.Spec("cosine", 20, 1e-2, true));
        Assert.Equal(Enumerable.Range(10, 10).Select(t => expected.LearningRate(t, 1e-2)), Metrics(branchDir).Select(r => r.Lrs[0]));
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

    private sealed class CancelAt(int steps, CancellationTokenSource source) : ITrainingProgress
    {
        public void Started(RunInfo info)
        {
        }

        public void Stepped(StepReport report)
        {
            if (report.Step + 1 == steps)
            {
                source.Cancel();
            }
        }

        public void Evaluated(int step, double validationLoss)
        {
        }

        public void CheckpointSaved(int step, string path)
        {
        }
    }
}
