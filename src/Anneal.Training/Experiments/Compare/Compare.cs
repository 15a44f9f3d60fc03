using Anneal.Training.Runs;

namespace Anneal.Training.Experiments;

/// <summary>How one invocation of <see cref="Compare.Run"/> works on a comparison (not part of what is compared).</summary>
public sealed record CompareInvocation
{
    /// <summary>Write into a directory that holds something other than a comparison.</summary>
    public bool Force { get; init; }

    /// <summary>Train only this shard's runs and write no report (<see cref="Shard"/>); null trains every missing run and writes the report.</summary>
    public Shard? Shard { get; init; }

    /// <summary>Train nothing: assemble the report when every run is done, else list the missing ones.</summary>
    public bool ReportOnly { get; init; }

    /// <summary>TorchSharp's intra-op threads while training (<c>torch.set_num_threads</c>), or null to leave libtorch's default.</summary>
    public int? Threads { get; init; }
}

/// <summary>What an invocation of <see cref="Compare.Run"/> ended with.</summary>
public enum CompareStatus
{
    /// <summary>Every run is done and the report is assembled (<see cref="CompareOutcome.Report"/>).</summary>
    Reported,

    /// <summary>Cancelled: every finished run and the current run's checkpoint are kept; running again continues.</summary>
    Interrupted,

    /// <summary>A shard's runs are done; the report is assembled by an invocation without a shard.</summary>
    ShardDone,

    /// <summary>With <see cref="CompareInvocation.ReportOnly"/>: runs are missing (<see cref="CompareOutcome.Missing"/>), nothing was written.</summary>
    RunsMissing,

    /// <summary>
    /// Another process holds runs this invocation would train (<see cref="CompareOutcome.Missing"/>): it trained the
    /// others and wrote no report; running again once that process is done assembles it.
    /// </summary>
    RunsBusy,
}

/// <summary>The outcome of one invocation of <see cref="Compare.Run"/>.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Report">The report, when <see cref="CompareStatus.Reported"/>.</param>
/// <param name="Trained">The runs this invocation trained or resumed to their end.</param>
/// <param name="Missing">The runs that are not done, when <see cref="CompareStatus.RunsMissing"/>; those another process holds, when <see cref="CompareStatus.RunsBusy"/>.</param>
/// <param name="Shard">The shard it trained, or null.</param>
/// <param name="Assigned">The runs of the sweep this invocation was responsible for (the shard's, or all).</param>
public sealed record CompareOutcome(CompareStatus Status, CompareReport? Report, IReadOnlyList<PlannedRun> Trained, IReadOnlyList<PlannedRun> Missing, Shard? Shard, int Assigned);

