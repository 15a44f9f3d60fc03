namespace Anneal.Training.Laws;

/// <summary>
/// The multi-power law of Luo et al., ICLR 2025 ("A Multi-Power Law for Loss Curve Prediction Across Learning Rate
/// Schedules"), in the notation of <see cref="LrSums"/> (rates <c>u</c> in units of the fitted peak; the loss after
/// <c>n</c> steps has seen <c>u_0 .. u_(n-1)</c>; <c>W</c> is the end of the warmup, <see cref="LrSums.PeakIndex"/>):
/// <code>
/// L(n)   = L0 + A * S1(n)^(-alpha) - LD(n)
/// S1(n)  = sum_(i &lt; n) u_i                     (the paper's S1(t) + S_W: the warmup's area included)
/// LD(n)  = B * sum_(W &lt; k &lt; n) (u_(k-1) - u_k) * G(u_k^(-gamma) * S_k(n)),   S_k(n) = sum_(k &lt;= i &lt; n) u_i
/// G(x)   = 1 - (C x + 1)^(-beta)
/// </code>
/// The first term is the constant-LR power law of the area under the schedule; each drop of the rate after the warmup
/// adds a loss reduction that grows, saturating, with the area travelled at the lower rate. At step 0 of a schedule
/// whose first rate is 0 (a warmup from 0) the area is 0 and the loss is undefined: laws speak from the first step on.
/// </summary>
/// <param name="L0">The loss an infinite constant-LR run would reach.</param>
/// <param name="A">Scale of the power law of the area.</param>
/// <param name="Alpha">Exponent of the power law of the area (&gt; 0).</param>
/// <param name="B">Scale of the loss drop per unit drop of the rate.</param>
/// <param name="C">Rate at which a drop's benefit saturates.</param>
/// <param name="Beta">Exponent of the saturation.</param>
/// <param name="Gamma">How much a low rate speeds the saturation per unit of area (<c>u_k^-gamma</c>); the fit keeps it in (0, 1), so that the benefit of a drop accrues at most per step, not faster the lower the rate.</param>
public sealed record MultiPowerLaw(double L0, double A, double Alpha, double B, double C, double Beta, double Gamma) : LossLaw
{
    /// <summary>The parameter names in vector order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["L0", "A", "alpha", "B", "C", "beta", "gamma"];

    /// <summary>Rates below this count as this (so that <c>u^-gamma</c> stays finite at a rate of 0).</summary>
    internal const double RateFloor = 1e-12;

    /// <inheritdoc />
    public override LawKind Kind => LawKind.MultiPower;

    /// <inheritdoc />
    public override IReadOnlyList<string> ParameterNames => Names;

    /// <inheritdoc />
    public override double[] ToVector() => [L0, A, Alpha, B, C, Beta, Gamma];

    internal override ICurveEvaluator Prepare(LrSums sums) => new Evaluator(this, sums);

    internal override double FinalLoss(LrSums sums, Span<double> gradient)
    {
        var n = sums.Steps;
        var w = sums.PeakIndex;
        var area = sums.Area(n);
        var loss = L0 + A * Math.Pow(area, -Alpha);
        var dArea = -Alpha * A * Math.Pow(area, -Alpha - 1);
        if (w + 1 >= n)
        {
            for (var t = w + 1; t < n; t++)
            {
                gradient[t] = dArea;
            }

            return loss;
        }

        // g[k] = G(x_k), h[k] = G'(x_k); x_k = u_k^-gamma * R_k with R_k = sum_(k <= i < n) u_i.
        var count = n - (w + 1);
        var g = new double[count];
        var h = new double[count];
        var ug = new double[count];
        var r = new double[count];
        var drop = 0.0;
        var tail = 0.0;
        for (var t = n - 1; t > w; t--)
        {
            tail += sums.Rate(t);
            var j = t - w - 1;
            r[j] = tail;
            ug[j] = Math.Pow(Math.Max(sums.Rate(t), RateFloor), -Gamma);
            var x = ug[j] * tail;
            var z = 1 + C * x;
            var logZ = LogOnePlus(C * x);
            var zb = Math.Exp(-Beta * logZ);
            g[j] = OneMinusExp(Beta * logZ);
            h[j] = Beta * C * zb / z;
            drop += (sums.Rate(t - 1) - sums.Rate(t)) * g[j];
        }

        loss -= B * drop;

        // dL/du_t = dArea + B g_t - B g_(t+1) + B gamma d_t h_t u_t^(-gamma-1) R_t - B sum_(w < k <= t) d_k h_k u_k^-gamma.
        var through = 0.0;
        for (var t = w + 1; t < n; t++)
        {
            var j = t - w - 1;
            var d = sums.Rate(t - 1) - sums.Rate(t);
            through += d * h[j] * ug[j];
            var u = Math.Max(sums.Rate(t), RateFloor);
            var next = t + 1 < n ? g[j + 1] : 0.0;
            gradient[t] = dArea + B * g[j] - B * next + B * Gamma * d * h[j] * ug[j] / u * r[j] - B * through;
        }

        return loss;
    }

