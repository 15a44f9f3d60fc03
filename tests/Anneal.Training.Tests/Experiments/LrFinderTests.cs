using System.Globalization;
using System.Text.Json.Nodes;
using Anneal.Training.Experiments;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

public sealed class LrFinderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-find-lr-");

    private static TrainingOptions Tiny => TinyRun.Options with { Steps = new TrainingOptions().Steps }; // the suggested schedule is for anneal train's default steps

    public void Dispose() => _dir.Delete(true);

    [Theory]
    [InlineData(1e-7, 10, 100)]
    [InlineData(1e-7, 10, 300)]
    [InlineData(1e-5, 1, 37)]
    [InlineData(0.5, 0.75, 10)]
    public void SweepIsExponentialLrDrivenByTheScheduler(double start, double end, int steps)
    {
        var sweep = new LrFinderOptions { StartLr = start, EndLr = end, Steps = steps };
        var group = new ParamGroup(start);
        var scheduler = new Scheduler(sweep.Schedule(), [group]);
        Assert.Equal("ExponentialLR", scheduler.Schedule.TypeName);
        for (var i = 0; i < steps; i++)
        {
            var expected = start * Math.Pow(end / start, (double)i / steps);
            Assert.True(Math.Abs(group.LearningRate - expected) <= 1e-12 * expected, $"step {i}: {group.LearningRate:R} vs {expected:R}");
            scheduler.Step();
        }

        Assert.Equal(end, group.LearningRate, end * 1e-12); // step `steps`, one past the sweep, would run at end
    }

    [Theory]
    [InlineData(1.0, 0.1, 100, "StartLr must be less than the end learning rate (was 1 and 0.1)")]
    [InlineData(1e-3, 1e-3, 100, "StartLr must be less than the end learning rate (was 0.001 and 0.001)")]
    [InlineData(0.0, 10, 100, "StartLr must be a finite number > 0 (was 0)")]
    [InlineData(1e-7, double.PositiveInfinity, 100, "EndLr must be a finite number > 0 (was Infinity)")]
    [InlineData(1e-7, 10, 9, "SweepSteps must be >= 10 (was 9)")]
    [InlineData(1e-7, 10, 10_001, "SweepSteps must be <= 10000 (was 10001)")]
    [InlineData(-1, 10, 3, "StartLr must be a finite number > 0 (was -1); SweepSteps must be >= 10 (was 3)")]
    public void BadSweeps(double start, double end, int steps, string expected)
    {
        var e = Assert.Throws<TrainingInputException>(() => new LrFinderOptions { StartLr = start, EndLr = end, Steps = steps }.Validate());
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void PeakRulesParseFromTheirNames()
    {
        Assert.Equal(LrPeakRule.Minimum, LrPeakRules.Parse("minimum"));
        Assert.Equal("minimum/10", LrPeakRule.Minimum.SuggestionName());
        var e = Assert.Throws<TrainingInputException>(() => LrPeakRules.Parse("min"));
        Assert.Equal("Peak must be valley, steep or minimum (was 'min')", e.Message);
    }

    [Fact]
    public void ADirectoryThatIsNotEmptyIsRefusedUnlessForced()
    {
        var outDir = Directory.CreateDirectory(Path.Combine(_dir.FullName, "full")).FullName;
        File.WriteAllText(Path.Combine(outDir, "lr_find.csv"), "mine\n");
        var e = Assert.Throws<TrainingInputException>(() => LrFinder.Run(Tiny, new LrFinderOptions { Steps = 10 }, outDir));
        Assert.Equal(TrainingOption.OutputDirectory, e.Option);
        Assert.IsType<ForceRemedy>(e.Remedy);
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(outDir, "lr_find.csv")));
        LrFinder.Run(Tiny, new LrFinderOptions { Steps = 10 }, outDir, force: true);
        Assert.StartsWith("step,lr,loss,smoothed_loss", File.ReadAllText(Path.Combine(outDir, "lr_find.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void TinySweepWritesItsFilesAndFollowsItsOwnRules()
    {
        var outDir = Path.Combine(_dir.FullName, "sweep");
        var sweep = new LrFinderOptions { StartLr = 1e-4, EndLr = 10, Steps = 30 };
        var r = LrFinder.Run(Tiny, sweep, outDir);

        foreach (var file in new[] { "lr_find.csv", "lr_find.json", "suggested_schedule.json" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }

        var rows = File.ReadAllLines(Path.Combine(outDir, "lr_find.csv"));
        Assert.Equal("step,lr,loss,smoothed_loss", rows[0]);
        Assert.Equal(r.Points.Count + 1, rows.Length);
        for (var i = 0; i < r.Points.Count; i++)
        {
            var cells = rows[i + 1].Split(',').Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(i, (int)cells[0]);
            var expected = 1e-4 * Math.Pow(1e5, i / 30.0);
            Assert.True(Math.Abs(cells[1] - expected) <= 1e-12 * expected, $"step {i}: {cells[1]:R} vs {expected:R}");
            Assert.Equal(r.Points[i].Loss, cells[2]);
            Assert.Equal(r.Points[i].SmoothedLoss, cells[3]);
        }

        // The recorded smoothed losses, stop and suggestions are those of the pure rules applied to the recorded losses.
        double[] losses = [.. r.Points.Select(p => p.Loss)];
        Assert.Equal(LrFinderSuggestions.Smooth(losses), r.Points.Select(p => p.SmoothedLoss));
        var stop = LrFinderSuggestions.StopStep(losses);
        Assert.Equal(stop is null ? 30 : stop + 1, r.Points.Count);
        Assert.Equal(stop is null ? LrFinderStop.Completed : LrFinderStop.Diverged, r.Stop);
        var expectedSuggestions = LrFinderSuggestions.Suggest([.. r.Points.Select(p => p.LearningRate)], LrFinderSuggestions.Smooth(losses), 30);
        Assert.Equal(expectedSuggestions, r.Suggestions);
        Assert.NotNull(r.Suggestions);

        // The suggested schedule is anneal train's default preset with the steep suggestion as --lr.
        Assert.Equal(r.Suggestions.Steep.LearningRate, r.SuggestedPeak);
        Assert.Equal("""{"type":"cosine_with_min_lr","num_warmup_steps":30,"num_training_steps":600,"min_lr_rate":0.1}""", r.SuggestedSchedule);
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "suggested_schedule.json")))!;
        Assert.Equal(JsonNode.Parse(r.SuggestedSchedule!)!.ToJsonString(), spec.ToJsonString());
        Assert.IsType<CosineWithMinLr>(ScheduleSpec.Parse(spec.ToJsonString()));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "lr_find.json")))!;
        Assert.Equal(r.SuggestedPeak, summary["suggested_peak_lr"]!.GetValue<double>());
        Assert.Equal(r.Suggestions.Steep.LearningRate, summary["suggestions"]!["steep"]!["lr"]!.GetValue<double>());
    }

    [Fact]
    public void FirstStepSeesTheSameModelAndBatchAsAnnealTrain()
    {
        var train = Trainer.Run(Tiny with { Steps = 1, EvalBatches = 1 }, null, Path.Combine(_dir.FullName, "train"));
        var find = LrFinder.Run(Tiny, new LrFinderOptions { Steps = 10 }, Path.Combine(_dir.FullName, "find"));

        // Step 0's loss is computed before any update: same initial weights, same batch.
        Assert.Equal(train.TrainLosses[0], find.Points[0].Loss);
    }

    [Fact]
    public void HugeLearningRatesStopTheSweepEarly()
    {
        var r = LrFinder.Run(Tiny, new LrFinderOptions { StartLr = 1e-2, EndLr = 1e4, Steps = 60 }, Path.Combine(_dir.FullName, "huge"));

        Assert.True(r.Points.Count < 60, $"{r.Points.Count} steps: {r.Message}");
        Assert.Contains(r.Stop, new[] { LrFinderStop.Diverged, LrFinderStop.NonFiniteLoss });
        double[] losses = [.. r.Points.Select(p => p.Loss)];
        Assert.Equal(r.Points.Count - 1, LrFinderSuggestions.StopStep(losses));
        if (r.Stop == LrFinderStop.Diverged)
        {
            var last = r.Points[^1];
            Assert.True(last.SmoothedLoss > 4 * r.Points.SkipLast(1).Min(p => p.SmoothedLoss));
            Assert.StartsWith($"diverged at step {last.Step} ", r.Message);
        }
    }
}
