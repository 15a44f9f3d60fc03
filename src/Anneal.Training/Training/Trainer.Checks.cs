using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Runs;

namespace Anneal.Training;

/// <summary>The checks the entry points share: horizons, output directories, the lock, and what a checkpoint's run must keep.</summary>
public static partial class Trainer
{
    /// <summary>The schedule's own warnings (degenerate parameters PyTorch accepts), and one for a horizon that is not the run's steps.</summary>
    internal static IEnumerable<TrainingWarning> HorizonWarnings(RunSchedule schedule, TrainingOptions options)
    {
        foreach (var warning in schedule.Schedule.Warnings)
        {
            yield return new TrainingWarning(TrainingOption.Schedule, $": {warning}");
        }

        if (schedule.HorizonSteps(options.TokensPerStep) is not { } h || h == options.Steps)
        {
            yield break;
        }

        yield return new TrainingWarning(TrainingOption.Steps, options.Steps > h
            ? $"{options.Steps} goes past the schedule's horizon ({schedule.HorizonParameter} = {h}): steps {h} to {options.Steps - 1} train at the learning rate the schedule gives after its end"
            : $"{options.Steps} stops before the schedule's horizon ({schedule.HorizonParameter} = {h}): the run ends before the schedule does");
    }

    private static TrainingResult NothingToTrain(RunDirectory run, CheckpointHeader header, RunSummary? summary, RunHistory history)
    {
        var finished = summary is { Status: TrainingStatus.Completed } s && s.StepsDone == header.Step;
        var message = finished
            ? $"the run is finished ({header.Step} steps); nothing was trained or changed"
            : $"the run has done {header.Step} steps, the count asked for; nothing was trained or changed";
        return new TrainingResult(TrainingStatus.NothingToTrain, summary ?? new RunSummary { StepsDone = header.Step, TotalSteps = header.Options.Steps, Tokens = header.Tokens },
            history, run.Path, message, header.Step, TimeSpan.Zero);
    }

    /// <summary>
    /// Runs a new run's session in <paramref name="run"/> under its lock, once the directory is found free (or forced); a
    /// directory this call created is removed again when the input turns out bad before anything was written.
    /// </summary>
    private static TrainingResult InNewDirectory(RunDirectory run, bool force, Func<TrainingResult> session)
    {
        var created = !run.Exists;
        try
        {
            using var hold = Hold(run, TrainingOption.OutputDirectory);
            PrepareOutput(run, force);
            return session();
        }
        catch (TrainingInputException) when (created && run.IsEmpty && run.Exists)
        {
            Directory.Delete(run.Path, recursive: true);
            throw;
        }
    }

    /// <summary>Refuses an occupied output directory (unless forced, when an old run's files are deleted first).</summary>
    private static void PrepareOutput(RunDirectory run, bool force)
    {
        if (run.HasRun)
        {
            if (!force)
            {
                throw run.HasCheckpoint
                    ? new TrainingInputException(TrainingOption.OutputDirectory, $"'{run.Path}' already holds a run", new ResumeRemedy(run.Path))
                    : new TrainingInputException(TrainingOption.OutputDirectory, $"'{run.Path}' holds a run that stopped before its first checkpoint, so it cannot be resumed; start it again", new ForceRemedy());
            }

            Write(run.Path, run.DeleteRunFiles, run, null);
            return;
        }

        var others = Directory.EnumerateFileSystemEntries(run.Path).Where(e => Path.GetFileName(e) != RunLock.FileName).ToList();
        if (others.Count > 0 && !force)
        {
            throw new TrainingInputException(
                TrainingOption.OutputDirectory,
                $"'{run.Path}' is not empty ({others.Count} entr{(others.Count == 1 ? "y" : "ies")}, e.g. '{Path.GetFileName(others[0])}') and holds no anneal run; choose a new or empty directory",
                new ForceRemedy());
        }
    }

    /// <summary>The options a run started from a checkpoint must share with it: all but learning rate, steps, evaluation, checkpoints and device.</summary>
    private static void CheckSameModel(TrainingOptions source, TrainingOptions options, string sourceDirectory)
    {
        var comparable = options with
        {
            LearningRate = source.LearningRate,
            Steps = source.Steps,
            EvalEvery = source.EvalEvery,
            EvalBatches = source.EvalBatches,
            CheckpointEvery = source.CheckpointEvery,
            Device = source.Device,
        };
        var differences = Differences(source, comparable);
        if (differences.Count > 0)
        {
            throw new TrainingInputException(
                TrainingOption.InitFrom,
                $": the checkpoint of '{sourceDirectory}' belongs to another model, data or optimizer ({string.Join("; ", differences)}); only the schedule, learning rate, steps, evaluation, checkpoints and device may change");
        }
    }

    /// <summary>The options that differ, as <c>name recorded, now given</c> (JSON names).</summary>
    internal static List<string> Differences(TrainingOptions recorded, TrainingOptions given, params string[] ignore)
    {
        var a = (JsonObject)JsonSerializer.SerializeToNode(recorded, RunJson.Options)!;
        var b = (JsonObject)JsonSerializer.SerializeToNode(given, RunJson.Options)!;
        return [.. b.Where(p => !ignore.Contains(p.Key) && !JsonNode.DeepEquals(p.Value, a[p.Key]))
            .Select(p => $"{p.Key} {a[p.Key]?.ToJsonString() ?? "null"}, now {p.Value?.ToJsonString() ?? "null"}")];
    }

    private static RunLock Hold(RunDirectory run, TrainingOption? option)
    {
        try
        {
            return run.Lock();
        }
        catch (TrainingInputException e)
        {
            throw option is { } o ? e.About(o) : e;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fault(Path.Combine(run.Path, RunLock.FileName), e, run, null);
        }
    }

    private static string Relative(string from, string to)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(from), Path.GetFullPath(to));
        return Path.IsPathRooted(relative) ? Path.GetFullPath(to) : relative;
    }

    private static string Show(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
