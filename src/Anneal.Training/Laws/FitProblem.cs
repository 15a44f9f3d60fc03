namespace Anneal.Training.Laws;

/// <summary>
/// The fitted points of a set of curves, grouped by schedule (seeds of one schedule share their learning rates, so the
/// law is evaluated once per schedule), and the Huber objective over them.
/// </summary>
internal sealed class FitProblem
{
    private readonly List<Group> _groups = [];
    private readonly double _delta;
    private readonly int _burnIn;

    internal FitProblem(IReadOnlyList<LossCurve> curves, double referenceLr, FitOptions options)
    {
        _delta = options.HuberDelta;
        ReferenceLr = referenceLr;
        WarmupArea = options.WarmupArea;
        var burnIn = Math.Max(1, options.BurnIn ?? 0);
        _burnIn = burnIn;
        foreach (var curve in curves)
        {
            var group = _groups.FirstOrDefault(g => g.LearningRates.SequenceEqual(curve.LearningRates));
            if (group is null)
            {
                group = new Group(curve.LearningRates, new LrSums(curve.LearningRates, referenceLr, options.WarmupArea));
                _groups.Add(group);
            }

            foreach (var p in Fitted(curve, group.Sums, burnIn))
            {
                group.Points.Add(p);
                group.Needed.AsSpan(p.FirstSteps, p.LastSteps - p.FirstSteps + 1).Fill(true);
            }
        }

        PointCount = _groups.Sum(g => g.Points.Count);
        if (PointCount > 0)
        {
            MinLoss = _groups.SelectMany(g => g.Points).Min(p => p.Loss);
            var earliest = _groups.SelectMany(g => g.Points.Select(p => (Area: g.Sums.Area(p.FirstSteps), p.Loss))).MinBy(x => x.Area);
            EarliestPoint = earliest;
        }
    }

    internal double ReferenceLr { get; }

    internal WarmupArea WarmupArea { get; }

    internal int PointCount { get; }

    internal double MinLoss { get; }

    internal (double Area, double Loss) EarliestPoint { get; }

    private static IEnumerable<CurvePoint> Fitted(LossCurve curve, LrSums sums, int burnIn) =>
        curve.Points.Where(p => p.FirstSteps >= burnIn && sums.Area(p.FirstSteps) > 0);

    /// <summary>
    /// <c>sum H(ln y - ln yhat) / (N delta)</c> over the N points (about the mean absolute log residual where residuals
    /// exceed delta), and its gradient in the free variables <paramref name="z"/> when <paramref name="gradient"/> is given.
    /// </summary>
    internal double Objective(LawFitter.ParameterMap map, double[] z, double[]? gradient)
    {
        var theta = map.ToTheta(z);
        if (theta.Any(t => !double.IsFinite(t)))
        {
            return Invalid(gradient);
        }

        var law = LossLaw.FromVector(map.Kind, theta);
        var dTheta = new double[theta.Length];
        var total = 0.0;
        var width = theta.Length;
        foreach (var g in _groups)
        {
            var evaluator = law.Prepare(g.Sums);
            var steps = g.Needed.Length;
            var loss = new double[steps];
            var grads = gradient is null ? [] : new double[steps * width];
            for (var n = 1; n < steps; n++)
            {
                if (g.Needed[n])
                {
                    loss[n] = evaluator.Loss(n, gradient is null ? [] : grads.AsSpan(n * width, width));
                }
            }

            foreach (var p in g.Points)
            {
                var count = p.LastSteps - p.FirstSteps + 1;
                var yhat = 0.0;
                for (var n = p.FirstSteps; n <= p.LastSteps; n++)
                {
                    yhat += loss[n];
                }

                yhat /= count;
                if (!(yhat > 0) || !double.IsFinite(yhat))
                {
                    return Invalid(gradient);
                }

                var r = Math.Log(p.Loss) - Math.Log(yhat);
                var abs = Math.Abs(r);
                total += abs <= _delta ? 0.5 * r * r : _delta * (abs - 0.5 * _delta);
                if (gradient is not null)
                {
                    // dH/dtheta = H'(r) * (-1 / yhat) * d yhat / dtheta.
                    var scale = -(abs <= _delta ? r : _delta * Math.Sign(r)) / yhat / count;
                    for (var n = p.FirstSteps; n <= p.LastSteps; n++)
                    {
                        for (var i = 0; i < width; i++)
                        {
                            dTheta[i] += scale * grads[n * width + i];
                        }
                    }
                }
            }
        }

        var norm = PointCount * _delta;
        if (gradient is not null)
        {
            map.Chain(theta, dTheta, gradient, 1 / norm);
            if (gradient.Any(g => !double.IsFinite(g)))
            {
                return Invalid(gradient);
            }
        }

        return total / norm;
    }

    /// <summary>How well <paramref name="law"/> fits <paramref name="curve"/>'s fitted points (those after the burn-in), and its final loss.</summary>
    internal FitSource Describe(LossCurve curve, LossLaw law)
    {
        var sums = new LrSums(curve.LearningRates, ReferenceLr, WarmupArea);
        var curveValues = law.Curve(sums);
        var points = Fitted(curve, sums, _burnIn).ToList();
        var errors = points.Select(p =>
        {
            var yhat = Enumerable.Range(p.FirstSteps, p.LastSteps - p.FirstSteps + 1).Average(n => curveValues[n - 1]);
            return Math.Abs(yhat - p.Loss) / p.Loss;
        }).ToList();
        var last = curve.Points.Count > 0 ? curve.Points.MaxBy(p => p.LastSteps) : (CurvePoint?)null;
        return new FitSource
        {
            Name = curve.Name,
            Steps = curve.LearningRates.Count,
            PeakLr = curve.PeakLr,
            WarmupSteps = sums.PeakIndex,
            Points = points.Count,
            MeanRelativeError = errors.Count > 0 ? errors.Average() : double.NaN,
            MaxRelativeError = errors.Count > 0 ? errors.Max() : double.NaN,
            FinalObserved = last is { } l && l.LastSteps == curve.LearningRates.Count ? l.Loss : null,
            FinalFitted = curveValues[^1],
        };
    }

    private static double Invalid(double[]? gradient)
    {
        if (gradient is not null)
        {
            Array.Clear(gradient);
        }

        return 1e6;
    }

    private sealed class Group(IReadOnlyList<double> learningRates, LrSums sums)
    {
        internal IReadOnlyList<double> LearningRates { get; } = learningRates;

        internal LrSums Sums { get; } = sums;

        internal List<CurvePoint> Points { get; } = [];

        internal bool[] Needed { get; } = new bool[sums.Steps + 1];
    }
}
