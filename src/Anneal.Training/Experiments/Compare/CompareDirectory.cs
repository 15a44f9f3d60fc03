using System.Text.Json;
using System.Text.Json.Serialization;
using Anneal.Training.Runs;

namespace Anneal.Training.Experiments;

/// <summary>
/// <c>compare.json</c>: what a comparison trains, so a report directory says what it is: the shared options, the
/// schedules, the learning-rate grid, the seeds and every run with its directory and spec. Written by
/// <see cref="Compare.Run"/> each time it runs (every shard writes the same).
/// </summary>
public sealed record CompareManifest
{
    /// <summary>The format this version writes.</summary>
    public const string CurrentFormat = "anneal.compare/3";

    /// <summary>The format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>What the runs share (each run's LR, seed, optimizer and weight decay are in <see cref="Runs"/>).</summary>
    public required TrainingOptions Training { get; init; }

    /// <summary>The compared schedules, in plan order.</summary>
    public required IReadOnlyList<CompareManifestEntry> Entries { get; init; }

    /// <summary>The peak learning rates, as given.</summary>
    public required IReadOnlyList<double> LearningRates { get; init; }

    /// <summary>The seeds.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>Every run, in plan order (which fixes the shards).</summary>
    public required IReadOnlyList<CompareManifestRun> Runs { get; init; }

    /// <summary>The target validation loss, or null for the median final loss.</summary>
    public double? Target { get; init; }

    /// <summary>The branching experiment, or null.</summary>
    public BranchingOptions? Branching { get; init; }

    /// <summary>The command line that made the report (without <c>--shard</c>).</summary>
    public string? CommandLine { get; init; }
}

/// <summary>One compared schedule in <c>compare.json</c>.</summary>
/// <param name="Name">Its name: the run directories <c>runs/NAME/...</c>.</param>
/// <param name="Schedule">As given (a preset name or a spec).</param>
/// <param name="Optimizer">Its optimizer.</param>
/// <param name="WeightDecay">Its weight decay.</param>
/// <param name="Description">The schedule in words, or null.</param>
public sealed record CompareManifestEntry(string Name, string Schedule, OptimizerKind Optimizer, double WeightDecay, string? Description);

/// <summary>One run in <c>compare.json</c>.</summary>
/// <param name="Index">Its place in the plan: shard <c>Index mod N</c> of N trains it.</param>
/// <param name="Name">Its schedule's name.</param>
/// <param name="LearningRate">Its peak learning rate.</param>
/// <param name="Seed">Its seed.</param>
/// <param name="Directory">Its run directory, relative to the report directory (<c>runs/cosine/lr-0.003/seed-1337</c>).</param>
/// <param name="Spec">Its schedule as trained: the canonical spec.</param>
public sealed record CompareManifestRun(
    int Index,
    string Name,
    double LearningRate,
    int Seed,
    string Directory,
    [property: JsonConverter(typeof(RawJsonConverter))] string Spec);

/// <summary>
/// One invocation of <c>anneal compare</c> that trained something (a whole sweep, a shard, or the runs an assembling
/// invocation found missing), in <c>sessions/</c>: where and when it ran and how loaded the machine was.
/// </summary>
/// <param name="Shard">The shard (<c>I/N</c>), or null.</param>
/// <param name="Host">The machine's name.</param>
/// <param name="Cpus">The CPUs the process could use (a Slurm job's <c>--cpus-per-task</c>).</param>
/// <param name="Threads">The TorchSharp threads it trained with, or null when left to libtorch.</param>
/// <param name="Started">When it started (UTC).</param>
/// <param name="Ended">When it ended (UTC).</param>
/// <param name="LoadAtStart">The 1-, 5- and 15-minute load averages at its start (Linux), or null.</param>
/// <param name="LoadAtEnd">The load averages at its end, or null.</param>
/// <param name="RunsTrained">The runs it trained or resumed to the end.</param>
/// <param name="Interrupted">True when it was cancelled before the end.</param>
public sealed record CompareSession(
    string? Shard,
    string Host,
    int Cpus,
    int? Threads,
    DateTimeOffset Started,
    DateTimeOffset Ended,
    string? LoadAtStart,
    string? LoadAtEnd,
    int RunsTrained,
    bool Interrupted)
{
    /// <summary>Wall time from start to end.</summary>
    [JsonIgnore]
    public TimeSpan Elapsed => Ended - Started;
}

