using Anneal.Training.Runs;

namespace Anneal.Training.Experiments;

/// <summary>The outcome of <see cref="Compare.Run"/>: everything a report shows (the command line renders it).</summary>
/// <param name="Options">What was compared.</param>
/// <param name="Runs">The runs, ranked (best first); empty when interrupted.</param>
/// <param name="Target">The target validation loss of "tokens to target".</param>
/// <param name="TargetRule">How the target was chosen, in words.</param>
/// <param name="EntropyFloor">The entropy rate of the built-in corpus per token, or null for other data.</param>
/// <param name="UnigramBaseline">The loss of the best context-free model.</param>
/// <param name="DataSource">The data, as the trainer describes it.</param>
/// <param name="Parameters">The model's parameter count.</param>
/// <param name="TokensPerStep">Training tokens per optimizer step.</param>
/// <param name="Conclusion">The one-sentence conclusion.</param>
/// <param name="Branching">The branching experiment's outcome, when it ran.</param>
/// <param name="Machine">Where it ran.</param>
/// <param name="WallSeconds">Wall time of every run (and branching run) summed, over all sessions.</param>
/// <param name="Interrupted">True when cancelled before the end: running again continues.</param>
public sealed record CompareReport(
    CompareSettings Options,
    IReadOnlyList<CompareRun> Runs,
    double? Target,
    string TargetRule,
    double? EntropyFloor,
    double UnigramBaseline,
    string DataSource,
    long Parameters,
    int TokensPerStep,
    string Conclusion,
    BranchingReport? Branching,
    MachineInfo Machine,
    double WallSeconds,
    bool Interrupted);

/// <summary>
/// <c>anneal compare</c>: trains the same model on the same data, seed and token budget under each schedule, one run
/// directory per schedule under <c>runs/</c> (<see cref="CompareDirectory"/>), and measures them.
/// </summary>
/// <remarks>
/// <para><b>Resuming.</b> Running the same comparison into the same directory again continues it: a run whose
/// <c>summary.json</c> says it completed (or diverged) is read back, not retrained; a run with a checkpoint resumes from
/// it (<see cref="Trainer.Resume"/>), which continues bit for bit; a run directory without a checkpoint starts over. A run
/// directory trained with other options is an error, not silently mixed in. Runs are deterministic for a seed, so a
/// resumed comparison gives the same numbers as an uninterrupted one (wall times aside).</para>
/// <para><b>One writer.</b> The report directory's lock is held for the whole comparison, and each run's own lock
/// while it is planned and trained.</para>
/// <para><b>Wall time</b> of a run is its <c>summary.json</c>'s, summed over its sessions; a session killed without
/// warning (SIGKILL) loses its time since its last checkpoint.</para>
/// </remarks>
public static class Compare
{
    /// <summary>Runs (or continues) the comparison into <paramref name="outputDirectory"/>.</summary>
    /// <param name="options">What to compare.</param>
    /// <param name="outputDirectory">A new or empty directory, or the report directory of this comparison; with <paramref name="force"/> any directory.</param>
    /// <param name="force">Write into a directory that holds something other than a comparison.</param>
    /// <param name="progress">Receives the progress.</param>
    /// <param name="cancellation">Cancels after the current step of the current run.</param>
    /// <exception cref="TrainingInputException">Bad options or entries, an occupied directory, a run directory holding another run, or a directory another process holds.</exception>
    /// <exception cref="TrainingFaultException">A write failed.</exception>
    public static CompareReport Run(CompareSettings options, string outputDirectory, bool force = false, ICompareProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        progress ??= NullCompareProgress.Instance;
        options.Validate();
        var loadAtStart = MachineInfo.LoadAverage();
        var report = new CompareDirectory(outputDirectory);
        var jobs = options.Entries.Select(e => Job(options.Training, e, report.Run(e.Name).Path)).ToList();
        using var hold = RunLock.Acquire(outputDirectory);
        CheckOutput(report, force);
        foreach (var job in jobs)
        {
            CheckSameRun(job.Directory, job.Options, job.Schedule.Spec);
        }

        var branching = options.Branching is { } b
            ? new BranchingExperiment(options.Training, BranchingPlan.Create(options.Training.Steps, b), Path.Combine(outputDirectory, CompareDirectory.BranchingFolder))
            : null;
        report.WriteManifest(new CompareManifest
        {
            Training = options.Training,
            Entries = [.. jobs.Select(j => new CompareManifestEntry(j.Entry.Name, j.Entry.Schedule, j.Schedule.Spec, j.Options.Optimizer, j.Entry.Description))],
            Target = options.Target,
            Branching = options.Branching,
            CommandLine = options.CommandLine,
        });

        var plans = jobs.Select((j, i) => Plan(i, j.Entry.Name, j.Directory, j.Options.Steps)).ToList();
        if (branching is not null)
        {
            plans.AddRange(branching.Plans(plans.Count));
        }

        progress.Planned(plans);
        for (var i = 0; i < jobs.Count; i++)
        {
            if (plans[i].Done)
            {
                continue;
            }

            var result = TrainOrResume(plans[i], jobs[i].Options, jobs[i].Schedule, progress, cancellation);
            if (result.Status == TrainingStatus.Cancelled)
            {
                return Interrupted(options, loadAtStart);
            }
        }

        BranchingReport? branchReport = null;
        if (branching is not null)
        {
            branchReport = branching.Run(plans.Skip(jobs.Count).ToList(), progress, cancellation);
            if (branchReport is null)
            {
                return Interrupted(options, loadAtStart);
            }
        }

        // The load averages of the last invocation that trained something: a report rewritten later keeps them.
        if (plans.Any(p => !p.Done) || report.ReadLoad() is null)
        {
            report.WriteLoad(new CompareLoad(loadAtStart, MachineInfo.LoadAverage()));
        }

        var load = report.ReadLoad()!;
        return Measure(options, jobs, branchReport) with
        {
            Machine = MachineInfo.Describe(load.Start) with { LoadAtEnd = load.End },
        };
    }

