using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests;

/// <summary>The divergence rule, and what a diverged run keeps and says.</summary>
public sealed class DivergenceTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-diverge-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void TheRuleIsNaNOrAboveTheInitialLossAndTwiceTheBestSmoothedLoss()
    {
        var rule = new DivergenceRule();
        Assert.Null(rule.Threshold);
        Assert.False(rule.Diverges(1e6)); // before the first step only NaN and infinities diverge
        Assert.True(rule.Diverges(double.NaN));
        Assert.True(rule.Diverges(double.PositiveInfinity));

        rule.Add(3.0); // L0 = 3, smoothed 3
        Assert.Equal(6.0, rule.Threshold); // max(3, 2 x 3)
        Assert.False(rule.Diverges(5.9));
        Assert.True(rule.Diverges(6.1));

        foreach (var _ in Enumerable.Range(0, 200))
        {
            rule.Add(1.0); // the smoothed loss falls to 1 (bias-corrected EMA, beta 0.9)
        }

        Assert.Equal(1.0, rule.SmoothedLoss, 9);
        Assert.Equal(3.0, rule.Threshold!.Value, 9); // max(L0 = 3, 2 x 1)
        Assert.False(rule.Diverges(2.9));
        Assert.True(rule.Diverges(3.1));
        Assert.True(rule.Healthy);

        // Climbing: healthy until the smoothed loss passes 1.25 x its minimum.
        while (rule.SmoothedLoss <= 1.25)
        {
            Assert.True(rule.Healthy);
            rule.Add(1.5);
        }

        Assert.False(rule.Healthy);

        // A saved state continues the same rule.
        var restored = new DivergenceRule(rule.State);
        Assert.Equal(rule.Threshold, restored.Threshold);
        Assert.Equal(rule.SmoothedLoss, restored.SmoothedLoss);
        Assert.Equal(rule.Healthy, restored.Healthy);
        restored.Add(1.7);
        rule.Add(1.7);
        Assert.Equal(rule.SmoothedLoss, restored.SmoothedLoss);
    }

    [Fact]
    public void TheRuleNeverFiresOnTheCommittedRunsAndTheirCheckpointsWouldAllBeHealthy()
    {
        // The runs of docs/reports that start from scratch (11 schedules on two corpora at 3 or 4 peak LRs and 3 seeds,
        // and the WSD stable run): no step diverges, the largest loss stays below the threshold by a margin, and every
        // checkpoint the runs wrote (every CheckpointEvery steps and at the end) was taken while the smoothed loss was healthy.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Anneal.slnx")))
        {
            root = root.Parent!;
        }

        var runs = Directory.GetFiles(Path.Combine(root.FullName, "docs", "reports"), RunDirectory.MetricsFile, SearchOption.AllDirectories)
            .Select(f => new RunDirectory(Path.GetDirectoryName(f)!)).Where(r => r.ReadManifest().InitFrom is null && !File.Exists(r.FilePath("branch.json"))).ToList();
        Assert.Equal(265, runs.Count);
        Assert.Equal(119_040, runs.Sum(r => r.ReadHistory().Rows.Count));
        var worst = 0.0;
        var checkpoints = 0;
        foreach (var run in runs)
        {
            var rule = new DivergenceRule();
            var options = run.ReadManifest().Options;
            foreach (var row in run.ReadHistory().Rows)
            {
                Assert.False(rule.Diverges(row.TrainLoss), $"{run.Path} step {row.Step}: {row.TrainLoss} > {rule.Threshold}");
                worst = Math.Max(worst, rule.Threshold is { } t ? row.TrainLoss / t : 0);
                rule.Add(row.TrainLoss);
                var checkpointed = (row.Step + 1) % options.CheckpointEvery == 0 || row.Step + 1 == options.Steps;
                if (checkpointed)
                {
                    checkpoints++;
                    Assert.True(rule.Healthy, $"{run.Path} checkpoint after step {row.Step}: smoothed {rule.SmoothedLoss}");
                }
            }
        }

        Assert.Equal(1_191, checkpoints);
        Assert.True(worst < 0.9, $"worst {worst}");
        Assert.True(worst > 0.5, $"worst {worst}");
    }

    [Fact]
    public void AnExplosionStopsTheRunNamesStepAndLearningRateAndKeepsTheLastGoodCheckpoint()
    {
        // SGD at 0.3, then x3000 from step 12: the checkpoint after 10 steps is the last good one.
        var options = TinyRun.Options with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.3, CheckpointEvery = 5, EvalEvery = 5 };
        var dir = Path.Combine(_dir.FullName, "boom");
        var result = Trainer.Run(options, TinyRun.Schedule("""{"type":"MultiStepLR","milestones":[12],"gamma":3000}""", options), dir);

        Assert.Equal(TrainingStatus.Diverged, result.Status);
        var d = result.Divergence!;
        Assert.True(d.Step >= 12, $"diverged at step {d.Step}");
        Assert.Equal(900, d.LearningRate, 9);
        Assert.True(double.IsNaN(d.Loss) || d.Loss > d.Threshold, $"{d.Loss} vs {d.Threshold}");
        Assert.Equal(10, d.GoodCheckpointStep);
        Assert.Equal(d.Step, result.StepsDone); // the diverged step was not applied
        Assert.Equal(Enumerable.Range(0, d.Step), result.History.Steps);
        Assert.Contains($"at step {d.Step} (lr 900); the step was not applied; the last checkpoint before the loss exploded is ", result.Message, StringComparison.Ordinal);

        // The named checkpoint is whole, healthy and after 10 steps; the run's summary says where it diverged.
        var run = new RunDirectory(dir);
        var good = RunDirectory.Check(Path.Combine(dir, d.GoodCheckpoint!)).Checkpoint!;
        Assert.Equal(10, good.Header.Step);
        Assert.True(good.Header.Healthy);
        Assert.Equal(d, run.ReadSummary()!.Divergence);

        // Resuming would repeat the divergence: refused, with the restart from the good checkpoint as the remedy.
        var e = Assert.Throws<TrainingInputException>(() => Trainer.Resume(dir));
        Assert.Equal(new InitFromRemedy(dir, 10, 0.15), e.Remedy);

        // The restart at a lower learning rate goes on from step 10 and does not diverge.
        var restart = Trainer.InitFrom(dir, 10, options with { LearningRate = 0.15 }, TinyRun.Schedule("constant", options), Path.Combine(_dir.FullName, "restart"));
        Assert.Equal(TrainingStatus.Completed, restart.Status);
        Assert.Equal(10, restart.History.Steps[0]);
    }
}
