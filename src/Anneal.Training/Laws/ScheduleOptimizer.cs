using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Anneal.Training.Laws;

/// <summary>The shapes <see cref="ScheduleOptimizer"/> searches.</summary>
public enum ScheduleFamily
{
    /// <summary>Any non-increasing schedule after the warmup, capped at the peak (piecewise linear between knots).</summary>
    Free,

    /// <summary>
    /// Warmup-stable-decay: the peak held, then a cooldown to 0 at the last step over any number of steps, shaped
    /// linear, 1-sqrt or cosine. The family of the best schedules in the literature (Hägele et al. 2024; Luo et al. 2025's
    /// optimized schedule is of this form), and one that never holds the rate at 0 before the end, where a law that credits
    /// annealing per step (Tissue et al.'s) promises gains that training at a rate of 0 cannot make.
    /// </summary>
    Wsd,
}

/// <summary>A schedule searched by <see cref="ScheduleOptimizer"/>, as a spec and as learning rates.</summary>
/// <param name="Schedule">The schedule, of factors of the fitted peak learning rate: a <see cref="PiecewiseLinear"/> (free family) or a <see cref="WarmupStableDecay"/>.</param>
/// <param name="LearningRates">Its learning rate at every step (absolute).</param>
/// <param name="PredictedFinal">The law's final loss for it.</param>
public sealed record OptimizedSchedule(Schedule Schedule, IReadOnlyList<double> LearningRates, double PredictedFinal)
{
    /// <summary>Steps after the warmup spent below 1% of the peak before the last step: training that stands nearly still.</summary>
    public int StepsNearZero(double peakLr) => LearningRates.Take(LearningRates.Count - 1).Count(lr => lr < 0.01 * peakLr) - LearningRates.TakeWhile(lr => lr < 0.01 * peakLr).Count();
}

/// <summary>
/// Searches the schedule of <c>N</c> steps with the lowest final loss a fitted law predicts, among schedules that keep the
/// fitted runs' warmup (up to its peak step <c>W</c>), never exceed the fitted peak and never increase after it: the
/// rate after the warmup is piecewise linear between knots <c>W = p_0 &lt; p_1 &lt; ... &lt; p_K = N</c>, with knot
/// values <c>v_0 = 1</c>, <c>v_j = r_1 * ... * r_j</c> and every <c>r_j</c> in [0, 1] (so non-increasing and within
/// the cap by construction). The <c>r_j</c> are found by bounded BFGS (MathNet.Numerics' <c>BfgsBMinimizer</c>) on the
/// law's analytic gradient, from several starting shapes (constant, linear, cosine and warmup-stable-decay tails),
/// keeping the best. Luo et al. 2025 search a free-form schedule the same way (non-negative decrements of the LR).
/// </summary>
public static class ScheduleOptimizer
{
    /// <summary>Knots after the warmup when none are asked for: about one every 10 steps, between 8 and 80.</summary>
    public static int DefaultKnots(int steps, int warmup) => Math.Clamp((steps - warmup) / 10, 8, 80);

    /// <summary>
    /// The warmup-stable-decay schedule of <paramref name="steps"/> steps with the lowest predicted final loss: every
    /// cooldown length from 1 step to all steps after the warmup, each of the shapes linear, 1-sqrt and cosine (an
    /// exhaustive search: one law evaluation each).
    /// </summary>
    /// <exception cref="LawInputException">The fitted warmup is not linear from 0 (a warmup_stable_decay spec cannot hold it), or too few steps.</exception>
    public static OptimizedSchedule OptimizeWsd(FittedLaw law, int steps)
    {
        ArgumentNullException.ThrowIfNull(law);
        var w = law.WarmupSteps;
        if (steps < w + 3)
        {
            throw new LawInputException(LawOption.Steps, $"must be at least the fitted warmup ({w} steps) + 3 (was {steps})");
        }

        if (Enumerable.Range(0, w + 1).Any(i => Math.Abs(law.Warmup[i] - law.Warmup[w] * i / Math.Max(1, w)) > 1e-9))
        {
            throw new LawInputException(LawOption.Family, ": wsd needs the fitted runs' warmup to be linear from 0 (warmup_stable_decay's); search the free family");
        }

        var best = (Value: double.PositiveInfinity, Schedule: (Schedule?)null, Rates: (double[]?)null);
        foreach (var shape in new[] { RampShape.Linear, RampShape.OneMinusSqrt, RampShape.Cosine })
        {
            for (var decay = 1; decay <= steps - w; decay++)
            {
                var schedule = new WarmupStableDecay(w, decay, steps, decayType: shape);
                var rates = ScheduleRates.Of(schedule, steps, law.PeakLr, 0);
                var value = law.Final(rates);
                if (value < best.Value)
                {
                    best = (value, schedule, rates);
                }
            }
        }

        return new OptimizedSchedule(best.Schedule!, best.Rates!, best.Value);
    }