    /// <summary>Trains a planned run from scratch, or resumes it from its checkpoint, holding its lock.</summary>
    internal static TrainingResult TrainOrResume(PlannedRun plan, TrainingOptions options, RunSchedule schedule, ICompareProgress progress, CancellationToken cancellation, int? steps = null)
    {
        using var hold = RunLock.Acquire(plan.Directory);
        var sink = progress.Starting(plan);
        var run = new RunDirectory(plan.Directory);
        var result = run.HasCheckpoint
            ? Trainer.Resume(plan.Directory, new ResumeRequest { Steps = steps }, sink, cancellation)
            : Trainer.Run(steps is { } s ? options with { Steps = s } : options, schedule, plan.Directory, force: true, sink, cancellation); // killed before its first checkpoint: start over
        progress.Finished(plan, result);
        return result;
    }

    /// <summary>
    /// The plan of one run: done when its <c>summary.json</c> says it completed all <paramref name="steps"/> (or diverged),
    /// else starting at its checkpoint's step or 0.
    /// </summary>
    internal static PlannedRun Plan(int index, string name, string directory, int steps)
    {
        var run = new RunDirectory(directory);
        if (run.ReadSummary() is { } summary && ((summary.Status == TrainingStatus.Completed && summary.StepsDone >= steps) || summary.Status == TrainingStatus.Diverged))
        {
            return new PlannedRun(index, name, directory, summary.StepsDone, steps, true);
        }

        var start = run.HasCheckpoint ? run.ReadCheckpoint(null, out _).Header.Step : 0;
        return new PlannedRun(index, name, directory, start, steps, false);
    }

    /// <summary>
    /// Refuses a run directory whose <c>run.json</c> holds other options or another schedule than expected (the device
    /// aside, and the steps when <paramref name="ignoreSteps"/>): the message lists the differences.
    /// </summary>
    internal static void CheckSameRun(string directory, TrainingOptions expected, string spec, bool ignoreSteps = false)
    {
        var run = new RunDirectory(directory);
        if (!File.Exists(run.FilePath(RunDirectory.ManifestFile)))
        {
            return;
        }

        var manifest = run.ReadManifest();
        var differences = Trainer.Differences(manifest.Options, expected, ignoreSteps ? ["device", "steps"] : ["device"]);
        if (manifest.Schedule != spec)
        {
            differences.Add($"schedule {manifest.Schedule}, now {spec}");
        }

        if (differences.Count > 0)
        {
            throw new TrainingInputException(
                TrainingOption.OutputDirectory,
                $": '{directory}' holds a run with other options ({string.Join("; ", differences)}); choose another directory or delete that one");
        }
    }

