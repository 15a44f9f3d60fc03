using Anneal.Training.Data;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Anneal.Training.Laws;

/// <summary>
/// Fits a <see cref="LossLaw"/> to loss curves as both papers do: minimize the Huber loss of the log residuals
/// <c>ln y - ln yhat</c> over every fitted point of every curve, by BFGS (MathNet.Numerics) from a grid of starting
/// points (a short search from each, then the best few to convergence), keeping the best. Positive parameters are fitted as logarithms (the Tissue law's <c>lambda</c> and the multi-power <c>gamma</c> as logits, in (0, 1)),
/// so the search is unconstrained; learning rates are counted in units of the runs' peak (<see cref="LrSums"/>).
/// </summary>
public static class LawFitter
{
    /// <summary>
    /// Fits <c>options.Law</c> to finished runs of one model, data and optimizer (refused otherwise, naming the
    /// difference), on their validation points or binned training losses as <paramref name="options"/> says; the law
    /// keeps the runs' seeds, tokens per step and training options. What <c>anneal fit</c> does, and what a comparison
    /// calls to fit on some of its runs: <c>LawFitter.Fit([constant, cosine], options).Predict(name, schedule, steps).Final</c>.
    /// </summary>
    /// <exception cref="LawInputException">The runs differ in model, data or optimizer, or the fit has nothing to fit.</exception>
    public static FittedLaw Fit(IReadOnlyList<TrainedRun> runs, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(options);
        TrainedRuns.CheckSameSetup(runs);
        var fitted = Fit([.. runs.Select(r => r.ToCurve(options))], options);
        return fitted with
        {
            Sources = [.. fitted.Sources.Zip(runs, (s, r) => s with { Seed = r.Seed })],
            TokensPerStep = runs.Count > 0 ? runs[0].TokensPerStep : 0,
            TrainingOptions = runs.Count > 0 ? runs[0].Options : null,
        };
    }

    /// <summary>Fits <c>options.Law</c> to <paramref name="curves"/>.</summary>
    /// <exception cref="LawInputException">No curve, no point left after the burn-in, or an invalid option or curve.</exception>
    public static FittedLaw Fit(IReadOnlyList<LossCurve> curves, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (curves.Count == 0)
        {
            throw new LawInputException(LawOption.Runs, ": none given; give at least one run to fit");
        }

        foreach (var c in curves)
        {
            try
            {
                c.Validate();
            }
            catch (ArgumentException e)
            {
                throw new LawInputException(LawOption.Runs, ": " + e.Message);
            }
        }

        options = options with { BurnIn = options.BurnIn ?? curves.Max(c => c.LearningRates.Count) / 2 };
        var peak = curves.Max(c => c.PeakLr);
        var reference = options.PeakUnits ? peak : 1.0;
        var problem = new FitProblem(curves, reference, options);
        if (problem.PointCount == 0)
        {
            throw new LawInputException(LawOption.BurnIn, $"{options.BurnIn} leaves no point to fit: every observation is before it; lower it");
        }

        // Every start gets a short search; the most promising few are searched to convergence.
        var map = new ParameterMap(options.Law, options);
        var scouted = Starts(options.Law, options.Lambda, problem)
            .Select(start => Minimize(problem, map, map.ToFree(map.WithFixed(start)), ScoutIterations))
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
            throw new LawInputException(null, "the fit failed from every starting point (the loss curves may not fall); check the runs");
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

    /// <summary>
    /// From the law's parameters to the free variables the search moves and back: L0 as it is, the Tissue law's lambda
    /// and the multi-power gamma as logits (both in (0, 1)), every other parameter as a logarithm; fixed parameters (<see cref="FitOptions.Fixed"/>, the Tissue
    /// law's <see cref="FitOptions.Lambda"/>) are not searched.
    /// </summary>
    internal sealed class ParameterMap
    {
        private readonly int[] _free;
        private readonly double?[] _fixed;

        internal ParameterMap(LawKind kind, FitOptions options)
        {
            Kind = kind;
            var names = LossLaw.NamesOf(kind);
            _fixed = new double?[names.Count];
            for (var i = 0; i < names.Count; i++)
            {
                if (options.Fixed.TryGetValue(names[i], out var v))
                {
                    _fixed[i] = v;
                }
            }

            if (kind == LawKind.Tissue && options.Lambda is { } lambda)
            {
                _fixed[4] = lambda;
            }

            _free = [.. Enumerable.Range(0, names.Count).Where(i => _fixed[i] is null)];
        }

        internal LawKind Kind { get; }

        internal int Count => _free.Length;

        /// <summary><paramref name="theta"/> with the fixed parameters set.</summary>
        internal double[] WithFixed(double[] theta) => [.. theta.Select((t, i) => _fixed[i] ?? t)];

        internal double[] ToFree(double[] theta) => [.. _free.Select(i => IsLogit(i) ? Math.Log(theta[i] / (1 - theta[i])) : i == 0 ? theta[0] : Math.Log(theta[i]))];

        internal double[] ToTheta(double[] z)
        {
            var theta = _fixed.Select(f => f ?? 0).ToArray();
            for (var j = 0; j < _free.Length; j++)
            {
                var i = _free[j];
                theta[i] = IsLogit(i) ? 1 / (1 + Math.Exp(-z[j])) : i == 0 ? z[j] : Math.Exp(z[j]);
            }

            return theta;
        }

        /// <summary>The free variables' gradient from the parameters' gradient <paramref name="dTheta"/>.</summary>
        internal void Chain(double[] theta, double[] dTheta, double[] gradient, double scale)
        {
            for (var j = 0; j < _free.Length; j++)
            {
                var i = _free[j];
                var slope = i == 0 ? 1 : IsLogit(i) ? theta[i] * (1 - theta[i]) : theta[i];
                gradient[j] = dTheta[i] * slope * scale;
            }
        }

        internal LossLaw ToLaw(double[] z) => LossLaw.FromVector(Kind, ToTheta(z));

        // Tissue's lambda in (0, 1); the multi-power gamma in (0, 1) as well: with gamma > 1 the benefit of a drop would
        // accrue faster the lower the rate (u^-gamma * S_k grows as u -> 0), and two-run fits ran off to gamma ~ 100,
        // predicting losses of -10^4 for schedules that decay to 0.
        private bool IsLogit(int i) => (Kind == LawKind.Tissue && i == 4) || (Kind == LawKind.MultiPower && i == 6);
    }
}
