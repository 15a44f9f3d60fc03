using System.Text.Json.Nodes;
using Xunit;

namespace Anneal.Training.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-train-");

    private static TrainingOptions Tiny => new()
    {
        Steps = 40,
        BatchSize = 8,
        Context = 32,
        Layers = 1,
        Heads = 2,
        EmbeddingDim = 32,
        EvalEvery = 10,
        EvalBatches = 2,
        CheckpointEvery = 20,
        CorpusCharacters = 50_000,
        LearningRate = 1e-2,
    };

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void TinyRunWritesAllRunFilesAndTheLossFalls()
    {
        var outDir = Path.Combine(_dir.FullName, "run");
        var result = Trainer.Run(Tiny, outDir);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(40, result.StepsDone);
        foreach (var file in new[] { "metrics.csv", "run.json", "summary.json", "curves.png", "checkpoint.bin" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(outDir, "tensorboard"), "events.out.tfevents*", SearchOption.AllDirectories));
        var rows = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.Equal("step,tokens,lr_group0,lr_group1,train_loss,val_loss,tokens_per_s", rows[0]);
        Assert.Equal(41, rows.Length);
        Assert.True(result.TrainLosses.TakeLast(5).Average() < result.TrainLosses.Take(5).Average() - 0.5);
        Assert.True(result.FinalValidationLoss < result.UnigramBaseline, $"{result.FinalValidationLoss} vs unigram {result.UnigramBaseline}");
        Assert.True(result.FinalValidationLoss > result.EntropyFloor);

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        Assert.Equal("completed", summary["status"]!.GetValue<string>());
        Assert.Equal(result.EntropyFloor, summary["entropy_floor_nats_per_token"]!.GetValue<double>());
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "run.json")))!;
        Assert.Equal("cosine_with_min_lr", run["schedule"]!["type"]!.GetValue<string>());

        // Warmup: step 0 runs at the schedule's value at 0, which is 0 for cosine_with_min_lr.
        Assert.Equal(0.0, result.LearningRates[0][0]);
        Assert.Equal(1e-2, result.LearningRates[2][0], 15);
    }

    [Fact]
    public void ResumedRunFollowsTheSameLearningRatesAndLosses()
    {
        var full = Trainer.Run(Tiny, Path.Combine(_dir.FullName, "full"));

        var partDir = Path.Combine(_dir.FullName, "part");
        var cancel = new CancelAfter(20);
        var first = Trainer.Run(Tiny, partDir, cancel, cancel.Source.Token);
        Assert.Equal(TrainingStatus.Cancelled, first.Status);
        var second = Trainer.Resume(partDir);
        Assert.Equal(TrainingStatus.Completed, second.Status);

        var lrs = first.LearningRates.Concat(second.LearningRates).ToList();
        var losses = first.TrainLosses.Concat(second.TrainLosses).ToList();
        Assert.Equal(40, lrs.Count);
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(full.LearningRates[i], lrs[i]); // exactly
            Assert.True(full.TrainLosses[i] == losses[i], $"step {i}: {full.TrainLosses[i]} != {losses[i]}");
        }

        Assert.Equal(full.FinalValidationLoss, second.FinalValidationLoss);
        Assert.Equal(41, File.ReadAllLines(Path.Combine(partDir, "metrics.csv")).Length);
    }

    [Fact]
    public void UnknownPresetIsAOneLineError()
    {
        var e = Assert.Throws<Data.TrainingInputException>(() => Trainer.Run(Tiny with { Schedule = "onecylce" }, Path.Combine(_dir.FullName, "x")));
        Assert.StartsWith("--schedule: 'onecylce' is not a preset, a JSON spec or an existing file (did you mean 'onecycle'?)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void DivergenceStopsWithStepAndLearningRateAndKeepsTheCheckpoint()
    {
        var outDir = Path.Combine(_dir.FullName, "nan");
        var result = Trainer.Run(Tiny with { Schedule = """{"type":"MultiStepLR","milestones":[25],"gamma":1e30}""", Optimizer = "sgd", GradientClip = 0 }, outDir);
        Assert.Equal(TrainingStatus.Diverged, result.Status);
        Assert.Contains("at step", result.Message, StringComparison.Ordinal);
        Assert.Contains("last good checkpoint", result.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoint.bin")));
    }

    private sealed class CancelAfter(int steps) : ITrainingProgress
    {
        public CancellationTokenSource Source { get; } = new();

        public void Started(RunInfo info)
        {
        }

        public void Stepped(StepReport report)
        {
            if (report.Step + 1 == steps)
            {
                Source.Cancel();
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
