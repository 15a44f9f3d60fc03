using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Data;

namespace Anneal.Training.Experiments;

/// <summary>The outcome of <see cref="Compare.Run"/>.</summary>
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
/// <param name="Interrupted">True when cancelled before the end: no report was written; running again continues.</param>
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
/// directory per schedule under <c>runs/</c>, and writes the report (<see cref="ReportWriter"/>).
/// </summary>
/// <remarks>
/// <para><b>Resuming.</b> Running the same comparison into the same directory again continues it: a run whose
/// <c>summary.json</c> says it completed (or diverged) is read back, not retrained; a run with a checkpoint resumes from
/// it (<see cref="Trainer.Resume"/>), which continues bit for bit; a run directory without a checkpoint starts over. A run
/// directory trained with other options is an error, not silently mixed in. Runs are deterministic for a seed, so a
/// resumed comparison gives the same numbers as an uninterrupted one (wall times aside).</para>
/// <para><b>Wall time</b> of a run is summed over its sessions in <c>compare-run.json</c>; a session killed without
/// warning (SIGKILL) loses its time since its last checkpoint.</para>
/// </remarks>
public static class Compare
{
    private const string SidecarName = "compare-run.json";

    /// <summary>Runs (or continues) the comparison into <paramref name="outputDirectory"/> and writes its report.</summary>
    /// <exception cref="TrainingInputException">Bad options or entries, or a run directory holding another run.</exception>
    public static CompareReport Run(CompareSettings options, string outputDirectory, ICompareProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        progress ??= NullCompareProgress.Instance;
        options.Validate();
        var loadAtStart = MachineInfo.LoadAverage();

        var jobs = options.Entries.Select(e => Job(options.Training, e, Path.Combine(outputDirectory, "runs", e.Name))).ToList();
        foreach (var job in jobs)
        {
            CheckSameRun(job.Directory, job.Options);
        }

        var branching = options.Branching is { } b ? new BranchingExperiment(options.Training, BranchingPlan.Create(options.Training.Steps, b), Path.Combine(outputDirectory, "branching")) : null;
        Directory.CreateDirectory(outputDirectory);
        WriteManifest(options, outputDirectory);

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

            var result = TrainOrResume(plans[i], jobs[i].Options, progress, cancellation);
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
        var loadPath = Path.Combine(outputDirectory, "load.json");
        if (plans.Any(p => !p.Done) || !File.Exists(loadPath))
        {
            File.WriteAllText(loadPath, new JsonObject { ["start"] = loadAtStart, ["end"] = MachineInfo.LoadAverage() }.ToJsonString() + "\n");
        }

        var load = CompareMetrics.ReadJson(loadPath);
        var report = Measure(options, jobs.Select(j => (j.Entry, j.Options, j.Directory)).ToList(), branchReport, load["start"]?.GetValue<string>()) with
        {
            Machine = MachineInfo.Describe(load["start"]?.GetValue<string>()) with { LoadAtEnd = load["end"]?.GetValue<string>() },
        };
        ReportWriter.Write(report, outputDirectory);
        return report;
    }

    /// <summary>Trains a planned run from scratch, or resumes it from its checkpoint, and adds the session to its wall time.</summary>
    internal static TrainingResult TrainOrResume(PlannedRun plan, TrainingOptions options, ICompareProgress progress, CancellationToken cancellation, int? steps = null)
    {
        var sink = progress.Starting(plan);
        TrainingResult result;
        if (Checkpoint.Exists(plan.Directory))
        {
            result = Trainer.Resume(plan.Directory, steps, null, sink, cancellation);
        }
        else
        {
            if (Directory.Exists(plan.Directory))
            {
                Directory.Delete(plan.Directory, recursive: true); // killed before its first checkpoint: start over
            }

            result = Trainer.Run(steps is { } s ? options with { Steps = s } : options, plan.Directory, sink, cancellation);
        }

        AddSession(plan.Directory, result.Elapsed.TotalSeconds);
        progress.Finished(plan, result);
        return result;
    }