/// <summary>
/// <c>anneal compare</c>: trains the same model on the same data and token budget under each schedule, at each peak
/// learning rate of a grid and each seed, one run directory per (schedule, LR, seed) under
/// <c>runs/NAME/lr-LR/seed-SEED/</c> (<see cref="CompareDirectory"/>), then ranks the schedules at their own best LR
/// with intervals over the seeds (<see cref="CompareRanking"/>).
/// </summary>
/// <remarks>
/// <para><b>Resuming and assembling.</b> Running the same comparison into the same directory again continues it: a run
/// whose <c>summary.json</c> says it completed (or diverged) is read back, not retrained; a run with a checkpoint resumes
/// from it (<see cref="Trainer.Resume"/>), which continues bit for bit; a run directory without a checkpoint starts over.
/// So once every run is done (by shards, on other machines), the same call without a shard assembles the report without
/// training anything. A run directory trained with other options is an error, not silently mixed in.</para>
/// <para><b>Shards</b> (<see cref="CompareInvocation.Shard"/>) train the runs <see cref="Experiments.Shard.Contains"/> gives
/// them and write no report. Several processes may share the report directory: each holds only the lock of the run it
/// trains, so no two train the same run, and each writes the same <c>compare.json</c> and its own session file. A run
/// another process holds is skipped (<see cref="CompareStatus.RunsBusy"/> at the end, unless it finished meanwhile).</para>
/// <para><b>Wall time</b> of a run is its <c>summary.json</c>'s, summed over its sessions; a session killed without
/// warning (SIGKILL) loses its time since its last checkpoint.</para>
/// </remarks>
public static class Compare
{
    /// <summary>Runs (or continues, or assembles) the comparison in <paramref name="outputDirectory"/>.</summary>
    /// <param name="settings">What to compare.</param>
    /// <param name="outputDirectory">A new or empty directory, or the report directory of this comparison; with <see cref="CompareInvocation.Force"/> any directory.</param>
    /// <param name="invocation">Shard, report only, force, threads; null for a whole comparison.</param>
    /// <param name="progress">Receives the progress.</param>
    /// <param name="cancellation">Cancels after the current step of the current run.</param>
    /// <exception cref="TrainingInputException">Bad settings or entries, an occupied directory, a run directory holding another run, or a run another process holds.</exception>
    /// <exception cref="TrainingFaultException">A write failed.</exception>
    public static CompareOutcome Run(CompareSettings settings, string outputDirectory, CompareInvocation? invocation = null, ICompareProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        invocation ??= new CompareInvocation();
        progress ??= NullCompareProgress.Instance;
        var started = DateTimeOffset.UtcNow;
        var loadAtStart = MachineInfo.LoadAverage();
        var (report, jobs) = Open(settings, outputDirectory, invocation.Force);
        var mine = invocation.Shard is { } shard ? jobs.Where(j => shard.Contains(j.Run.Index)).ToList() : jobs;
        foreach (var job in mine)
        {
            CheckSameRun(job.Directory, job.Options, job.Schedule.Spec);
        }

        var plans = mine.Select((j, i) => Plan(i, j.Run.Label, j.Directory, j.Options.Steps)).ToList();
        if (invocation.ReportOnly && plans.Any(p => !p.Done))
        {
            return new CompareOutcome(CompareStatus.RunsMissing, null, [], [.. plans.Where(p => !p.Done)], invocation.Shard, mine.Count);
        }

        Directory.CreateDirectory(outputDirectory);
        report.WriteManifest(Manifest(settings, jobs));
        using var session = new Session(report, invocation, started, loadAtStart); // restores the torch threads however Run returns
        progress.Planned(plans);
        var busy = new List<int>();
        for (var i = 0; i < mine.Count; i++)
        {
            if (plans[i].Done)
            {
                continue;
            }

            using var hold = RunLock.TryAcquire(plans[i].Directory);
            if (hold is null)
            {
                busy.Add(i); // another process trains it (another invocation on this directory)
                continue;
            }

            var plan = Plan(plans[i].Index, plans[i].Name, plans[i].Directory, plans[i].TotalSteps); // it may have finished since
            if (plan.Done)
            {
                continue;
            }

            session.BeforeTraining();
            var result = TrainOrResume(plan, mine[i].Options, mine[i].Schedule, progress, cancellation);
            if (result.Status == TrainingStatus.Cancelled)
            {
                session.Write(interrupted: true);
                return new CompareOutcome(CompareStatus.Interrupted, null, session.Trained, [], invocation.Shard, mine.Count);
            }

            session.Trained.Add(plan);
        }

        var stillBusy = busy.Select(i => Plan(plans[i].Index, plans[i].Name, plans[i].Directory, plans[i].TotalSteps)).Where(p => !p.Done).ToList();
        if (stillBusy.Count > 0)
        {
            session.Write(interrupted: false);
            return new CompareOutcome(CompareStatus.RunsBusy, null, session.Trained, stillBusy, invocation.Shard, mine.Count);
        }

        if (invocation.Shard is not null)
        {
            session.Write(interrupted: false);
            return new CompareOutcome(CompareStatus.ShardDone, null, session.Trained, [], invocation.Shard, mine.Count);
        }

        var measured = Measure(settings, jobs);
        BranchingReport? branchReport = null;
        if (settings.Branching is { } b)
        {
            var training = BranchingTraining(settings, measured.Ranked);
            var branchDir = Path.Combine(outputDirectory, CompareDirectory.BranchingFolder, $"lr-{SweepRun.LrText(training.LearningRate)}", $"seed-{training.Seed}");
            var branching = new BranchingExperiment(training, BranchingPlan.Create(training.Steps, b), branchDir);
            var branchPlans = branching.Plans(0);
            if (invocation.ReportOnly && branchPlans.Any(p => !p.Done))
            {
                return new CompareOutcome(CompareStatus.RunsMissing, null, [], [.. branchPlans.Where(p => !p.Done)], null, mine.Count);
            }

            if (branchPlans.Any(p => !p.Done))
            {
                session.BeforeTraining();
                progress.Planned(branchPlans);
            }

            branchReport = branching.Run(branchPlans, progress, cancellation);
            if (branchReport is null)
            {
                session.Write(interrupted: true);
                return new CompareOutcome(CompareStatus.Interrupted, null, session.Trained, [], null, mine.Count);
            }

            session.Trained.AddRange(branchPlans.Where(p => !p.Done));
        }

        session.Write(interrupted: false);
        var first = new RunDirectory(jobs[0].Directory).ReadManifest();
        var done = new CompareReport(
            settings,
            measured.Ranked,
            measured.Runs,
            measured.Target,
            measured.TargetRule,
            first.Data.EntropyFloorNatsPerToken,
            first.Data.UnigramNatsPerToken,
            first.Data.Source,
            first.Parameters,
            settings.Training.TokensPerStep,
            CompareRanking.Conclusion(measured.Ranked, settings.SeedCount, first.Data.EntropyFloorNatsPerToken),
            branchReport,
            report.ReadSessions(),
            MachineInfo.Describe(loadAtStart),
            measured.Runs.Sum(r => r.WallSeconds) + (branchReport?.WallSeconds ?? 0),
            settings.Predict ? ComparePrediction.Run(settings, jobs, measured.Runs, measured.Ranked) : null);
        return new CompareOutcome(CompareStatus.Reported, done, session.Trained, [], null, mine.Count);
    }

