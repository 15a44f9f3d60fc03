using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Anneal.Training.Experiments;

/// <summary>
/// A quantity measured once per seed, summarised: the count n, the mean, the sample standard deviation
/// <c>s = sqrt(sum (x - mean)^2 / (n - 1))</c> and the 95% confidence interval of the mean,
/// <c>mean ± t(0.975, n - 1) · s / sqrt(n)</c> (Student t). With one seed there is no spread and no interval (null).
/// </summary>
/// <param name="Count">n, the seeds.</param>
/// <param name="Mean">The mean over the seeds.</param>
/// <param name="StandardDeviation">The sample standard deviation, or null for one seed.</param>
/// <param name="Ci95Low">The interval's lower end, or null for one seed.</param>
/// <param name="Ci95High">The interval's upper end, or null for one seed.</param>
public sealed record SeedSummary(int Count, double Mean, double? StandardDeviation, double? Ci95Low, double? Ci95High)
{
    /// <summary>Half the width of the interval (<c>t · s / sqrt(n)</c>), or null for one seed.</summary>
    public double? HalfWidth => Ci95High - Mean;
}

/// <summary>
/// The paired difference of a schedule to the winner: for each seed s, <c>d_s = L(schedule, s) - L(winner, s)</c> (both
/// at their own best peak LR; seed s gave both the same initial weights and batches), summarised as a
/// <see cref="SeedSummary"/> of the d_s. Pairing removes the part of the seed noise the two runs share.
/// </summary>
/// <param name="Differences">The d_s, in seed order.</param>
/// <param name="Summary">Their mean and interval.</param>
public sealed record PairedDifference(IReadOnlyList<double> Differences, SeedSummary Summary)
{
    /// <summary>
    /// True when the interval lies above 0: the winner's lead is significant at 95%. False when the interval reaches 0 or
    /// below, and, with one seed (no interval), unless the difference is above 0 (see <see cref="SeedStatistics.Tied"/>).
    /// </summary>
    public bool Significant => Summary.Ci95Low is { } low ? low > 0 : Summary.Mean > 0;
}

/// <summary>The statistics of <c>anneal compare --seeds N</c>: means, intervals, paired differences, the tie rule.</summary>
public static class SeedStatistics
{
    /// <summary>The confidence level of every interval: 95%.</summary>
    public const double Confidence = 0.95;

    /// <summary>
    /// The two-sided 95% quantile of Student's t with <paramref name="degreesOfFreedom"/> degrees of freedom,
    /// <c>t(0.975, dof)</c>: 12.706 for 1, 4.303 for 2, 3.182 for 3, tending to 1.960 (MathNet.Numerics).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="degreesOfFreedom"/> is below 1.</exception>
    public static double TQuantile(int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        return StudentT.InvCDF(0, 1, degreesOfFreedom, 1 - ((1 - Confidence) / 2));
    }

    /// <summary>The mean, sample standard deviation and 95% Student-t interval of <paramref name="values"/> (one per seed).</summary>
    /// <exception cref="ArgumentException">No values, or a value that is not finite.</exception>
    public static SeedSummary Summarize(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0 || values.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("needs at least one value, all finite", nameof(values));
        }

        var mean = values.Mean();
        if (values.Count == 1)
        {
            return new SeedSummary(1, mean, null, null, null);
        }

        var std = values.StandardDeviation(); // sample (n - 1)
        var half = TQuantile(values.Count - 1) * std / Math.Sqrt(values.Count);
        return new SeedSummary(values.Count, mean, std, mean - half, mean + half);
    }

    /// <summary>The paired difference <c>x_s - best_s</c> over the seeds (the two lists in the same seed order).</summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty.</exception>
    public static PairedDifference Paired(IReadOnlyList<double> x, IReadOnlyList<double> best)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(best);
        if (x.Count != best.Count)
        {
            throw new ArgumentException($"paired values need one per seed on both sides ({x.Count} and {best.Count})", nameof(best));
        }

        double[] d = [.. x.Select((v, i) => v - best[i])];
        return new PairedDifference(d, Summarize(d));
    }

    /// <summary>
    /// The tie rule: a schedule is tied with the winner when the winner's lead over it is not significant, that is when the
    /// 95% interval of the paired difference reaches 0 (<c>low &lt;= 0</c>). With one seed there is no interval: only an
    /// exact equality ties.
    /// </summary>
    public static bool Tied(PairedDifference difference)
    {
        ArgumentNullException.ThrowIfNull(difference);
        return !difference.Significant;
    }
}
