using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Runs;

namespace Anneal.Training;

/// <summary>What may change when a run is resumed.</summary>
public sealed record ResumeRequest
{
    /// <summary>The step count to end at (more than planned extends the run), or null to keep the planned one.</summary>
    public int? Steps { get; init; }

    /// <summary>
    /// A new schedule, or null to keep the recorded one. Accepted exactly when its learning rates for every step already
    /// run equal the recorded ones (<c>metrics.csv</c>), checked step by step; then the run continues under it.
    /// </summary>
    public RunSchedule? Schedule { get; init; }

    /// <summary>Another device, or null.</summary>
    public string? Device { get; init; }
}

/// <summary>
/// The training loop, flat like nanoGPT's <c>train.py</c>: data, model, optimizer, scheduler, then one loop of steps,
/// writing a <see cref="RunDirectory"/>. Three ways in: <see cref="Run"/> (a new run), <see cref="Resume"/> (continue or
/// extend a run in place) and <see cref="InitFrom"/> (a new run from another run's checkpoint).
/// </summary>
/// <remarks>
/// <para><b>Steps</b> are numbered from 0 everywhere: step k runs at the schedule's value at k; a run of N steps takes
/// steps 0 to N - 1; a checkpoint after k steps resumes at step k.</para>
/// <para><b>Learning rate.</b> The <see cref="Scheduler"/> is bound to the optimizer's two parameter groups (weight
/// matrices with weight decay, everything else without) with the run's base learning rate, and has written step s's
/// values before step s runs. After the optimizer step the scheduler steps once.</para>
/// <para><b>Reduce-on-plateau.</b> The scheduler steps once per optimizer step for every schedule, so warmups, milestones
/// and horizons always count optimizer steps. A schedule that contains <c>ReduceLROnPlateau</c> is fed the validation
/// loss on evaluation steps and nothing on the others (<c>StepWithoutMetric()</c>), so its patience counts evaluations.</para>
/// <para><b>Schedules in tokens.</b> The scheduler is told the tokens per step, so a <c>tokens</c> schedule gives the same
/// learning rate at the same token count whatever the batch.</para>
/// <para><b>Determinism.</b> The weights come from <c>torch.manual_seed(seed)</c>; batch b of micro-step m of step s
/// starts at offsets drawn from a SplitMix64 stream seeded by (seed, s, m), so the data position is just the step and
/// resuming needs no saved generator. With dropout 0 (the default) nothing else is random.</para>
/// <para><b>Prepared data</b> is read through memory-mapped shards; while step s computes, a background read faults in
/// the windows of step s+1 (<see cref="BatchPrefetch"/>), which reads and changes nothing else: the batches are the same.</para>
/// <para><b>Divergence</b> (<see cref="DivergenceRule"/>): a NaN or exploding loss stops the run before that step is
/// applied; the last healthy checkpoint is kept and named.</para>
/// <para><b>One writer.</b> Every entry point holds the run directory's <see cref="RunLock"/> while it works.</para>
/// <para><b>Faults.</b> A failed write (disk full, read-only file system) ends the session with
/// <see cref="TrainingFaultException"/>: no temporary file is left, the checkpoints on disk are intact.</para>
/// </remarks>
public static partial class Trainer
{
    /// <summary>Trains a new run into <paramref name="outputDirectory"/> under <paramref name="schedule"/> (null: the default preset for the options' steps and learning rate).</summary>
    /// <param name="options">The run.</param>
    /// <param name="schedule">The schedule, resolved by the caller (<see cref="SchedulePresets.Resolve"/>).</param>
    /// <param name="outputDirectory">A new or empty directory; with <paramref name="force"/> also one holding other files or an old run (whose files are deleted first).</param>
    /// <param name="force">Write into a directory that is not empty.</param>
    /// <param name="progress">Receives the progress.</param>
    /// <param name="cancellation">Cancels after the current step (a checkpoint is written).</param>
    /// <exception cref="TrainingInputException">Bad options, data or schedule, an occupied directory, or a directory another process holds.</exception>
    /// <exception cref="TrainingFaultException">A write failed.</exception>
    public static TrainingResult Run(TrainingOptions options, RunSchedule? schedule, string outputDirectory, bool force = false, ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        options.Validate();
        schedule ??= SchedulePresets.Resolve(null, options.Steps, options.LearningRate, options.Optimizer);
        var run = new RunDirectory(outputDirectory);
        return InNewDirectory(run, force, () => Execute(new SessionPlan(run, options, schedule) { Warnings = [.. HorizonWarnings(schedule, options)] }, progress, cancellation));
    }

