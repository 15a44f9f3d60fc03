using System.Text.Json;
using System.Text.Json.Serialization;
using Anneal.Training.Runs;

namespace Anneal.Training.Experiments;

/// <summary>
/// <c>compare.json</c>: what a comparison trains, so a report directory says what it is. Written by
/// <see cref="Compare.Run"/> each time it runs.
/// </summary>
public sealed record CompareManifest
{
    /// <summary>The format this version writes.</summary>
    public const string CurrentFormat = "anneal.compare/2";

    /// <summary>The format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>What the runs share.</summary>
    public required TrainingOptions Training { get; init; }

    /// <summary>The compared schedules, in plan order.</summary>
    public required IReadOnlyList<CompareManifestEntry> Entries { get; init; }

    /// <summary>The target validation loss, or null for the median final loss.</summary>
    public double? Target { get; init; }

    /// <summary>The branching experiment, or null.</summary>
    public BranchingOptions? Branching { get; init; }

    /// <summary>The command line that made the report.</summary>
    public string? CommandLine { get; init; }
}

/// <summary>One compared schedule in <c>compare.json</c>.</summary>
/// <param name="Name">Its name: the run directory <c>runs/NAME</c>.</param>
/// <param name="Schedule">As given (a preset name or a spec).</param>
/// <param name="Spec">As trained: the canonical spec.</param>
/// <param name="Optimizer">Its optimizer.</param>
/// <param name="Description">The schedule in words, or null.</param>
public sealed record CompareManifestEntry(
    string Name,
    string Schedule,
    [property: JsonConverter(typeof(RawJsonConverter))] string Spec,
    OptimizerKind Optimizer,
    string? Description);

/// <summary>The load averages around the last invocation that trained something (<c>load.json</c>).</summary>
/// <param name="Start">At its start.</param>
/// <param name="End">At its end.</param>
public sealed record CompareLoad(string? Start, string? End);

/// <summary>
/// A comparison's report directory: <c>compare.json</c> (<see cref="CompareManifest"/>), one run directory per schedule
/// under <c>runs/NAME/</c>, the branching experiment's under <c>branching/</c>, <c>load.json</c>, and the report files the
/// command line renders (results.csv, plots, report.md, report.html). Held by one process at a time (its
/// <see cref="RunLock"/>); each run directory has its own lock too.
/// </summary>
public sealed class CompareDirectory(string path)
{
    /// <summary><c>compare.json</c>.</summary>
    public const string ManifestFile = "compare.json";

    /// <summary>The folder of the compared runs.</summary>
    public const string RunsFolder = "runs";

    /// <summary>The folder of the branching experiment.</summary>
    public const string BranchingFolder = "branching";

    /// <summary><c>load.json</c>.</summary>
    public const string LoadFile = "load.json";

    /// <summary>The directory.</summary>
    public string Path { get; } = path;

    /// <summary>True when the directory holds a comparison's <c>compare.json</c> (this format or an older one).</summary>
    public bool IsReport
    {
        get
        {
            var file = System.IO.Path.Combine(Path, ManifestFile);
            if (!File.Exists(file))
            {
                return false;
            }

            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file));
                return document.RootElement.TryGetProperty("format", out var f) && f.GetString() is { } s && s.StartsWith("anneal.compare/", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
            {
                return false;
            }
        }
    }

    /// <summary>The run directory of the compared schedule <paramref name="name"/>.</summary>
    public RunDirectory Run(string name) => new(System.IO.Path.Combine(Path, RunsFolder, name));

    /// <summary>Every run directory under <c>runs/</c>, by name.</summary>
    public IReadOnlyList<RunDirectory> Runs =>
        Directory.Exists(System.IO.Path.Combine(Path, RunsFolder))
            ? [.. Directory.GetDirectories(System.IO.Path.Combine(Path, RunsFolder)).Order(StringComparer.Ordinal).Select(d => new RunDirectory(d)).Where(r => r.HasRun)]
            : [];

    /// <summary>Reads <c>compare.json</c>.</summary>
    /// <exception cref="TrainingInputException">Missing, unreadable, or of another format.</exception>
    public CompareManifest ReadManifest()
    {
        var manifest = RunJson.Read<CompareManifest>(System.IO.Path.Combine(Path, ManifestFile));
        return manifest.Format == CompareManifest.CurrentFormat
            ? manifest
            : throw new TrainingInputException(null, $"'{System.IO.Path.Combine(Path, ManifestFile)}' has format '{manifest.Format}', which this version of anneal does not read");
    }

    /// <summary>Reads <c>load.json</c>, or null.</summary>
    public CompareLoad? ReadLoad()
    {
        var file = System.IO.Path.Combine(Path, LoadFile);
        return File.Exists(file) ? RunJson.Read<CompareLoad>(file) : null;
    }

    internal void WriteManifest(CompareManifest manifest) => RunDirectory.WriteAtomic(System.IO.Path.Combine(Path, ManifestFile), RunJson.Serialize(manifest));

    internal void WriteLoad(CompareLoad load) => RunDirectory.WriteAtomic(System.IO.Path.Combine(Path, LoadFile), RunJson.Serialize(load));
}
