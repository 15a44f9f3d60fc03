using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Data;

namespace Anneal.Training.Laws;

/// <summary>
/// Trains schedules the way a law's runs were trained (their options from <c>law.json</c>), one run per seed, and
/// measures the law against them (<see cref="LawCheck"/>): <c>anneal optimize --verify</c>. A finished run of the same schedule,
/// steps and seed in the directory is reused; any other run there (interrupted, or of another schedule) is trained
/// again from the start, so running it again continues.
/// </summary>
public static class ScheduleVerification
{
    /// <summary>The training options of the law's source runs.</summary>
    /// <exception cref="TrainingInputException">The law has no training options (it was not fitted by <c>anneal fit</c>).</exception>
    public static TrainingOptions Options(FittedLaw law)
    {
        ArgumentNullException.ThrowIfNull(law);
        if (law.TrainingOptions is null)
        {
            throw new TrainingInputException("the law holds no training options (training_options in law.json), so its runs cannot be repeated; refit it with 'anneal fit'");
        }

        return law.TrainingOptions.Deserialize<TrainingOptions>() ?? throw new TrainingInputException("law.json: training_options is not a training configuration");
    }

    /// <summary>
    /// Trains each of <paramref name="schedules"/> (name, JSON spec) for <paramref name="steps"/> steps at each seed into
    /// <c>directory/NAME-sSEED</c>, and checks <paramref name="law"/> against them. Null when cancelled.
    /// </summary>
    public static LawCheck? Run(FittedLaw law, IReadOnlyList<(string Name, string Spec)> schedules, int steps, IReadOnlyList<int> seeds, string directory,
        Func<string, ITrainingProgress> progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(progress);
        var options = Options(law) with { Steps = steps, LearningRate = law.PeakLr, CheckpointEvery = 0 };
        var runs = new List<TrainedRun>();
        foreach (var (name, spec) in schedules)
        {
            foreach (var seed in seeds)
            {
                var dir = Path.Combine(directory, $"{name}-s{seed.ToString(CultureInfo.InvariantCulture)}");
                if (!Finished(dir, spec, steps, seed))
                {
                    if (Directory.Exists(dir))
                    {
                        Directory.Delete(dir, recursive: true);
                    }

                    var result = Trainer.Run(options with { Schedule = spec, Seed = seed }, dir, progress(Path.GetFileName(dir)), cancellation);
                    if (result.Status == TrainingStatus.Cancelled)
                    {
                        return null;
                    }

                    if (result.Status == TrainingStatus.Diverged)
                    {
                        throw new TrainingInputException($"{dir}: {result.Message}");
                    }
                }

                runs.Add(TrainedRuns.Read(dir));
            }
        }

        return LawCheck.Run(law, runs);
    }

    /// <summary>A finished run of this schedule, steps and seed (another one in its place is trained again).</summary>
    private static bool Finished(string directory, string spec, int steps, int seed)
    {
        var summary = Path.Combine(directory, "summary.json");
        try
        {
            if (!File.Exists(summary) || (string?)JsonNode.Parse(File.ReadAllText(summary))?["status"] != "completed")
            {
                return false;
            }

            var run = TrainedRuns.Read(directory);
            return run.Steps == steps && run.Seed == seed && Canonical(run.ScheduleSpec) == Canonical(spec);
        }
        catch (Exception e) when (e is JsonException or TrainingInputException or ScheduleArgumentException)
        {
            return false;
        }
    }

    private static string Canonical(string spec) => ScheduleSpec.Write(ScheduleSpec.Parse(spec));
}
