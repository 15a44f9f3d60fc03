using System.Globalization;
using Xunit;

namespace Anneal.Training.Tests;

/// <summary>How the trainer drives schedules: in tokens, and reduce-on-plateau (with a warmup in front) fed by evaluations.</summary>
public sealed class TrainerScheduleTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-train-schedule-");

    private static TrainingOptions Tiny => TinyRun.Options with { EvalEvery = 1000, CheckpointEvery = 0 };

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void ScheduleInTokensGivesTheSameLearningRateAtTheSameTokenCountWhateverTheBatch()
    {
        // 10,240 tokens per run: 40 steps of 8 x 32 tokens, or 80 steps of 4 x 32. Warmup 1,024 tokens, then cosine to 0.
        const string spec = """{"type":"tokens","schedule":{"type":"cosine","num_warmup_steps":1024,"num_training_steps":10240}}""";
        var large = Trainer.Run(Tiny with { BatchSize = 8, Steps = 40 }, RunSchedule.FromSpec(spec), Path.Combine(_dir.FullName, "b8"));
        var small = Trainer.Run(Tiny with { BatchSize = 4, Steps = 80 }, RunSchedule.FromSpec(spec), Path.Combine(_dir.FullName, "b4"));
        Assert.Equal(TrainingStatus.Completed, large.Status);
        Assert.Equal(TrainingStatus.Completed, small.Status);

        var largeRows = Rows(Path.Combine(_dir.FullName, "b8"));
        var smallRows = Rows(Path.Combine(_dir.FullName, "b4"));
        for (var i = 0; i < 40; i++)
        {
            // Large step i and small step 2i both start after 256 i tokens and end after 256 (i + 1) and 128 (2i + 1).
            Assert.Equal(large.LearningRates[i], small.LearningRates[2 * i]); // exactly, both groups
            Assert.Equal(largeRows[i].Tokens, smallRows[(2 * i) + 1].Tokens);
            Assert.Equal(largeRows[i].Lr, smallRows[2 * i].Lr); // the CSV's round-trip text too
        }

        Assert.Equal(0.0, large.LearningRates[0][0]);
        Assert.Equal(0.5e-2, large.LearningRates[2][0], 15); // 512 of 1,024 warmup tokens
        Assert.Equal(0.25e-2, small.LearningRates[2][0], 15); // 256 of them
        Assert.Equal(1e-2, large.LearningRates[4][0], 15);
        Assert.True(large.LearningRates[39][0] < 1e-4);
    }

    [Theory]
    [InlineData("plateau", 1.0, 1.0)]
    [InlineData("warmup-plateau", 0.0, 0.5)]
    public void PlateauPresetsWarmUpPerStepAndHalveAfterThreeEvaluationsWithoutImprovement(string preset, double step0, double step1)
    {
        // A learning rate of 1e-7 changes the validation loss by far less than the plateau's threshold (1e-4, relative),
        // and is still large enough for halving it to change it by more than the plateau's eps (1e-8): the first evaluation (after step 3) sets the best, every later one is without improvement. Patience 2 counts
        // evaluations (every 4 steps), so the 3rd bad one (after step 15) halves the LR from step 16, again from step 28.
        // warmup-plateau's warmup is 5% of 40 steps = 2 steps, counted in optimizer steps: 0, lr/2, then lr.
        const double lr = 1e-7;
        var outDir = Path.Combine(_dir.FullName, preset);
        var options = Tiny with { LearningRate = lr, EvalEvery = 4 };
        var result = Trainer.Run(options, TinyRun.Schedule(preset, options), outDir);
        Assert.Equal(TrainingStatus.Completed, result.Status);

        double[] expected =
        [
            step0 * lr, step1 * lr,
            .. Enumerable.Repeat(lr, 14), // steps 2..15
            .. Enumerable.Repeat(lr / 2, 12), // steps 16..27
            .. Enumerable.Repeat(lr / 4, 12), // steps 28..39
        ];
        Assert.Equal(expected, result.LearningRates.Select(l => l[0]));
        Assert.Equal(expected, result.LearningRates.Select(l => l[1]));
        var run = File.ReadAllText(Path.Combine(outDir, "run.json"));
        Assert.Contains("once per optimizer step; reduce-on-plateau fed the validation loss at each evaluation", run, StringComparison.Ordinal);
    }

    private static (long Tokens, string Lr)[] Rows(string directory) =>
        [.. File.ReadAllLines(Path.Combine(directory, "metrics.csv")).Skip(1).Select(line => line.Split(','))
            .Select(cells => (long.Parse(cells[1], CultureInfo.InvariantCulture), cells[2]))];
}