    /// <summary>Adds a session's wall time to the run's <c>compare-run.json</c>.</summary>
    internal static void AddSession(string directory, double seconds)
    {
        var path = Path.Combine(directory, SidecarName);
        var (wall, sessions) = File.Exists(path) ? ReadSessions(directory) : (0, 0); // not summary.json: it holds this very session
        File.WriteAllText(path, new JsonObject { ["wall_seconds"] = (wall ?? 0) + seconds, ["sessions"] = sessions + 1 }.ToJsonString() + "\n");
    }

    /// <summary>The summed wall time and session count of a run (from <c>compare-run.json</c>, or its <c>summary.json</c>).</summary>
    internal static (double? WallSeconds, int Sessions) ReadSessions(string directory)
    {
        var path = Path.Combine(directory, SidecarName);
        if (File.Exists(path))
        {
            var node = CompareMetrics.ReadJson(path);
            return (node["wall_seconds"]!.GetValue<double>(), node["sessions"]!.GetValue<int>());
        }

        var summary = Path.Combine(directory, "summary.json");
        return File.Exists(summary) ? (CompareMetrics.ReadJson(summary)["wall_seconds"]?.GetValue<double>(), 0) : (null, 0);
    }

    /// <summary>
    /// The plan of one run: done when its <c>summary.json</c> says it completed all <paramref name="steps"/> (or diverged),
    /// else starting at its checkpoint's step or 0.
    /// </summary>
    internal static PlannedRun Plan(int index, string name, string directory, int steps)
    {
        var summaryPath = Path.Combine(directory, "summary.json");
        if (File.Exists(summaryPath))
        {
            var summary = CompareMetrics.ReadJson(summaryPath);
            var status = summary["status"]?.GetValue<string>();
            var done = summary["steps_done"]?.GetValue<int>() ?? 0;
            if ((status == "completed" && done >= steps) || status == "diverged")
            {
                return new PlannedRun(index, name, directory, done, steps, true);
            }
        }

        var start = Checkpoint.Exists(directory) ? Checkpoint.ReadHeader(directory)["next_step"]!.GetValue<int>() : 0;
        return new PlannedRun(index, name, directory, start, steps, false);
    }

    /// <summary>
    /// Refuses a run directory whose <c>run.json</c> holds other options than <paramref name="expected"/> (the device
    /// aside, and the steps when <paramref name="ignoreSteps"/>): the message lists the differences.
    /// </summary>
    internal static void CheckSameRun(string directory, TrainingOptions expected, bool ignoreSteps = false)
    {
        var path = Path.Combine(directory, "run.json");
        if (!File.Exists(path))
        {
            return;
        }

        var saved = CompareMetrics.ReadJson(path)["options"] as JsonObject ?? new JsonObject();
        var wanted = (JsonObject)JsonSerializer.SerializeToNode(expected)!;
        var differences = wanted
            .Where(p => p.Key != nameof(TrainingOptions.Device) && !(ignoreSteps && p.Key == nameof(TrainingOptions.Steps)))
            .Where(p => !JsonNode.DeepEquals(p.Value, saved[p.Key]))
            .Select(p => $"{p.Key} {saved[p.Key]?.ToJsonString() ?? "-"}, now {p.Value?.ToJsonString() ?? "-"}")
            .ToList();
        if (differences.Count > 0)
        {
            throw new TrainingInputException(
                $"'{directory}' holds a run with other options ({string.Join("; ", differences)}); use another --out or delete that directory");
        }
    }

    private static (CompareEntry Entry, TrainingOptions Options, string Directory) Job(TrainingOptions training, CompareEntry entry, string directory)
    {
        var optimizer = entry.Optimizer ?? training.Optimizer;
        var runOptions = training with { Optimizer = optimizer };
        runOptions.Validate();
        string spec;
        try
        {
            (_, spec) = SchedulePresets.Resolve(entry.Schedule, training.Steps, training.LearningRate, optimizer != "adagrad");
        }
        catch (TrainingInputException e)
        {
            throw new TrainingInputException($"{entry.Name}: {e.Message}");
        }

        return (entry, runOptions with { Schedule = spec }, directory);
    }

