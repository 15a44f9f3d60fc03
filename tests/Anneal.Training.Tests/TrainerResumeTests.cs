using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests;

/// <summary>Resuming, extending and starting from a checkpoint: exact, and refused where it would train at the wrong learning rate.</summary>
public sealed class TrainerResumeTests : IDisposable
{
    private const string Stable40 = """{"type":"warmup_stable_decay","num_warmup_steps":2,"num_decay_steps":8,"num_training_steps":40}""";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-resume-");

    public void Dispose() => _dir.Delete(true);

    private string Dir(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public void ACancelledRunResumesBitForBitAndItsFilesDescribeTheWholeRun()
    {
        var full = Trainer.Run(TinyRun.Options, null, Dir("full"));

        var part = Dir("part");
        var cancel = new Recorder(cancelAfterStep: 24);
        var first = Trainer.Run(TinyRun.Options, null, part, progress: cancel, cancellation: cancel.Source.Token);
        Assert.Equal(TrainingStatus.Cancelled, first.Status);
        Assert.Equal(25, first.StepsDone); // a checkpoint after 25 steps, written on cancel
        var second = Trainer.Resume(part);
        Assert.Equal(TrainingStatus.Completed, second.Status);
        Assert.Equal(25, second.StartStep);

        // The continued run is the uninterrupted one: every row's learning rates and losses exactly.
        Assert.Equal(full.History.Rows.Select(r => (r.Step, r.Tokens, r.TrainLoss, r.ValidationLoss)), second.History.Rows.Select(r => (r.Step, r.Tokens, r.TrainLoss, r.ValidationLoss)));
        Assert.Equal(full.History.Rows.SelectMany(r => r.LearningRates), second.History.Rows.SelectMany(r => r.LearningRates));
        Assert.Equal(full.FinalValidationLoss, second.FinalValidationLoss);
        Assert.Equal(second.History.Rows, new RunDirectory(part).ReadHistory().Rows);

        // summary.json totals both sessions.
        var summary = new RunDirectory(part).ReadSummary()!;
        Assert.Equal(2, summary.Sessions);
        Assert.Equal(40, summary.StepsDone);
        Assert.Equal(40 * 256, summary.Tokens);
        Assert.True(summary.TrainSeconds > first.Summary.TrainSeconds, $"{summary.TrainSeconds} vs the first session's {first.Summary.TrainSeconds}");
        Assert.Equal(40 * 256 / summary.TrainSeconds, summary.TokensPerSecond, 6);

        // TensorBoard holds every step once: a rewritten history file and this session's file.
        var steps = TensorBoardEvents.Steps(Path.Combine(part, RunDirectory.TensorBoardFolder), "loss/train");
        Assert.Equal(Enumerable.Range(0, 40).Select(s => (long)s), steps);
        Assert.Equal([9L, 19L, 29L, 39L], TensorBoardEvents.Steps(Path.Combine(part, RunDirectory.TensorBoardFolder), "loss/validation"));
    }

    [Fact]
    public void AFinishedRunResumedWithoutNewStepsChangesNothing()
    {
        var options = TinyRun.Options with { Steps = 6, CheckpointEvery = 0, EvalEvery = 3 };
        var run = Dir("done");
        Trainer.Run(options, null, run);
        var before = TinyRun.Snapshot(run);

        var again = Trainer.Resume(run);
        Assert.Equal(TrainingStatus.NothingToTrain, again.Status);
        Assert.Equal("the run is finished (6 steps); nothing was trained or changed", again.Message);
        Assert.Equal(before, TinyRun.Snapshot(run));

        var e = Assert.Throws<TrainingInputException>(() => Trainer.Resume(run, new ResumeRequest { Steps = 4 }));
        Assert.Equal("Steps must be at least 6, the steps the run has done (was 4)", e.Message);
        Assert.Equal(before, TinyRun.Snapshot(run));
    }

    [Fact]
    public void StepsPastTheHorizonAreRefusedAndANewScheduleMustRepeatTheRecordedLearningRates()
    {
        var options = TinyRun.Options with { Steps = 12, CheckpointEvery = 0 };
        var run = Dir("wsd");
        Trainer.Run(options, TinyRun.Schedule("""{"type":"warmup_stable_decay","num_warmup_steps":2,"num_decay_steps":2,"num_training_steps":12}""", options), run);
        var before = TinyRun.Snapshot(run);

        // The README's old example: more steps under a finished cooldown would train at LR 0.
        var e = Assert.Throws<TrainingInputException>(() => Trainer.Resume(run, new ResumeRequest { Steps = 24 }));
        Assert.Equal(TrainingOption.Steps, e.Option);
        Assert.StartsWith("Steps 24 goes past the schedule's horizon (num_training_steps = 12)", e.Message, StringComparison.Ordinal);
        Assert.Equal(new ExtendRemedy(run, 12, 24), e.Remedy);

        // A schedule whose cooldown has started differs at the first cooldown step: named with both values.
        var longer = TinyRun.Schedule("""{"type":"warmup_stable_decay","num_warmup_steps":2,"num_decay_steps":4,"num_training_steps":24}""", options with { Steps = 24 });
        e = Assert.Throws<TrainingInputException>(() => Trainer.Resume(run, new ResumeRequest { Steps = 24, Schedule = longer }));
        Assert.Equal(TrainingOption.Schedule, e.Option);
        Assert.Equal(
            "Schedule does not continue the run: at step 11 it gives learning rate 0.01 (group 0), but the run trained that step at 0.005; a schedule given on resume must give the recorded learning rate at every step already run (0 to 11)",
            e.Message);
        Assert.Equal(before, TinyRun.Snapshot(run));
    }

    [Fact]
    public void ExtendingAWsdRunBeforeItsCooldownGivesTheLongerRunExactly()
    {
        var options = TinyRun.Options with { Steps = 40, CheckpointEvery = 0 };

        // The run as planned from the start: 40 steps, cooldown over the last 8.
        var whole = Trainer.Run(options, TinyRun.Schedule(Stable40, options), Dir("whole"));

        // Planned for 20 steps, stopped after 12 (before its cooldown at 16), then extended to 40 under the longer spec.
        var shortOptions = options with { Steps = 12 };
        var recorder = new Recorder();
        Trainer.Run(shortOptions, TinyRun.Schedule("""{"type":"warmup_stable_decay","num_warmup_steps":2,"num_decay_steps":4,"num_training_steps":20}""", shortOptions), Dir("grown"), progress: recorder);
        Assert.Equal(TrainingOption.Steps, Assert.Single(recorder.Warnings).Option); // stops before its horizon
        var grown = Trainer.Resume(Dir("grown"), new ResumeRequest { Steps = 40, Schedule = TinyRun.Schedule(Stable40, options) });

        Assert.Equal(TrainingStatus.Completed, grown.Status);
        Assert.Equal(whole.History.Rows.SelectMany(r => r.LearningRates), grown.History.Rows.SelectMany(r => r.LearningRates));
        Assert.Equal(whole.TrainLosses, grown.TrainLosses);
        Assert.Equal(whole.FinalValidationLoss, grown.FinalValidationLoss);
        Assert.Equal(ScheduleSpec.Write(ScheduleSpec.Parse(Stable40)), new RunDirectory(Dir("grown")).ReadManifest().Schedule);
    }

    [Fact]
    public void AScheduleWithoutAHorizonExtends()
    {
        var options = TinyRun.Options with { Steps = 6, CheckpointEvery = 0, EvalEvery = 3 };
        var run = Dir("constant");
        Trainer.Run(options, TinyRun.Schedule("constant", options), run);
        var more = Trainer.Resume(run, new ResumeRequest { Steps = 9 });
        Assert.Equal(TrainingStatus.Completed, more.Status);
        Assert.Equal(Enumerable.Range(0, 9), more.History.Steps);
        Assert.All(more.History.Rows, r => Assert.Equal(1e-2, r.LearningRates[0]));
        Assert.Equal(9, new RunDirectory(run).ReadManifest().Options.Steps);
    }

    [Fact]
    public void InitFromStartsANewRunFromACheckpointUnderAnotherScheduleAndLearningRate()
    {
        var options = TinyRun.Options with { CheckpointEvery = 10, Steps = 30 };
        var source = Dir("source");
        Trainer.Run(options, TinyRun.Schedule("constant", options), source);

        var branch = Trainer.InitFrom(source, 20, options with { Steps = 30, LearningRate = 5e-3 }, TinyRun.Schedule("cosine", options with { LearningRate = 5e-3 }), Dir("branch"));
        Assert.Equal(TrainingStatus.Completed, branch.Status);
        Assert.Equal(Enumerable.Range(20, 10), branch.History.Steps);
        var cosine = ScheduleSpec.Parse(SchedulePresets.Spec("cosine", 30, 5e-3, OptimizerKind.AdamW));
        Assert.Equal(Enumerable.Range(20, 10).Select(t => cosine.LearningRate(t, 5e-3)), branch.History.LearningRates(0)); // evaluated at the global step
        var manifest = new RunDirectory(Dir("branch")).ReadManifest();
        Assert.Equal(20, manifest.InitFrom!.Step);
        Assert.Equal(Path.Combine("..", "source", "checkpoint.prev.bin"), manifest.InitFrom.Checkpoint); // the checkpoint after 20 steps
        Assert.Equal(20 * 256 + (10 * 256), branch.Summary.Tokens); // the token count goes on

        var e = Assert.Throws<TrainingInputException>(() => Trainer.InitFrom(source, 15, options, null, Dir("x")));
        Assert.Equal($"InitFrom: '{source}' has no checkpoint after 15 steps (it has checkpoints after 20, 30 steps)", e.Message);
        e = Assert.Throws<TrainingInputException>(() => Trainer.InitFrom(source, null, options with { EmbeddingDim = 64 }, null, Dir("y")));
        Assert.StartsWith($"InitFrom: the checkpoint of '{source}' belongs to another model, data or optimizer (embedding_dim 32, now 64)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<TrainingInputException>(() => Trainer.InitFrom(source, 30, options, null, Dir("z")));
        Assert.Equal("Steps must be more than 30, the steps of the checkpoint the run starts from (was 30)", e.Message);
    }
}