    /// <summary>The schedule of <paramref name="steps"/> steps that minimizes <paramref name="law"/>'s predicted final loss.</summary>
    /// <exception cref="LawInputException">Fewer steps than the warmup plus two, or fewer than 2 knots.</exception>
    public static OptimizedSchedule Optimize(FittedLaw law, int steps, int? knots = null)
    {
        ArgumentNullException.ThrowIfNull(law);
        var w = law.WarmupSteps;
        if (steps < w + 3)
        {
            throw new LawInputException(LawOption.Steps, $"must be at least the fitted warmup ({w} steps) + 3 (was {steps})");
        }

        var k = Math.Min(knots ?? DefaultKnots(steps, w), steps - w);
        if (k < 2)
        {
            throw new LawInputException(LawOption.Knots, $"must be >= 2 (was {k})");
        }

        // The last knot is at N, the schedule's horizon (its value only shapes the last segment: step N is never taken).
        var positions = Enumerable.Range(0, k + 1).Select(j => w + (int)Math.Round((double)j * (steps - w) / k)).ToArray();
        var problem = new Problem(law, steps, positions);
        var best = (Value: double.PositiveInfinity, R: (double[]?)null);
        foreach (var start in Starts(positions, steps))
        {
            var r = problem.Minimize(start);
            var value = problem.Loss(r, null);
            if (value < best.Value)
            {
                best = (value, r);
            }
        }

        var values = Problem.Values(best.R!);
        var rates = problem.Rates(values);
        var schedule = Knots(law, positions, values);
        return new OptimizedSchedule(schedule, [.. rates.Select(u => u * law.PeakLr)], best.Value);
    }

    /// <summary>The schedule as knots: the warmup's (two when it is linear, else one per step), then the searched ones.</summary>
    private static PiecewiseLinear Knots(FittedLaw law, int[] positions, double[] values)
    {
        var w = law.WarmupSteps;
        var warmup = law.Warmup;
        var linear = Enumerable.Range(0, w + 1).All(i => Math.Abs(warmup[i] - (warmup[0] + (warmup[w] - warmup[0]) * i / Math.Max(1, w))) < 1e-9);
        var steps = new List<long>();
        var factors = new List<double>();
        for (var i = 0; i < w; i++)
        {
            if (!linear || i == 0)
            {
                steps.Add(i);
                factors.Add(warmup[i]);
            }
        }

        for (var j = 0; j < positions.Length; j++)
        {
            steps.Add(positions[j]);
            factors.Add(values[j] * warmup[w]);
        }

        return new PiecewiseLinear(steps, factors);
    }

    /// <summary>Starting tails, as knot values: constant, linear to 0, cosine to 0, and stable then linear cooldowns over the last 20% and 40%.</summary>
    private static IEnumerable<double[]> Starts(int[] positions, int steps)
    {
        var w = positions[0];
        double P(int j) => (double)(positions[j] - w) / (steps - 1 - w);
        IEnumerable<Func<double, double>> shapes =
        [
            _ => 1.0,
            p => 1 - p,
            p => 0.5 * (1 + Math.Cos(Math.PI * p)),
            p => p < 0.8 ? 1 : (1 - p) / 0.2,
            p => p < 0.6 ? 1 : (1 - p) / 0.4,
        ];
        foreach (var shape in shapes)
        {
            var v = Enumerable.Range(0, positions.Length).Select(j => Math.Max(1e-3, shape(P(j)))).ToArray();
            var r = new double[positions.Length - 1];
            for (var j = 1; j < positions.Length; j++)
            {
                r[j - 1] = Math.Clamp(v[j] / v[j - 1], 0, 1);
            }

            yield return r;
        }
    }