    private static void CheckOutput(CompareDirectory report, bool force)
    {
        var run = new RunDirectory(report.Path);
        if (force || run.IsEmpty || report.IsReport)
        {
            return;
        }

        throw new TrainingInputException(
            TrainingOption.OutputDirectory,
            run.HasRun
                ? $"'{report.Path}' holds a training run, not a comparison; choose a new directory"
                : $"'{report.Path}' is not empty and holds no comparison; choose a new or empty directory",
            new ForceRemedy());
    }

    private static (CompareEntry Entry, TrainingOptions Options, RunSchedule Schedule, string Directory) Job(TrainingOptions training, CompareEntry entry, string directory)
    {
        var runOptions = training with { Optimizer = entry.Optimizer ?? training.Optimizer };
        runOptions.Validate();
        try
        {
            return (entry, runOptions, SchedulePresets.Resolve(entry.Schedule, training.Steps, training.LearningRate, runOptions.Optimizer), directory);
        }
        catch (TrainingInputException e)
        {
            throw e.WithContext(entry.Name);
        }
    }

    private static CompareReport Interrupted(CompareSettings options, string? loadAtStart) =>
        new(options, [], null, "", null, 0, "", 0, 0, "interrupted", null, MachineInfo.Describe(loadAtStart), 0, true);

    private static CompareReport Measure(CompareSettings options, List<(CompareEntry Entry, TrainingOptions Options, RunSchedule Schedule, string Directory)> jobs, BranchingReport? branching)
    {
        var first = new RunDirectory(jobs[0].Directory).ReadManifest();
        var floor = first.Data.EntropyFloorNatsPerToken;
        var runs = new List<CompareRun>();
        foreach (var (entry, runOptions, schedule, dir) in jobs)
        {
            var run = new RunDirectory(dir);
            var summary = run.ReadSummary() ?? throw new TrainingInputException(null, $"'{dir}' has no {RunDirectory.SummaryFile}");
            var history = run.ReadHistory();
            var evaluations = history.Evaluations;
            var completed = summary.Status == TrainingStatus.Completed;
            runs.Add(new CompareRun(
                0,
                entry.Name,
                runOptions.Optimizer,
                entry.Description,
                schedule.Spec,
                summary.Status,
                completed ? summary.FinalValLoss : null,
                evaluations.Count > 0 ? evaluations.Min(e => e.ValidationLoss) : null,
                completed && summary.FinalValLoss is { } f && floor is { } fl ? f - fl : null,
                null,
                CompareMetrics.LargestSpike(evaluations.Select(e => e.ValidationLoss)),
                summary.StepsDone,
                summary.Tokens,
                summary.WallSeconds,
                summary.Sessions,
                dir,
                history));
        }

        double? target;
        string rule;
        if (options.Target is { } given)
        {
            (target, rule) = (given, "as given");
        }
        else
        {
            var finals = runs.Where(r => r.FinalValidationLoss is not null).Select(r => r.FinalValidationLoss!.Value).ToList();
            target = CompareMetrics.Median(finals);
            rule = $"the median final validation loss of the {finals.Count} runs";
        }

        if (target is { } t)
        {
            runs = [.. runs.Select(r => r with { TokensToTarget = CompareMetrics.TokensToReach(r.History.Evaluations, t) })];
        }

        var ranked = CompareMetrics.Rank(runs);
        return new CompareReport(
            options,
            ranked,
            target,
            rule,
            floor,
            first.Data.UnigramNatsPerToken,
            first.Data.Source,
            first.Parameters,
            options.Training.TokensPerStep,
            CompareMetrics.Conclusion(ranked, floor),
            branching,
            MachineInfo.Describe(null),
            runs.Sum(r => r.WallSeconds) + (branching?.WallSeconds ?? 0),
            false);
    }
}
