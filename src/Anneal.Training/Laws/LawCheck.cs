using System.Text.RegularExpressions;
using MathNet.Numerics.Distributions;

namespace Anneal.Training.Laws;

/// <summary>A schedule's trained final validation loss (over its seeds) against the law's prediction.</summary>
/// <param name="Name">The schedule's name (its first run directory's name without a <c>-sN</c> seed suffix).</param>
/// <param name="Runs">Its runs, one per seed.</param>
/// <param name="TrainedMean">Mean final validation loss over the seeds.</param>
/// <param name="TrainedCi95">Half width of the 95% Student-t interval of that mean (NaN with one seed).</param>
/// <param name="Predicted">The law's final loss.</param>
/// <param name="Warnings">Why the prediction may be unreliable (see <see cref="FittedLaw.Warnings"/>).</param>
public sealed record CheckedSchedule(string Name, IReadOnlyList<TrainedRun> Runs, double TrainedMean, double TrainedCi95, double Predicted, IReadOnlyList<string> Warnings)
{
    /// <summary><c>(predicted - trained) / trained</c>.</summary>
    public double RelativeError => (Predicted - TrainedMean) / TrainedMean;
}

/// <summary>Two schedules whose trained difference exceeds its 95% interval, and whether the law orders them the same way.</summary>
/// <param name="Better">The schedule that trained to the lower loss.</param>
/// <param name="Worse">The other.</param>
/// <param name="Difference">Mean over the shared seeds of <c>worse - better</c> (paired by seed).</param>
/// <param name="Ci95">Half width of its 95% interval.</param>
/// <param name="PredictedAgrees">The law predicts <see cref="Better"/> lower too.</param>
public sealed record CheckedPair(string Better, string Worse, double Difference, double Ci95, bool PredictedAgrees);

/// <summary>
/// How well a law predicts trained runs it was not fitted to: per schedule, the error of the predicted final validation
/// loss against the mean over seeds; over pairs of schedules whose paired difference (same seed, same initial weights
/// and batches) exceeds its 95% Student-t interval, whether the predicted order is the trained one.
/// </summary>
/// <param name="Schedules">Each schedule, in the order given.</param>
/// <param name="SignificantPairs">The pairs with a significant trained difference.</param>
/// <param name="TestablePairs">Pairs with at least two shared seeds (the others cannot be tested).</param>
public sealed partial record LawCheck(IReadOnlyList<CheckedSchedule> Schedules, IReadOnlyList<CheckedPair> SignificantPairs, int TestablePairs)
{
    /// <summary>Mean of <c>|relative error|</c> over the schedules.</summary>
    public double MeanAbsError => Schedules.Average(s => Math.Abs(s.RelativeError));

    /// <summary>Largest <c>|relative error|</c>.</summary>
    public double WorstAbsError => Schedules.Max(s => Math.Abs(s.RelativeError));

    /// <summary>Significant pairs the law orders as trained.</summary>
    public int AgreeingPairs => SignificantPairs.Count(p => p.PredictedAgrees);

    /// <summary>Checks <paramref name="law"/> against <paramref name="runs"/>, grouped into schedules by (schedule spec, steps, peak learning rate).</summary>
    public static LawCheck Run(FittedLaw law, IReadOnlyList<TrainedRun> runs)
    {
        ArgumentNullException.ThrowIfNull(law);
        ArgumentNullException.ThrowIfNull(runs);
        var groups = runs.GroupBy(r => (r.ScheduleSpec, r.Steps, r.BaseLr)).Select(g => g.ToList()).ToList();
        var schedules = groups.Select(g =>
        {
            var losses = g.Select(r => r.FinalValidationLoss).ToArray();
            var predicted = law.Final(g[0].LearningRates);
            return new CheckedSchedule(ScheduleName(g[0].Directory), g, losses.Average(), HalfWidth(losses), predicted, law.Warnings(g[0].LearningRates));
        }).ToList();
        var pairs = new List<CheckedPair>();
        var testable = 0;
        for (var i = 0; i < schedules.Count; i++)
        {
            for (var j = i + 1; j < schedules.Count; j++)
            {
                var a = schedules[i];
                var b = schedules[j];
                var diffs = a.Runs.Join(b.Runs, r => r.Seed, r => r.Seed, (x, y) => x.FinalValidationLoss - y.FinalValidationLoss).ToArray();
                if (diffs.Length < 2)
                {
                    continue;
                }

                testable++;
                var mean = diffs.Average();
                var half = HalfWidth(diffs);
                if (Math.Abs(mean) > half)
                {
                    var (better, worse) = mean < 0 ? (a, b) : (b, a);
                    pairs.Add(new CheckedPair(better.Name, worse.Name, Math.Abs(mean), half, better.Predicted < worse.Predicted));
                }
            }
        }

        return new LawCheck(schedules, pairs, testable);
    }

    /// <summary>Half width of the 95% Student-t interval of the mean of <paramref name="values"/> (NaN for fewer than 2).</summary>
    public static double HalfWidth(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2)
        {
            return double.NaN;
        }

        var mean = values.Average();
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return StudentT.InvCDF(0, 1, values.Count - 1, 0.975) * sd / Math.Sqrt(values.Count);
    }

    /// <summary>The name of a run's schedule: its directory's name without a <c>-sN</c> / <c>-seedN</c> seed suffix.</summary>
    public static string ScheduleName(string directory) =>
        SeedSuffix().Replace(Path.GetFileName(directory.TrimEnd('/', '\\')), "");

    [GeneratedRegex(@"[-_.](s|seed)\d+$")]
    private static partial Regex SeedSuffix();
}
