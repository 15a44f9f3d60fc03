using Anneal.Training.Data;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Anneal.Training.Laws;

/// <summary>
/// Fits a <see cref="LossLaw"/> to loss curves as both papers do: minimize the Huber loss of the log residuals
/// <c>ln y - ln yhat</c> over every fitted point of every curve, by BFGS (MathNet.Numerics) from a grid of starting
/// points (a short search from each, then the best few to convergence), keeping the best. Positive parameters are fitted as logarithms (the Tissue law's <c>lambda</c> as a logit),
/// so the search is unconstrained; learning rates are counted in units of the runs' peak (<see cref="LrSums"/>).
/// </summary>
public static class LawFitter
{
    /// <summary>Fits <c>options.Law</c> to <paramref name="curves"/>.</summary>
    /// <exception cref="TrainingInputException">No curve, no point left after the burn-in, or an invalid option or curve.</exception>
    public static FittedLaw Fit(IReadOnlyList<LossCurve> curves, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (curves.Count == 0)
        {
            throw new TrainingInputException("no run to fit: give at least one run directory");
        }

        foreach (var c in curves)
        {
            try
            {
                c.Validate();
            }
            catch (ArgumentException e)
            {
                throw new TrainingInputException(e.Message);
            }
        }

        var peak = curves.Max(c => c.PeakLr);
        var reference = options.PeakUnits ? peak : 1.0;
        var problem = new FitProblem(curves, reference, options);
        if (problem.PointCount == 0)
        {
            throw new TrainingInputException($"no point to fit: every observation is before the burn-in of {options.BurnIn} steps; lower --burn-in");
        }

        // Every start gets a short search; the most promising few are searched to convergence.
        var map = new ParameterMap(options.Law, options.Lambda);
        var scouted = Starts(options.Law, options.Lambda, problem)
            .Select(start => Minimize(problem, map, map.ToFree(start), ScoutIterations))
            .Select(z => (Value: problem.Objective(map, z, null), Z: z))
            .Where(r => double.IsFinite(r.Value))
            .OrderBy(r => r.Value)
            .Take(Finalists)
            .ToList();
        var best = (Value: double.PositiveInfinity, Z: (double[]?)null);
        foreach (var (_, start) in scouted)
        {
            var z = Minimize(problem, map, start, FinalIterations);
            var value = problem.Objective(map, z, null);
            if (value < best.Value)
            {
                best = (value, z);
            }
        }

        if (best.Z is null)
        {
            throw new TrainingInputException("the fit failed from every starting point (the loss curves may not fall); check the runs");
        }

        var law = map.ToLaw(best.Z);
        var sources = curves.Select(c => problem.Describe(c, law)).ToList();
        var first = new LrSums(curves[0].LearningRates, peak, options.WarmupArea);
        return new FittedLaw
        {
            Law = law,
            PeakLr = peak,
            LrUnit = reference,
            WarmupArea = options.WarmupArea,
            Warmup = [.. first.Rates.Take(first.PeakIndex + 1)],
            FittedSteps = curves.Max(c => c.LearningRates.Count),
            Options = options,
            Sources = sources,
            Objective = best.Value,
        };
    }

    /// <summary>BFGS iterations of the first, short search from every start.</summary>
    private const int ScoutIterations = 60;

    /// <summary>Starts searched to convergence.</summary>
    private const int Finalists = 4;

    /// <summary>BFGS iterations of a search to convergence.</summary>
    private const int FinalIterations = 1000;

    private static double[] Minimize(FitProblem problem, ParameterMap map, double[] start, int iterations)
    {
        var tracked = (Value: double.PositiveInfinity, Z: start);
        var objective = ObjectiveFunction.Gradient(v =>
        {
            var z = v.ToArray();
            var gradient = new double[z.Length];
            var value = problem.Objective(map, z, gradient);
            if (value < tracked.Value)
            {
                tracked = (value, z);
            }

            return (value, Vector<double>.Build.DenseOfArray(gradient));
        });
        try
        {
            var minimizer = new BfgsMinimizer(1e-9, 1e-12, 1e-14, iterations);
            minimizer.FindMinimum(objective, Vector<double>.Build.DenseOfArray(start));
        }
        catch (Exception e) when (e is MaximumIterationsException or InnerOptimizationException or ArgumentException or MathNet.Numerics.NonConvergenceException or OptimizationException)
        {
            // The best point the search reached is kept (tracked above).
        }

        return tracked.Z;
    }

    /// <summary>The grid of starting points, in the law's parameters.</summary>
    private static IEnumerable<double[]> Starts(LawKind kind, double? lambda, FitProblem problem)
    {
        var low = problem.MinLoss;
        var (firstArea, firstLoss) = problem.EarliestPoint;
        foreach (var l0 in new[] { 0.5 * low, 0.8 * low, 0.95 * low })
        {
            foreach (var alpha in new[] { 0.4, 1.0 })
            {
                var a = Math.Max(1e-6, firstLoss - l0) * Math.Pow(firstArea, alpha);
                if (kind == LawKind.MultiPower)
                {
                    foreach (var b in new[] { 0.05 * low, 0.5 * low })
                    {
                        foreach (var c in new[] { 0.01, 0.1, 1.0 })
                        {
                            yield return [l0, a, alpha, b, c, 0.5, 0.5];
                        }
                    }
                }
                else
                {
                    foreach (var c in new[] { 1e-4 * low, 1e-3 * low, 1e-2 * low })
                    {
                        foreach (var lam in lambda is { } fixedLambda ? [fixedLambda] : new[] { 0.9, 0.99, 0.999 })
                        {
                            yield return [l0, a, alpha, c, lam];
                        }
                    }
                }
            }
        }
    }

    /// <summary>From the law's parameters to the free variables the search moves (logs, a logit) and back.</summary>
    internal sealed class ParameterMap(LawKind kind, double? fixedLambda)
    {
        internal LawKind Kind { get; } = kind;

        internal int Count => Kind == LawKind.MultiPower ? 7 : fixedLambda is null ? 5 : 4;

        internal double[] ToFree(double[] theta)
        {
            var z = new double[Count];
            z[0] = theta[0];
            for (var i = 1; i < Count; i++)
            {
                z[i] = Kind == LawKind.Tissue && i == 4 ? Math.Log(theta[4] / (1 - theta[4])) : Math.Log(theta[i]);
            }

            return z;
        }

        internal double[] ToTheta(double[] z)
        {
            var theta = new double[Kind == LawKind.MultiPower ? 7 : 5];
            theta[0] = z[0];
            for (var i = 1; i < theta.Length; i++)
            {
                theta[i] = Kind == LawKind.Tissue && i == 4
                    ? fixedLambda ?? 1 / (1 + Math.Exp(-z[4]))
                    : Math.Exp(z[i]);
            }

            return theta;
        }

        /// <summary><c>d theta_i / d z_i</c>.</summary>
        internal double Slope(double[] theta, int i) => i == 0 ? 1 : Kind == LawKind.Tissue && i == 4 ? theta[4] * (1 - theta[4]) : theta[i];

        internal LossLaw ToLaw(double[] z) => LossLaw.FromVector(Kind, ToTheta(z));
    }
}