    /// <summary><c>ln(1 + x)</c>, accurate for small <c>x</c>.</summary>
    internal static double LogOnePlus(double x) => Math.Abs(x) < 1e-4 ? x * (1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x))) : Math.Log(1 + x);

    /// <summary>
    /// <c>1 - e^-y</c>, accurate for small <c>y</c>: <c>G = 1 - (Cx + 1)^-beta</c> as <c>1 - e^(-beta ln(1 + Cx))</c>
    /// loses every digit to cancellation when beta is tiny (fits drift towards beta -> 0 with B*beta fixed, the law's
    /// logarithmic limit), which shows as a staircase in the fitted curves.
    /// </summary>
    internal static double OneMinusExp(double y) => Math.Abs(y) < 1e-5 ? y * (1 - y * (0.5 - y / 6)) : 1 - Math.Exp(-y);

    private sealed class Evaluator : ICurveEvaluator
    {
        private readonly MultiPowerLaw _law;
        private readonly LrSums _sums;
        private readonly double[] _ug;
        private readonly double[] _logU;
        private readonly double[] _drop;

        internal Evaluator(MultiPowerLaw law, LrSums sums)
        {
            _law = law;
            _sums = sums;
            var steps = sums.DropSteps;
            _ug = new double[steps.Length];
            _logU = new double[steps.Length];
            _drop = new double[steps.Length];
            for (var j = 0; j < steps.Length; j++)
            {
                var k = steps[j];
                var u = Math.Max(sums.Rate(k), RateFloor);
                _logU[j] = Math.Log(u);
                _ug[j] = Math.Exp(-law.Gamma * _logU[j]);
                _drop[j] = sums.Rate(k - 1) - sums.Rate(k);
            }
        }

        public double Loss(int steps, Span<double> gradient)
        {
            var l = _law;
            var area = _sums.Area(steps);
            var power = Math.Pow(area, -l.Alpha);
            double sumG = 0, sumC = 0, sumBeta = 0, sumGamma = 0;
            var drops = _sums.DropSteps;
            var wantGradient = !gradient.IsEmpty;
            for (var j = 0; j < drops.Length && drops[j] < steps; j++)
            {
                var sk = _sums.Sum(drops[j], steps);
                if (sk <= 0)
                {
                    continue;
                }

                var x = _ug[j] * sk;
                var z = 1 + l.C * x;
                var logZ = LogOnePlus(l.C * x);
                var zb = Math.Exp(-l.Beta * logZ);
                var d = _drop[j];
                sumG += d * OneMinusExp(l.Beta * logZ);
                if (wantGradient)
                {
                    var dz = l.Beta * zb / z;
                    sumC += d * dz * x;
                    sumBeta += d * zb * logZ;
                    sumGamma += d * dz * l.C * x * _logU[j];
                }
            }

            if (wantGradient)
            {
                gradient[0] = 1;
                gradient[1] = power;
                gradient[2] = -l.A * power * Math.Log(area);
                gradient[3] = -sumG;
                gradient[4] = -l.B * sumC;
                gradient[5] = -l.B * sumBeta;
                gradient[6] = l.B * sumGamma;
            }

            return l.L0 + l.A * power - l.B * sumG;
        }
    }
}
