using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Anneal.Training.Runs;

/// <summary>
/// A run directory, the one place its files are read and written. A run holds:
/// <list type="bullet">
/// <item><c>run.json</c>: <see cref="RunManifest"/>, what the run is (options, schedule, model, data, and the prepared corpus it reads).</item>
/// <item><c>metrics.csv</c>: one <see cref="MetricRow"/> per step of every session (<see cref="ReadHistory"/>).</item>
/// <item><c>summary.json</c>: <see cref="RunSummary"/>, how it stands, totals over all sessions.</item>
/// <item><c>checkpoint.bin</c> and <c>checkpoint.prev.bin</c>: the last two checkpoints (<see cref="CheckpointHeader"/>
/// and tensors, CRC-64 checked); <c>checkpoints/step-K.bin</c>: checkpoints kept at chosen steps.</item>
/// <item><c>tensorboard/</c>: TensorBoard event files, one step once each; <c>curves.png</c>: loss and learning rate
/// (drawn by the command line); <c>lock</c>: the one-writer lock (<see cref="RunLock"/>).</item>
/// </list>
/// Steps are numbered from 0 in every file: step k is the (k+1)-th optimizer step and runs at the schedule's value at k;
/// a checkpoint "after k steps" (<see cref="CheckpointHeader.Step"/> = k) resumes at step k.
/// </summary>
/// <remarks>
/// Reading needs no lock and changes nothing; the writing members are the trainer's, under the lock. Every JSON file is
/// written atomically (to <c>FILE.tmp</c>, then renamed), so a crash leaves the old file or the new one.
/// Directories written before this format (<c>anneal.train/1</c>) are read through a converter.
/// </remarks>
public sealed class RunDirectory
{
    /// <summary><c>run.json</c>.</summary>
    public const string ManifestFile = "run.json";

    /// <summary><c>summary.json</c>.</summary>
    public const string SummaryFile = "summary.json";

    /// <summary><c>metrics.csv</c>.</summary>
    public const string MetricsFile = "metrics.csv";

    /// <summary>The latest checkpoint.</summary>
    public const string CheckpointFileName = "checkpoint.bin";

    /// <summary>The checkpoint before it (or, after a checkpoint taken while the loss was exploding, the last healthy one).</summary>
    public const string PreviousCheckpointFileName = "checkpoint.prev.bin";

    /// <summary>The folder of checkpoints kept at chosen steps (<c>step-K.bin</c>).</summary>
    public const string KeptCheckpointsFolder = "checkpoints";

    /// <summary>The TensorBoard log folder.</summary>
    public const string TensorBoardFolder = "tensorboard";

    /// <summary>The loss and learning-rate plot.</summary>
    public const string CurvesFile = "curves.png";

    private static readonly string[] OwnFiles = [ManifestFile, SummaryFile, MetricsFile, CheckpointFileName, PreviousCheckpointFileName, CurvesFile, LegacyFormat.CompareSidecar, "branch.json"];

    /// <summary>A run directory at <paramref name="path"/> (nothing is read yet).</summary>
    public RunDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>The directory, as given.</summary>
    public string Path { get; }

    /// <summary>True when the directory exists.</summary>
    public bool Exists => Directory.Exists(Path);

    /// <summary>True when it does not exist or holds nothing but a <c>lock</c> file.</summary>
    public bool IsEmpty => !Exists || Directory.EnumerateFileSystemEntries(Path).All(e => System.IO.Path.GetFileName(e) == RunLock.FileName);

    /// <summary>True when it holds a run: a <c>run.json</c> or a checkpoint.</summary>
    public bool HasRun => File.Exists(FilePath(ManifestFile)) || HasCheckpoint;

    /// <summary>True when it holds <c>checkpoint.bin</c> or <c>checkpoint.prev.bin</c>.</summary>
    public bool HasCheckpoint => File.Exists(FilePath(CheckpointFileName)) || File.Exists(FilePath(PreviousCheckpointFileName));

    /// <summary>True when <c>summary.json</c> exists.</summary>
    public bool HasSummary => File.Exists(FilePath(SummaryFile));

    /// <summary>True when its <c>run.json</c> was written in the <c>anneal.train/1</c> format.</summary>
    public bool IsLegacy => File.Exists(FilePath(ManifestFile)) && ReadFormat(FilePath(ManifestFile)) == LegacyFormat.Format;