    /// <summary>
    /// Starts a new run in <paramref name="outputDirectory"/> from the weights and optimizer state (Adam's moments and step
    /// counts) of a checkpoint of the run in <paramref name="sourceDirectory"/>: the latest, or the one after exactly
    /// <paramref name="step"/> steps. The step counter, token count and data position go on from the checkpoint's step
    /// k, and <paramref name="schedule"/> is evaluated at the global step (step k runs at S(k)), so a WSD cooldown
    /// branched off a stable run has, step for step, the learning rates and batches of an uninterrupted run of that spec.
    /// A reduce-on-plateau in the new schedule starts fresh. This is how a cooldown is branched off a stable run, and
    /// how a diverged run restarts from its last good checkpoint at a lower learning rate.
    /// </summary>
    /// <param name="sourceDirectory">The run whose checkpoint starts the new one.</param>
    /// <param name="step">The checkpoint's step, or null for the latest.</param>
    /// <param name="options">
    /// The new run's options: the source's (<see cref="RunDirectory.ReadCheckpoint"/>) with any change of
    /// <see cref="TrainingOptions.LearningRate"/>, <see cref="TrainingOptions.Steps"/> (the step the new run ends at, after k),
    /// <see cref="TrainingOptions.EvalEvery"/>, <see cref="TrainingOptions.EvalBatches"/>,
    /// <see cref="TrainingOptions.CheckpointEvery"/> and <see cref="TrainingOptions.Device"/>; the model, data and
    /// optimizer must be the source's.
    /// </param>
    /// <param name="schedule">The new schedule (null: the default preset for the new steps and learning rate).</param>
    /// <param name="outputDirectory">A new or empty directory (with <paramref name="force"/>: any but the source).</param>
    /// <param name="force">Write into a directory that is not empty.</param>
    /// <param name="progress">Receives the progress.</param>
    /// <param name="cancellation">Cancels after the current step.</param>
    /// <exception cref="TrainingInputException">No such checkpoint, options that change the model, data or optimizer, too few steps, an occupied output, or a bad schedule.</exception>
    /// <exception cref="TrainingFaultException">A write failed.</exception>
    public static TrainingResult InitFrom(string sourceDirectory, int? step, TrainingOptions options, RunSchedule? schedule, string outputDirectory, bool force = false, ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceDirectory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        options.Validate();
        if (Path.GetFullPath(sourceDirectory) == Path.GetFullPath(outputDirectory))
        {
            throw new TrainingInputException(TrainingOption.OutputDirectory, $": '{outputDirectory}' is the run it starts from; give a new directory", new ResumeRemedy(sourceDirectory));
        }

        var source = new RunDirectory(sourceDirectory);
        CheckpointInfo checkpoint;
        string? notice;
        try
        {
            checkpoint = source.ReadCheckpoint(step, out notice);
        }
        catch (TrainingInputException e)
        {
            throw e.About(TrainingOption.InitFrom);
        }

        var header = checkpoint.Header;
        CheckSameModel(header.Options, options, sourceDirectory);
        if (options.Steps <= header.Step)
        {
            throw new TrainingInputException(TrainingOption.Steps, $"must be more than {header.Step}, the steps of the checkpoint the run starts from (was {options.Steps})");
        }

        schedule ??= SchedulePresets.Resolve(null, options.Steps, options.LearningRate, options.Optimizer);
        var run = new RunDirectory(outputDirectory);
        var origin = new RunOrigin(Relative(outputDirectory, checkpoint.Path), header.Step, header.Schedule, header.Options.LearningRate);
        var warnings = HorizonWarnings(schedule, options).ToList();
        if (notice is not null)
        {
            warnings.Insert(0, new TrainingWarning(TrainingOption.InitFrom, ": " + notice));
        }

        return InNewDirectory(run, force, () => Execute(
            new SessionPlan(run, options, schedule)
            {
                Weights = checkpoint,
                StartStep = header.Step,
                Tokens = header.Tokens,
                CharVocabulary = header.CharVocabulary,
                DataManifestCrc64 = header.DataManifestCrc64,
                Continuing = TrainingOption.InitFrom,
                Divergence = header.Divergence,
                Origin = origin,
                Warnings = warnings,
            },
            progress,
            cancellation));
    }