    /// <summary>
    /// Makes <paramref name="outputDirectory"/> the report directory of the comparison without training anything: checks
    /// the settings and the directory as <see cref="Run"/> does, then writes <c>compare.json</c> (for a sweep that other
    /// processes, such as the jobs of a Slurm array, will train).
    /// </summary>
    /// <exception cref="TrainingInputException">Bad settings or entries, or an occupied directory.</exception>
    /// <exception cref="TrainingFaultException">The write failed.</exception>
    public static void Prepare(CompareSettings settings, string outputDirectory, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        var (report, jobs) = Open(settings, outputDirectory, force);
        Directory.CreateDirectory(outputDirectory);
        report.WriteManifest(Manifest(settings, jobs));
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

    /// <summary>
    /// The options of the branching experiment: the comparison's at its first seed and at the peak LR where the
    /// <c>wsd-1sqrt</c> preset (with the comparison's optimizer) did best; without one, the middle LR of the grid (sorted).
    /// </summary>
    internal static TrainingOptions BranchingTraining(CompareSettings settings, IReadOnlyList<ScheduleResult> ranked)
    {
        var wsd = ranked.FirstOrDefault(s => s.Entry.Schedule == "wsd-1sqrt" && s.Entry.Optimizer is null && s.Entry.WeightDecay is null && s.Best is not null);
        var sorted = settings.LearningRates.Order().ToList();
        var lr = wsd?.BestLearningRate ?? sorted[(sorted.Count - 1) / 2];
        return settings.Training with { LearningRate = lr };
    }

    /// <summary>Validates the settings, resolves every run and checks that the directory may hold this comparison.</summary>
    private static (CompareDirectory Report, List<Job> Jobs) Open(CompareSettings settings, string outputDirectory, bool force)
    {
        settings.Validate();
        var report = new CompareDirectory(outputDirectory);
        var jobs = settings.Runs.Select(r => Job(settings.Training, r, report)).ToList();
        CheckOutput(report, force);
        return (report, jobs);
    }

    private static void CheckOutput(CompareDirectory report, bool force)
    {
        var run = new RunDirectory(report.Path);
        if (report.Format is { } format && format != CompareManifest.CurrentFormat)
        {
            throw new TrainingInputException(
                TrainingOption.OutputDirectory,
                $"'{report.Path}' holds a comparison written by an earlier anneal ({format}); its run directories still read (anneal train --resume) but this version does not continue it; choose a new directory");
        }

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

    private static CompareManifest Manifest(CompareSettings settings, IReadOnlyList<Job> jobs) => new()
    {
        Training = settings.Training,
        Entries = [.. settings.Entries.Select(e => new CompareManifestEntry(e.Name, e.Schedule, e.Optimizer ?? settings.Training.Optimizer, e.WeightDecay ?? settings.Training.WeightDecay, e.Description))],
        LearningRates = settings.LearningRates,
        Seeds = settings.Seeds,
        Runs = [.. jobs.Select(j => new CompareManifestRun(j.Run.Index, j.Run.Entry.Name, j.Run.LearningRate, j.Run.Seed, j.Run.RelativeDirectory, j.Schedule.Spec))],
        Target = settings.Target,
        Branching = settings.Branching,
        CommandLine = settings.CommandLine,
    };

    private static Job Job(TrainingOptions training, SweepRun run, CompareDirectory report)
    {
        var options = run.Options(training);
        try
        {
            options.Validate();
            return new Job(run, options, SchedulePresets.Resolve(run.Entry.Schedule, options.Steps, options.LearningRate, options.Optimizer), report.Run(run).Path);
        }
        catch (TrainingInputException e)
        {
            throw e.WithContext(run.Entry.Name);
        }
    }

    /// <summary>Reads every run back and ranks the schedules; the target is the given one or the median of the best means.</summary>
    private static (IReadOnlyList<CompareRun> Runs, IReadOnlyList<ScheduleResult> Ranked, double? Target, string TargetRule) Measure(CompareSettings settings, IReadOnlyList<Job> jobs)
    {
        var floor = new RunDirectory(jobs[0].Directory).ReadManifest().Data.EntropyFloorNatsPerToken;
        var runs = jobs.Select(j => Read(j, floor)).ToList();
        double? target;
        string rule;
        if (settings.Target is { } given)
        {
            (target, rule) = (given, "as given");
        }
        else
        {
            var bests = CompareRanking.Rank(settings.Entries, settings.LearningRates, settings.Seeds, runs, floor).Where(s => s.Best is not null).Select(s => s.Best!.Final!.Mean).ToList();
            target = CompareMetrics.Median(bests);
            rule = $"the median over the {bests.Count} schedules of the mean final validation loss at their best peak LR";
        }

        if (target is { } t)
        {
            runs = [.. runs.Select(r => r with { TokensToTarget = CompareMetrics.TokensToReach(r.History.Evaluations, t) })];
        }

        return (runs, CompareRanking.Rank(settings.Entries, settings.LearningRates, settings.Seeds, runs, floor), target, rule);
    }

    private static CompareRun Read(Job job, double? floor)
    {
        var run = new RunDirectory(job.Directory);
        var summary = run.ReadSummary() ?? throw new TrainingInputException(null, $"'{job.Directory}' has no {RunDirectory.SummaryFile}");
        var history = run.ReadHistory();
        var evaluations = history.Evaluations;
        var final = summary.Status == TrainingStatus.Completed ? summary.FinalValLoss : null;
        return new CompareRun(
            job.Run,
            job.Options.Optimizer,
            job.Options.WeightDecay,
            job.Schedule.Spec,
            summary.Status,
            final,
            evaluations.Count > 0 ? evaluations.Min(e => e.ValidationLoss) : null,
            final is { } f && floor is { } fl ? f - fl : null,
            null,
            CompareMetrics.LargestSpike(evaluations.Select(e => e.ValidationLoss)),
            summary.StepsDone,
            summary.Tokens,
            summary.WallSeconds,
            summary.Sessions,
            job.Directory,
            history);
    }

    /// <summary>
    /// This invocation's session: written once it has trained something. It sets the torch threads before the first
    /// training (when they differ) and puts back the process's earlier count when disposed: the count is global to the
    /// process, and runs at another count round their last digits differently.
    /// </summary>
    private sealed class Session(CompareDirectory report, CompareInvocation invocation, DateTimeOffset started, string? loadAtStart) : IDisposable
    {
        private bool _training;
        private int? _previousThreads;

        public List<PlannedRun> Trained { get; } = [];

        /// <summary>Called before each training: the first time, sets the thread count.</summary>
        public void BeforeTraining()
        {
            if (_training)
            {
                return;
            }

            _training = true;
            if (invocation.Threads is { } threads)
            {
                Anneal.TorchSharp.TorchRuntime.EnsureLoaded();
                var current = global::TorchSharp.torch.get_num_threads();
                if (current != threads)
                {
                    _previousThreads = current;
                    global::TorchSharp.torch.set_num_threads(threads);
                }
            }
        }

        public void Dispose()
        {
            if (_previousThreads is { } previous)
            {
                global::TorchSharp.torch.set_num_threads(previous);
                _previousThreads = null;
            }
        }

        public void Write(bool interrupted)
        {
            if (!_training)
            {
                return;
            }

            report.WriteSession(new CompareSession(
                invocation.Shard?.ToString(),
                Environment.MachineName,
                Environment.ProcessorCount,
                invocation.Threads,
                started,
                DateTimeOffset.UtcNow,
                loadAtStart,
                MachineInfo.LoadAverage(),
                Trained.Count,
                interrupted));
        }
    }
}

/// <summary>One run of the sweep, resolved: its options, its schedule and its directory.</summary>
internal sealed record Job(SweepRun Run, TrainingOptions Options, RunSchedule Schedule, string Directory);