    private static void WriteManifest(CompareSettings options, string outputDirectory)
    {
        var node = new JsonObject
        {
            ["format"] = "anneal.compare/1",
            ["training"] = JsonSerializer.SerializeToNode(options.Training),
            ["entries"] = new JsonArray([.. options.Entries.Select(e => (JsonNode)new JsonObject
            {
                ["name"] = e.Name,
                ["schedule"] = e.Schedule,
                ["optimizer"] = e.Optimizer,
                ["description"] = e.Description,
            })]),
            ["target"] = options.Target,
            ["branching"] = options.Branching is { } b ? JsonSerializer.SerializeToNode(b) : null,
            ["command_line"] = options.CommandLine,
        };
        File.WriteAllText(Path.Combine(outputDirectory, "compare.json"), node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static CompareReport Interrupted(CompareSettings options, string? loadAtStart) =>
        new(options, [], null, "", null, 0, "", 0, 0, "interrupted", null, MachineInfo.Describe(loadAtStart), 0, true);

    private static CompareReport Measure(CompareSettings options, List<(CompareEntry Entry, TrainingOptions Options, string Directory)> jobs, BranchingReport? branching, string? loadAtStart)
    {
        var first = CompareMetrics.ReadJson(Path.Combine(jobs[0].Directory, "run.json"));
        var floor = first["entropy_floor_nats_per_token"]?.GetValue<double>();
        var unigram = first["unigram_nats_per_token"]!.GetValue<double>();
        var runs = new List<CompareRun>();
        foreach (var (entry, runOptions, dir) in jobs)
        {
            var summary = CompareMetrics.ReadJson(Path.Combine(dir, "summary.json"));
            var curves = RunCurves.Read(dir);
            var final = summary["final_val_loss"]?.GetValue<double>();
            var status = summary["status"]!.GetValue<string>();
            var (wall, sessions) = ReadSessions(dir);
            runs.Add(new CompareRun(
                0,
                entry.Name,
                runOptions.Optimizer,
                entry.Description,
                runOptions.Schedule!,
                status,
                status == "completed" ? final : null,
                curves.Evaluations.Count > 0 ? curves.Evaluations.Min(e => e.ValidationLoss) : null,
                status == "completed" && final is { } f && floor is { } fl ? f - fl : null,
                null,
                CompareMetrics.LargestSpike(curves.Evaluations.Select(e => e.ValidationLoss)),
                summary["steps_done"]!.GetValue<int>(),
                summary["tokens"]!.GetValue<long>(),
                wall ?? 0,
                sessions,
                curves));
        }

        double? target;
        string rule;
        if (options.Target is { } given)
        {
            (target, rule) = (given, "given with --target");
        }
        else
        {
            var finals = runs.Where(r => r.FinalValidationLoss is not null).Select(r => r.FinalValidationLoss!.Value).ToList();
            target = CompareMetrics.Median(finals);
            rule = $"the median final validation loss of the {finals.Count} runs";
        }

        if (target is { } t)
        {
            runs = [.. runs.Select(r => r with { TokensToTarget = CompareMetrics.TokensToReach(r.Curves.Evaluations, t) })];
        }

        var ranked = CompareMetrics.Rank(runs);
        var training = options.Training;
        var config = first["parameters"]!.GetValue<long>();
        var wallSeconds = runs.Sum(r => r.WallSeconds) + (branching?.WallSeconds ?? 0);
        return new CompareReport(
            options,
            ranked,
            target,
            rule,
            floor,
            unigram,
            first["data"]!.GetValue<string>(),
            config,
            training.TokensPerStep,
            CompareMetrics.Conclusion(ranked, floor),
            branching,
            MachineInfo.Describe(loadAtStart),
            wallSeconds,
            false);
    }

    internal static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