    /// <summary>The path of <paramref name="name"/> in the directory.</summary>
    public string FilePath(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Takes the directory's one-writer lock (<see cref="RunLock"/>).</summary>
    /// <exception cref="TrainingInputException">Another process holds it.</exception>
    public RunLock Lock() => RunLock.Acquire(Path);

    /// <summary>Reads <c>run.json</c>.</summary>
    /// <exception cref="TrainingInputException">It is missing, unreadable, or of an unknown format.</exception>
    public RunManifest ReadManifest()
    {
        var path = FilePath(ManifestFile);
        if (!File.Exists(path))
        {
            throw new TrainingInputException(null, $"'{Path}' holds no run ({ManifestFile} is missing)");
        }

        return ReadFormat(path) switch
        {
            RunManifest.CurrentFormat => RunJson.Read<RunManifest>(path),
            LegacyFormat.Format => LegacyFormat.ReadManifest(File.ReadAllText(path), path),
            var other => throw new TrainingInputException(null, $"'{path}' has format '{other}', which this version of anneal does not read (it writes {RunManifest.CurrentFormat})"),
        };
    }

    /// <summary>Reads <c>summary.json</c>, or null when there is none (a run that has not ended a session).</summary>
    /// <exception cref="TrainingInputException">It is unreadable.</exception>
    public RunSummary? ReadSummary()
    {
        var path = FilePath(SummaryFile);
        if (!File.Exists(path))
        {
            return null;
        }

        var summary = RunJson.Read<RunSummary>(path);
        return IsLegacy ? LegacyFormat.Summary(summary, Path) : summary;
    }

    /// <summary>Reads <c>metrics.csv</c>: every step of every session (empty when there is none).</summary>
    /// <exception cref="TrainingInputException">It is not a metrics file, or a row is malformed.</exception>
    public RunHistory ReadHistory()
    {
        var path = FilePath(MetricsFile);
        try
        {
            return File.Exists(path) ? RunHistory.ParseCsv(File.ReadLines(path), path) : RunHistory.Empty(0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingInputException(null, $"cannot read '{path}': {e.Message}");
        }
    }

    /// <summary>The checkpoint files present: latest, previous, then kept ones by step; unchecked.</summary>
    public IReadOnlyList<string> CheckpointFiles()
    {
        var files = new List<string>();
        foreach (var name in new[] { CheckpointFileName, PreviousCheckpointFileName })
        {
            if (File.Exists(FilePath(name)))
            {
                files.Add(FilePath(name));
            }
        }

        var kept = FilePath(KeptCheckpointsFolder);
        if (Directory.Exists(kept))
        {
            files.AddRange(Directory.GetFiles(kept, "step-*.bin").OrderBy(f => KeptStep(f) ?? int.MaxValue));
        }

        return files;
    }

    /// <summary>
    /// The checkpoint to continue from, checked: <c>checkpoint.bin</c>, or, when it is corrupt, truncated or missing,
    /// <c>checkpoint.prev.bin</c> (<paramref name="notice"/> then says so). With <paramref name="step"/>, the checkpoint
    /// after exactly that many steps: a kept one (<c>checkpoints/step-K.bin</c>), else the latest or the previous.
    /// </summary>
    /// <exception cref="TrainingInputException">No usable checkpoint: the message names each file and what is wrong with it.</exception>
    public CheckpointInfo ReadCheckpoint(int? step, out string? notice)
    {
        notice = null;
        var files = CheckpointFiles();
        if (files.Count == 0)
        {
            throw new TrainingInputException(null, $"'{Path}' has no checkpoint ({CheckpointFileName})");
        }

        var problems = new List<string>();
        var found = new List<int>();
        if (step is not null)
        {
            files = [.. files.OrderBy(f => KeptStep(f) is null)]; // a kept checkpoint first: it stays where it is
        }

        foreach (var file in files)
        {
            if (step is { } wanted && KeptStep(file) is { } kept && kept != wanted)
            {
                found.Add(kept);
                continue;
            }

            var (checkpoint, problem) = Check(file);
            if (checkpoint is null)
            {
                problems.Add($"'{file}' {problem}");
                continue;
            }

            if (step is { } s && checkpoint.Header.Step != s)
            {
                found.Add(checkpoint.Header.Step);
                continue;
            }

            var unverified = checkpoint.Verified ? "" : $"'{file}' was written in the {LegacyFormat.Format} format, which has no checksum: it loads unverified";
            var fallback = problems.Count > 0 ? $"{string.Join("; ", problems)}; using '{file}' (after {checkpoint.Header.Step} steps) instead" : "";
            notice = string.Join("; ", new[] { fallback, unverified }.Where(t => t.Length > 0)) is { Length: > 0 } n ? n : null;
            return checkpoint;
        }

        if (step is { } missing)
        {
            var have = found.Count == 0 ? "none that can be read" : "checkpoints after " + string.Join(", ", found.Distinct().Order()) + " steps";
            throw new TrainingInputException(null, $"'{Path}' has no checkpoint after {missing} steps (it has {have}{(problems.Count > 0 ? "; " + string.Join("; ", problems) : "")})");
        }

        throw new TrainingInputException(null,
            $"{string.Join("; and ", problems)}: '{Path}' has no checkpoint left to continue from; start the run again, or start a new run from a copy of an earlier checkpoint");
    }

    /// <summary>Checks one checkpoint file.</summary>
    /// <returns>The checkpoint, or what is wrong with it.</returns>
    public static (CheckpointInfo? Checkpoint, string? Problem) Check(string file)
    {
        try
        {
            return CheckpointFile.Read(file);
        }
        catch (TrainingInputException e)
        {
            return (null, "has an unreadable header: " + e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, "cannot be read: " + e.Message);
        }
    }

    // ---- writing (the trainer's, under the lock)

    /// <summary>Writes <c>run.json</c> atomically.</summary>
    internal void WriteManifest(RunManifest manifest) => WriteAtomic(FilePath(ManifestFile), RunJson.Serialize(manifest));

    /// <summary>Writes <c>summary.json</c> atomically.</summary>
    internal void WriteSummary(RunSummary summary) => WriteAtomic(FilePath(SummaryFile), RunJson.Serialize(summary));

    /// <summary>
    /// Writes a checkpoint as <c>checkpoint.bin</c>. The one it replaces becomes <c>checkpoint.prev.bin</c> when
    /// <paramref name="keepReplacedAsPrevious"/>; otherwise it is dropped and the previous one stays (so after a
    /// checkpoint taken while the loss was exploding, <c>checkpoint.prev.bin</c> stays the last healthy one).
    /// </summary>
    /// <returns>The path written.</returns>
    /// <exception cref="IOException">Writing failed; no temporary file is left and the existing checkpoints are intact.</exception>
    internal string SaveCheckpoint(CheckpointHeader header, Action<BinaryWriter> payload, bool keepReplacedAsPrevious)
    {
        var latest = FilePath(CheckpointFileName);
        var temp = CheckpointFile.WriteTemporary(latest, header, payload);
        try
        {
            if (keepReplacedAsPrevious && File.Exists(latest))
            {
                File.Move(latest, FilePath(PreviousCheckpointFileName), overwrite: true);
            }

            File.Move(temp, latest, overwrite: true);
        }
        catch
        {
            CheckpointFile.TryDelete(temp);
            throw;
        }

        return latest;
    }

    /// <summary>Copies <c>checkpoint.bin</c> to <c>checkpoints/step-K.bin</c> (K its step) atomically, where <see cref="ReadCheckpoint"/> with a step finds it.</summary>
    /// <returns>The kept file.</returns>
    internal string KeepCheckpoint(int step)
    {
        Directory.CreateDirectory(FilePath(KeptCheckpointsFolder));
        var target = System.IO.Path.Combine(FilePath(KeptCheckpointsFolder), $"step-{step.ToString(CultureInfo.InvariantCulture)}.bin");
        var temp = target + ".tmp";
        try
        {
            File.Copy(FilePath(CheckpointFileName), temp, overwrite: true);
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            CheckpointFile.TryDelete(temp);
            throw;
        }

        return target;
    }

    /// <summary>
    /// Rewrites <c>metrics.csv</c> to hold exactly <paramref name="history"/> (atomically) and opens it for appending the
    /// steps that follow.
    /// </summary>
    internal MetricsLog OpenMetrics(RunHistory history, int groups)
    {
        var text = new StringBuilder(RunHistory.CsvHeader(groups)).Append('\n');
        foreach (var row in history.Rows)
        {
            text.Append(RunHistory.CsvLine(row)).Append('\n');
        }

        WriteAtomic(FilePath(MetricsFile), text.ToString());
        return new MetricsLog(FilePath(MetricsFile));
    }

    /// <summary>Deletes the run's own files (for a new run written over an old one on request); other files stay.</summary>
    internal void DeleteRunFiles()
    {
        foreach (var name in OwnFiles)
        {
            File.Delete(FilePath(name));
        }

        foreach (var folder in new[] { KeptCheckpointsFolder, TensorBoardFolder })
        {
            if (Directory.Exists(FilePath(folder)))
            {
                Directory.Delete(FilePath(folder), recursive: true);
            }
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/>.tmp, flushes it to disk and renames it over <paramref name="path"/>; on failure deletes the temporary file.</summary>
    internal static void WriteAtomic(string path, string text)
    {
        var temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            CheckpointFile.TryDelete(temp);
            throw;
        }
    }

    private static string? ReadFormat(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String
                ? f.GetString()
                : null;
        }
        catch (JsonException e)
        {
            throw new TrainingInputException(null, $"'{path}' is not valid JSON ({e.Message.Split(". ")[0]}); restore it or remove the run directory");
        }
    }

    private static int? KeptStep(string file)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(file);
        return name.StartsWith("step-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : null;
    }
}

/// <summary><c>metrics.csv</c> open for appending rows: buffered, flushed at evaluations, checkpoints and the end.</summary>
internal sealed class MetricsLog(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(path, append: true, new UTF8Encoding(false));

    public string Path { get; } = path;

    public void Append(MetricRow row) => _writer.Write(RunHistory.CsvLine(row) + "\n");

    public void Flush() => _writer.Flush();

    /// <summary>Closes the file; a failing final flush (the disk filled) is dropped, as those rows were after the last checkpoint anyway.</summary>
    public void Dispose()
    {
        try
        {
            _writer.Dispose();
        }
        catch (IOException)
        {
            // The rows not yet written were after the last checkpoint; a resume redoes them.
        }
    }
}
