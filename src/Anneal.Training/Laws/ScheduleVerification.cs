using System.Globalization;
using Anneal.Training.Runs;

namespace Anneal.Training.Laws;

/// <summary>
/// Trains schedules the way a law's runs were trained (their options from <c>law.json</c>), one run per seed, and
/// measures the law against them (<see cref="LawCheck"/>): <c>anneal optimize --verify</c>. A finished run of the same
/// schedule, steps and seed in the directory is reused; any other run there (interrupted, or of another schedule) is
/// trained again from the start, so running it again continues.
/// </summary>
public static class ScheduleVerification
{
    /// <summary>The training options of the law's source runs.</summary>
    /// <exception cref="LawInputException">The law has no training options (it was not fitted to run directories).</exception>
    public static TrainingOptions Options(FittedLaw law)
    {
        ArgumentNullException.ThrowIfNull(law);
        return law.TrainingOptions ?? throw new LawInputException(LawOption.LawFile, ": it holds no training options (training_options), so its runs cannot be repeated; fit it to run directories");
    }

    /// <summary>
    /// Trains each of <paramref name="schedules"/> (name, JSON spec) for <paramref name="steps"/> steps at each seed into
    /// <c>directory/NAME-sSEED</c>, and checks <paramref name="law"/> against them. Null when cancelled.
    /// </summary>
    /// <exception cref="TrainingInputException">A run cannot be trained (bad spec, a directory another process holds) or diverged.</exception>
    /// <exception cref="TrainingFaultException">A write failed; finished runs are intact.</exception>
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
            var schedule = RunSchedule.FromSpec(spec);
            foreach (var seed in seeds)
            {
                var dir = Path.Combine(directory, $"{name}-s{seed.ToString(CultureInfo.InvariantCulture)}");
                if (!Finished(dir, schedule.Spec, steps, seed))
                {
                    var result = Trainer.Run(options with { Seed = seed }, schedule, dir, force: true, progress(Path.GetFileName(dir)), cancellation);
                    if (result.Status == TrainingStatus.Cancelled)
                    {
                        return null;
                    }

                    if (result.Status == TrainingStatus.Diverged)
                    {
                        throw new TrainingInputException(null, $"'{dir}' diverged: {result.Message}");
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
        try
        {
            var run = TrainedRuns.Read(directory);
            return run.Steps == steps && run.Seed == seed && RunSchedule.FromSpec(run.ScheduleSpec).Spec == spec;
        }
        catch (TrainingInputException)
        {
            return false;
        }
    }
}
