namespace Anneal.Training.Laws;

/// <summary>
/// The learning-rate annealing law of Tissue et al. 2024 ("Scaling Law with Learning Rate Annealing"), in the notation
/// of <see cref="LrSums"/> (rates <c>u</c> in units of the fitted peak; the loss after <c>n</c> steps has seen
/// <c>u_0 .. u_(n-1)</c>; <c>W</c> is the end of the warmup, <see cref="LrSums.PeakIndex"/>):
/// <code>
/// L(n)  = L0 + A * S1(n)^(-alpha) - C * S2(n)
/// S1(n) = sum_(i &lt; n) u_i                            (forward area)
/// S2(n) = sum_(1 &lt;= i &lt; n) m_i,   m_i = lambda * m_(i-1) + (u_(i-1) - u_i) for i &gt; W, m_i = 0 for i &lt;= W
/// </code>
/// <c>S2</c>, the annealing area, is the decayed sum of the drops: a drop keeps paying, at a rate that fades with
/// <c>lambda</c> (the paper's runs use 0.999, a memory of about 1,000 steps). The paper counts the warmup at the peak LR
/// in <c>S1</c> (<see cref="WarmupArea.Peak"/>). At step 0 of a warmup from 0 the area is 0 and the loss undefined.
/// </summary>
/// <param name="L0">The loss an infinite constant-LR run would reach.</param>
/// <param name="A">Scale of the power law of the forward area.</param>
/// <param name="Alpha">Exponent of the power law (&gt; 0).</param>
/// <param name="C">Loss reduction per unit of annealing area.</param>
/// <param name="Lambda">Decay factor of the annealing momentum, in (0, 1).</param>
public sealed record TissueLaw(double L0, double A, double Alpha, double C, double Lambda) : LossLaw
{
    /// <summary>The parameter names in vector order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["L0", "A", "alpha", "C", "lambda"];

    /// <inheritdoc />
    public override LawKind Kind => LawKind.Tissue;

    /// <inheritdoc />
    public override IReadOnlyList<string> ParameterNames => Names;

    /// <inheritdoc />
    public override double[] ToVector() => [L0, A, Alpha, C, Lambda];

    internal override ICurveEvaluator Prepare(LrSums sums) => new Evaluator(this, sums);

    internal override double FinalLoss(LrSums sums, Span<double> gradient)
    {
        // S2(n) = sum_(W < j < n) d_j c_j with c_j = sum_(j <= i < n) lambda^(i-j) = (1 - lambda^(n-j)) / (1 - lambda).
        var n = sums.Steps;
        var w = sums.PeakIndex;
        var area = sums.Area(n);
        var dArea = -Alpha * A * Math.Pow(area, -Alpha - 1);
        var s2 = 0.0;
        for (var j = w + 1; j < n; j++)
        {
            s2 += (sums.Rate(j - 1) - sums.Rate(j)) * Weight(n - j);
        }

        for (var t = w + 1; t < n; t++)
        {
            var next = t + 1 < n ? Weight(n - t - 1) : 0.0;
            gradient[t] = dArea - C * (next - Weight(n - t));
        }

        return L0 + A * Math.Pow(area, -Alpha) - C * s2;
    }

    /// <summary><c>sum_(0 &lt;= i &lt; count) lambda^i</c>.</summary>
    private double Weight(int count) => Lambda == 1 ? count : (1 - Math.Pow(Lambda, count)) / (1 - Lambda);

    private sealed class Evaluator : ICurveEvaluator
    {
        private readonly TissueLaw _law;
        private readonly LrSums _sums;
        private readonly double[] _s2;
        private readonly double[] _dS2;

        internal Evaluator(TissueLaw law, LrSums sums)
        {
            _law = law;
            _sums = sums;
            _s2 = new double[sums.Steps + 1];
            _dS2 = new double[sums.Steps + 1];
            double m = 0, dm = 0;
            for (var i = 1; i < sums.Steps; i++)
            {
                var d = i > sums.PeakIndex ? sums.Rate(i - 1) - sums.Rate(i) : 0.0;
                dm = m + law.Lambda * dm;
                m = law.Lambda * m + d;
                _s2[i + 1] = _s2[i] + m;
                _dS2[i + 1] = _dS2[i] + dm;
            }
        }

        public double Loss(int steps, Span<double> gradient)
        {
            var l = _law;
            var area = _sums.Area(steps);
            var power = Math.Pow(area, -l.Alpha);
            if (!gradient.IsEmpty)
            {
                gradient[0] = 1;
                gradient[1] = power;
                gradient[2] = -l.A * power * Math.Log(area);
                gradient[3] = -_s2[steps];
                gradient[4] = -l.C * _dS2[steps];
            }

            return l.L0 + l.A * power - l.C * _s2[steps];
        }
    }
}