/// <summary>
/// A comparison's report directory: <c>compare.json</c> (<see cref="CompareManifest"/>), one run directory per
/// (schedule, peak LR, seed) under <c>runs/NAME/lr-LR/seed-SEED/</c>, the branching experiment's under
/// <c>branching/</c>, <c>sessions/</c> (<see cref="CompareSession"/>), and the report files the command line renders
/// (runs.csv, results.csv, lr_sensitivity.csv, plots, report.md, report.html). Several processes may work in it at
/// once (the shards of a sweep); each run directory has its own <see cref="RunLock"/>, so no two train the same run.
/// </summary>
public sealed class CompareDirectory(string path)
{
    /// <summary><c>compare.json</c>.</summary>
    public const string ManifestFile = "compare.json";

    /// <summary>The folder of the compared runs.</summary>
    public const string RunsFolder = "runs";

    /// <summary>The folder of the branching experiment.</summary>
    public const string BranchingFolder = "branching";

    /// <summary>The folder of the training sessions.</summary>
    public const string SessionsFolder = "sessions";

    /// <summary>The directory.</summary>
    public string Path { get; } = path;

    /// <summary>True when the directory holds a comparison's <c>compare.json</c> (this format or an older one).</summary>
    public bool IsReport => Format is not null;

    /// <summary>The format of its <c>compare.json</c> (<c>anneal.compare/N</c>), or null when it has none.</summary>
    public string? Format
    {
        get
        {
            var file = System.IO.Path.Combine(Path, ManifestFile);
            if (!File.Exists(file))
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file));
                return document.RootElement.TryGetProperty("format", out var f) && f.GetString() is { } s && s.StartsWith("anneal.compare/", StringComparison.Ordinal) ? s : null;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
            {
                return null;
            }
        }
    }

    /// <summary>The run directory at <paramref name="relative"/> (<see cref="SweepRun.RelativeDirectory"/>).</summary>
    public RunDirectory Run(string relative) => new(System.IO.Path.Combine(Path, relative));

    /// <summary>The run directory of <paramref name="run"/>.</summary>
    public RunDirectory Run(SweepRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Run(run.RelativeDirectory);
    }

    /// <summary>Every run directory under <c>runs/</c>, at any depth, in ordinal order of their paths.</summary>
    public IReadOnlyList<RunDirectory> Runs
    {
        get
        {
            var root = System.IO.Path.Combine(Path, RunsFolder);
            return Directory.Exists(root)
                ? [.. Directory.GetDirectories(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(d => new RunDirectory(d)).Where(r => r.HasRun)]
                : [];
        }
    }

    /// <summary>Reads <c>compare.json</c>.</summary>
    /// <exception cref="TrainingInputException">Missing, unreadable, or of another format.</exception>
    public CompareManifest ReadManifest()
    {
        var manifest = RunJson.Read<CompareManifest>(System.IO.Path.Combine(Path, ManifestFile));
        return manifest.Format == CompareManifest.CurrentFormat
            ? manifest
            : throw new TrainingInputException(null, $"'{System.IO.Path.Combine(Path, ManifestFile)}' has format '{manifest.Format}', which this version of anneal does not read");
    }

    /// <summary>Every session in <c>sessions/</c>, earliest first.</summary>
    public IReadOnlyList<CompareSession> ReadSessions()
    {
        var folder = System.IO.Path.Combine(Path, SessionsFolder);
        return Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder, "*.json").Select(RunJson.Read<CompareSession>).OrderBy(s => s.Started).ThenBy(s => s.Shard, StringComparer.Ordinal)]
            : [];
    }

    internal void WriteManifest(CompareManifest manifest) => RunDirectory.WriteAtomic(System.IO.Path.Combine(Path, ManifestFile), RunJson.Serialize(manifest));

    /// <summary>Writes a session under a name no other process uses: its start time, host, process id and shard.</summary>
    internal void WriteSession(CompareSession session)
    {
        var folder = System.IO.Path.Combine(Path, SessionsFolder);
        Directory.CreateDirectory(folder);
        var shard = session.Shard is { } s ? "-shard-" + s.Replace('/', '-') : "";
        var name = $"{session.Started.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{session.Host}-{Environment.ProcessId}{shard}.json";
        RunDirectory.WriteAtomic(System.IO.Path.Combine(folder, name), RunJson.Serialize(session));
    }
}
