using System.Globalization;
using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests;

/// <summary>A new run: the run directory it writes, the horizon warning, and what it refuses to overwrite.</summary>
public sealed class TrainerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-train-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void TinyRunWritesATypedRunDirectoryAndTheLossFalls()
    {
        var outDir = Path.Combine(_dir.FullName, "run");
        var recorder = new Recorder();
        var result = Trainer.Run(TinyRun.Options, null, outDir, progress: recorder);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(40, result.StepsDone);
        Assert.Empty(recorder.Warnings); // the default preset's horizon is the run's steps
        Assert.Equal([20, 40], recorder.Checkpoints);
        foreach (var file in new[] { "metrics.csv", "run.json", "summary.json", "checkpoint.bin", "checkpoint.prev.bin", "lock" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }

        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories));
        var rows = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.Equal("step,tokens,lr_group0,lr_group1,train_loss,val_loss,tokens_per_s", rows[0]);
        Assert.Equal(41, rows.Length);
        Assert.True(result.TrainLosses.TakeLast(5).Average() < result.TrainLosses.Take(5).Average() - 0.5);
        Assert.True(result.FinalValidationLoss < result.UnigramBaseline, $"{result.FinalValidationLoss} vs unigram {result.UnigramBaseline}");
        Assert.True(result.FinalValidationLoss > result.EntropyFloor);

        // Everything reads back through RunDirectory as typed records, equal to what the trainer returned.
        var run = new RunDirectory(outDir);
        var manifest = run.ReadManifest();
        Assert.Equal(RunManifest.CurrentFormat, manifest.Format);
        Assert.Equal(TinyRun.Options, manifest.Options);
        Assert.Equal("cosine_with_min_lr", ScheduleSpec.Parse(manifest.Schedule).TypeName);
        Assert.Equal(40, manifest.Horizon);
        Assert.Equal(TokenizerKind.Char, manifest.Data.Tokenizer);
        Assert.Equal(256, manifest.TokensPerStep);
        Assert.Equal(result.Summary, run.ReadSummary());
        Assert.Equal(result.History.Rows, run.ReadHistory().Rows);
        Assert.Equal([9, 19, 29, 39], run.ReadHistory().Evaluations.Select(e => e.Step));
        var checkpoint = run.ReadCheckpoint(null, out var notice);
        Assert.Null(notice);
        Assert.True(checkpoint.Verified);
        Assert.Equal(40, checkpoint.Header.Step);
        Assert.Equal(20, run.ReadCheckpoint(20, out _).Header.Step); // checkpoint.prev.bin
        Assert.Equal(1, result.Summary.Sessions);
        Assert.Equal(40 * 256, result.Summary.Tokens);

        // Step 0 runs at the schedule's value at 0 (0 for cosine_with_min_lr), and row k at the schedule's value at k.
        Assert.Equal(0.0, result.LearningRates[0][0]);
        Assert.Equal(1e-2, result.LearningRates[2][0], 15);
        var schedule = ScheduleSpec.Parse(manifest.Schedule);
        Assert.All(result.History.Rows, r => Assert.Equal(schedule.LearningRate(r.Step, 1e-2), r.LearningRates[0], 15));
    }

    [Fact]
    public void AHorizonOtherThanTheStepsIsOneWarningAndTheRunGoesOn()
    {
        var options = TinyRun.Options with { Steps = 12, CheckpointEvery = 0, EvalEvery = 100 };
        var recorder = new Recorder();
        var result = Trainer.Run(options, TinyRun.Schedule("""{"type":"linear","num_warmup_steps":1,"num_training_steps":8}""", options), Path.Combine(_dir.FullName, "h"), progress: recorder);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        var warning = Assert.Single(recorder.Warnings);
        Assert.Equal(TrainingOption.Steps, warning.Option);
        Assert.Equal("12 goes past the schedule's horizon (num_training_steps = 8): steps 8 to 11 train at the learning rate the schedule gives after its end", warning.Text);
        Assert.All(result.History.Rows.Skip(8), r => Assert.Equal(0.0, r.LearningRates[0]));

        var shorter = new Recorder();
        Trainer.Run(options, TinyRun.Schedule("""{"type":"CosineAnnealingLR","T_max":30}""", options), Path.Combine(_dir.FullName, "h2"), progress: shorter);
        Assert.Equal("12 stops before the schedule's horizon (T_max = 30): the run ends before the schedule does", Assert.Single(shorter.Warnings).Text);
    }

    [Fact]
    public void UnknownPresetIsAOneLineErrorAboutTheScheduleOption()
    {
        var e = Assert.Throws<TrainingInputException>(() => TinyRun.Schedule("onecylce", TinyRun.Options));
        Assert.Equal(TrainingOption.Schedule, e.Option);
        Assert.StartsWith("Schedule 'onecylce' is not a preset, a JSON spec or an existing file (did you mean 'onecycle'?)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("--", e.Message, StringComparison.Ordinal); // the library names no flag
    }

    [Fact]
    public void BadOptionsAreGatheredWithTheOptionEachIsAbout()
    {
        var e = Assert.Throws<TrainingInputException>(() => (TinyRun.Options with { Steps = 0, EvalBatches = 0, Beta2 = 1, EmbeddingDim = 33 }).Validate());
        Assert.Equal([TrainingOption.Steps, TrainingOption.EmbeddingDim, TrainingOption.Beta2, TrainingOption.EvalBatches], e.Problems.Select(p => p.Option!.Value));
        Assert.Equal(
            "Steps must be >= 1 (was 0); EmbeddingDim must be a multiple of the number of attention heads (33 is not a multiple of 2); Beta2 must be in [0, 1) (was 1); EvalBatches must be >= 1 (was 0)",
            e.Message);
    }

    [Fact]
    public void AnOccupiedOutputIsRefusedUnlessForced()
    {
        var options = TinyRun.Options with { Steps = 3, CheckpointEvery = 0 };
        var other = Directory.CreateDirectory(Path.Combine(_dir.FullName, "notes")).FullName;
        File.WriteAllText(Path.Combine(other, "metrics.csv"), "my own file\n");
        var e = Assert.Throws<TrainingInputException>(() => Trainer.Run(options, null, other));
        Assert.Equal(TrainingOption.OutputDirectory, e.Option);
        Assert.IsType<ForceRemedy>(e.Remedy);
        Assert.Equal("my own file\n", File.ReadAllText(Path.Combine(other, "metrics.csv"))); // untouched

        var run = Path.Combine(_dir.FullName, "run");
        Trainer.Run(options, null, run);
        var before = TinyRun.Snapshot(run);
        e = Assert.Throws<TrainingInputException>(() => Trainer.Run(options with { Seed = 2 }, null, run));
        Assert.Equal(new ResumeRemedy(run), e.Remedy);
        Assert.Equal(before, TinyRun.Snapshot(run));

        var forced = Trainer.Run(options with { Seed = 2 }, null, run, force: true);
        Assert.Equal(3, forced.StepsDone);
        Assert.Equal(2, new RunDirectory(run).ReadManifest().Options.Seed);
    }

    [Fact]
    public void BadInputLeavesNoDirectoryBehindAndARunWithoutACheckpointStartsOverOnlyWhenForced()
    {
        var missing = Path.Combine(_dir.FullName, "missing.txt");
        var outDir = Path.Combine(_dir.FullName, "never");
        var e = Assert.Throws<TrainingInputException>(() => Trainer.Run(TinyRun.Options with { DataPath = missing }, null, outDir));
        Assert.Equal($"DataPath: file '{missing}' does not exist", e.Message);
        Assert.False(Directory.Exists(outDir));

        var options = TinyRun.Options with { Steps = 3, CheckpointEvery = 0 };
        var run = Path.Combine(_dir.FullName, "killed-early");
        Trainer.Run(options, null, run);
        File.Delete(Path.Combine(run, RunDirectory.CheckpointFileName)); // as if killed before its first checkpoint
        e = Assert.Throws<TrainingInputException>(() => Trainer.Run(options, null, run));
        Assert.Equal($"OutputDirectory '{run}' holds a run that stopped before its first checkpoint, so it cannot be resumed; start it again; pass force: true to write into it anyway", e.Message);
        Assert.Equal(3, Trainer.Run(options, null, run, force: true).StepsDone);
    }

    [Fact]
    public void ScheduleInTokensHasItsHorizonInSteps()
    {
        var options = TinyRun.Options; // 256 tokens a step
        var schedule = TinyRun.Schedule("""{"type":"tokens","schedule":{"type":"cosine","num_warmup_steps":1024,"num_training_steps":10000}}""", options);
        Assert.Equal(40, schedule.HorizonSteps(options.TokensPerStep)); // ceil(10000 / 256)
        Assert.Equal("num_training_steps (in tokens)", schedule.HorizonParameter);
        Assert.Empty(Trainer.HorizonWarnings(schedule, options));
    }

    internal static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