    private sealed class Problem(FittedLaw law, int steps, int[] positions)
    {
        private readonly double _unit = law.PeakLr / law.LrUnit;

        internal static double[] Values(double[] r)
        {
            var v = new double[r.Length + 1];
            v[0] = 1;
            for (var j = 0; j < r.Length; j++)
            {
                v[j + 1] = v[j] * r[j];
            }

            return v;
        }

        /// <summary>The rates of every step (units of the fitted peak): the warmup, then the knots interpolated.</summary>
        internal double[] Rates(double[] values)
        {
            var rates = new double[steps];
            var w = law.WarmupSteps;
            for (var t = 0; t <= w; t++)
            {
                rates[t] = law.Warmup[t];
            }

            var peak = law.Warmup[w];
            for (var j = 0; j + 1 < positions.Length; j++)
            {
                for (var t = positions[j] + 1; t <= Math.Min(positions[j + 1], steps - 1); t++)
                {
                    var p = (double)(t - positions[j]) / (positions[j + 1] - positions[j]);
                    rates[t] = peak * (values[j] + (values[j + 1] - values[j]) * p);
                }
            }

            return rates;
        }

        /// <summary>The predicted final loss and, when asked, its gradient in the ratios <paramref name="r"/>.</summary>
        internal double Loss(double[] r, double[]? gradient)
        {
            var values = Values(r);
            var rates = Rates(values);
            var sums = new LrSums([.. rates.Select(u => u * _unit)], 1.0, law.WarmupArea);
            var dRates = new double[steps];
            var loss = law.Law.FinalLoss(sums, dRates);
            if (gradient is null)
            {
                return loss;
            }

            // dL/dv_j through the interpolation (rates are in units of the peak; the law's sums in units of LrUnit).
            var peak = law.Warmup[law.WarmupSteps];
            var dValues = new double[values.Length];
            for (var j = 0; j + 1 < positions.Length; j++)
            {
                for (var t = positions[j] + 1; t <= Math.Min(positions[j + 1], steps - 1); t++)
                {
                    var p = (double)(t - positions[j]) / (positions[j + 1] - positions[j]);
                    dValues[j] += dRates[t] * _unit * peak * (1 - p);
                    dValues[j + 1] += dRates[t] * _unit * peak * p;
                }
            }

            // v_j = prod_(i <= j) r_i: dL/dr_i = sum_(j >= i) dL/dv_j * prod_(l <= j, l != i) r_l (r indexed from 1 here).
            for (var i = 1; i < values.Length; i++)
            {
                var before = values[i - 1];
                var after = 1.0;
                var sum = 0.0;
                for (var j = i; j < values.Length; j++)
                {
                    if (j > i)
                    {
                        after *= r[j - 1];
                    }

                    sum += dValues[j] * before * after;
                }

                gradient[i - 1] = sum;
            }

            return loss;
        }

        internal double[] Minimize(double[] start)
        {
            var tracked = (Value: Loss(start, null), R: start);
            var objective = ObjectiveFunction.Gradient(x =>
            {
                var r = x.ToArray();
                var g = new double[r.Length];
                var value = Loss(r, g);
                if (value < tracked.Value)
                {
                    tracked = (value, r);
                }

                return (value, Vector<double>.Build.DenseOfArray(g));
            });
            var lower = Vector<double>.Build.Dense(start.Length, 0.0);
            var upper = Vector<double>.Build.Dense(start.Length, 1.0);
            try
            {
                new BfgsBMinimizer(1e-10, 1e-12, 1e-14, 2000).FindMinimum(objective, lower, upper, Vector<double>.Build.DenseOfArray(start));
            }
            catch (Exception e) when (e is MaximumIterationsException or InnerOptimizationException or ArgumentException or MathNet.Numerics.NonConvergenceException or OptimizationException)
            {
                // Keep the best point reached (tracked above).
            }

            return [.. tracked.R.Select(v => Math.Clamp(v, 0, 1))];
        }
    }
}