    /// <summary>
    /// Continues the run in <paramref name="directory"/> from its checkpoint (<c>checkpoint.prev.bin</c> when
    /// <c>checkpoint.bin</c> is corrupt, with a warning) with the options it was started with, bit for bit.
    /// <see cref="ResumeRequest.Steps"/> may extend it: past the schedule's horizon only under a new schedule that
    /// continues the recorded learning rates (<see cref="ResumeRequest.Schedule"/>) or when the schedule has none. A run
    /// with nothing left to train is left as it is (<see cref="TrainingStatus.NothingToTrain"/>).
    /// </summary>
    /// <exception cref="TrainingInputException">No usable checkpoint, a diverged run, fewer steps than done, steps past the horizon, a schedule that does not continue the recorded one, or a directory another process holds.</exception>
    /// <exception cref="TrainingFaultException">A write failed.</exception>
    public static TrainingResult Resume(string directory, ResumeRequest? request = null, ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        request ??= new ResumeRequest();
        var run = new RunDirectory(directory);
        if (!run.HasCheckpoint)
        {
            throw new TrainingInputException(TrainingOption.ResumeDirectory, run.Exists
                ? $": '{directory}' has no checkpoint ({RunDirectory.CheckpointFileName})"
                : $": '{directory}' does not exist");
        }

        using var hold = Hold(run, TrainingOption.ResumeDirectory);
        RunSummary? summary;
        CheckpointInfo checkpoint;
        string? notice;
        try
        {
            summary = run.ReadSummary();
            checkpoint = run.ReadCheckpoint(null, out notice);
        }
        catch (TrainingInputException e)
        {
            throw e.About(TrainingOption.ResumeDirectory);
        }

        var header = checkpoint.Header;
        if (summary is { Status: TrainingStatus.Diverged, Divergence: { } d } && d.Step >= header.Step)
        {
            var restart = d.GoodCheckpointStep is { } good ? new InitFromRemedy(directory, good, header.Options.LearningRate / 2) : null;
            throw new TrainingInputException(
                TrainingOption.ResumeDirectory,
                $": '{directory}' diverged at step {d.Step} (lr {Show(d.LearningRate)}); resuming it would train into the same divergence" +
                (restart is null ? "; no checkpoint was written before it: start the run again at a lower learning rate" : ""),
                restart);
        }

        var options = header.Options with
        {
            Steps = request.Steps ?? header.Options.Steps,
            Device = request.Device ?? header.Options.Device,
        };
        options.Validate();
        var start = header.Step;
        if (options.Steps < start)
        {
            throw new TrainingInputException(TrainingOption.Steps, $"must be at least {start}, the steps the run has done (was {options.Steps})");
        }

        var recorded = RunSchedule.FromSpec(header.Schedule);
        var schedule = request.Schedule is { } given && given.Spec != recorded.Spec ? given : recorded;
        var firstStep = header.InitFrom?.Step ?? 0;
        var history = run.ReadHistory().Before(start);
        if (options.Steps == start)
        {
            return NothingToTrain(run, header, summary, history);
        }

        string? state = null;
        if (!ReferenceEquals(schedule, recorded))
        {
            state = ScheduleReplay.Continue(schedule, options, history, firstStep, start);
        }

        var warnings = new List<TrainingWarning>();
        if (notice is not null)
        {
            warnings.Add(new TrainingWarning(TrainingOption.ResumeDirectory, ": " + notice));
        }

        var horizon = schedule.HorizonSteps(options.TokensPerStep);
        if (horizon is { } h && options.Steps > h && options.Steps > header.Options.Steps)
        {
            throw new TrainingInputException(
                TrainingOption.Steps,
                $"{options.Steps} goes past the schedule's horizon ({schedule.HorizonParameter} = {h}), after which its learning rate no longer follows its plan (a decay stays at its end value, cosine annealing climbs back)",
                new ExtendRemedy(directory, start, options.Steps));
        }

        warnings.AddRange(HorizonWarnings(schedule, options));
        return Execute(
            new SessionPlan(run, options, schedule)
            {
                Weights = checkpoint,
                SchedulerState = state ?? header.SchedulerState,
                StartStep = start,
                Tokens = header.Tokens,
                CharVocabulary = header.CharVocabulary,
                DataManifestCrc64 = header.DataManifestCrc64,
                Continuing = TrainingOption.ResumeDirectory,
                Divergence = header.Divergence,
                Continues = header,
                History = history,
                Origin = header.InitFrom,
                Warnings = warnings,
                ReplacedIsHealthy = header.Healthy && checkpoint.Path == run.FilePath(RunDirectory.CheckpointFileName),
            },
            progress,
            cancellation);
    }
}
