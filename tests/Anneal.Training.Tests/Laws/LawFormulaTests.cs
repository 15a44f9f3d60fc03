using Anneal.Training.Laws;
using Xunit;

namespace Anneal.Training.Tests.Laws;

/// <summary>
/// Both laws against values worked out by hand on a six-step schedule u = 0, 0.5, 1, 1, 0.5, 0.5 (a two-step warmup,
/// the peak at step 2, one drop of 0.5 at step 4), and their gradients against central differences.
/// </summary>
public sealed class LawFormulaTests
{
    private static readonly double[] Rates = [0, 0.5, 1, 1, 0.5, 0.5];
    private static readonly MultiPowerLaw Mpl = new(L0: 1, A: 2, Alpha: 0.5, B: 0.3, C: 2, Beta: 0.5, Gamma: 0.5);
    private static readonly TissueLaw Tissue = new(L0: 1, A: 2, Alpha: 0.5, C: 0.4, Lambda: 0.9);

    private static LrSums Sums(WarmupArea area = WarmupArea.Actual) => new(Rates, 1.0, area);

    [Fact]
    public void Sums_find_the_warmup_and_the_areas()
    {
        var s = Sums();
        Assert.Equal(2, s.PeakIndex);
        Assert.Equal(3.5, s.Area(6));
        Assert.Equal(1.0, s.Sum(4, 6));
        var peak = Sums(WarmupArea.Peak);
        Assert.Equal(5.0, peak.Area(6)); // the two warmup steps count at the peak: 1 + 1 + 1 + 1 + 0.5 + 0.5
        Assert.Equal(1.0, peak.Area(1));
        Assert.Equal(0.5, new LrSums([0, 0.0015, 0.003], 0.003, WarmupArea.Actual).Rate(1));
    }

    [Fact]
    public void Multi_power_law_matches_hand_computed_values()
    {
        // n = 4: no drop yet; 1 + 2 / sqrt(2.5).
        Assert.Equal(2.2649110640673518, Mpl.Loss(Sums(), 4), 12);
        // n = 5: drop 0.5 at k = 4, S_4(5) = 0.5, x = 0.5^-0.5 * 0.5; G = 1 - (2x + 1)^-0.5.
        Assert.Equal(1 + 2 / Math.Sqrt(3) - 0.3 * 0.5 * (1 - Math.Pow(2 * Math.Sqrt(0.5) + 1, -0.5)), Mpl.Loss(Sums(), 5), 12);
        Assert.Equal(2.101239676315089, Mpl.Loss(Sums(), 5), 12);
        // n = 6: S_4(6) = 1, x = 0.5^-0.5.
        Assert.Equal(1.9957071303291067, Mpl.Loss(Sums(), 6), 12);
        Assert.Equal([2.632993161855452, 2.2649110640673518, 2.101239676315089, 1.9957071303291067], Mpl.Curve(Sums())[2..], new Tol(1e-12));
    }

    [Fact]
    public void Tissue_law_matches_hand_computed_values()
    {
        // m_3 = 0, m_4 = 0.5, m_5 = 0.9 * 0.5; S2(5) = 0.5, S2(6) = 0.95.
        Assert.Equal(2.2649110640673518, Tissue.Loss(Sums(), 4), 12);
        Assert.Equal(1 + 2 / Math.Sqrt(3) - 0.4 * 0.5, Tissue.Loss(Sums(), 5), 12);
        Assert.Equal(1 + 2 / Math.Sqrt(3.5) - 0.4 * 0.95, Tissue.Loss(Sums(), 6), 12);
        Assert.Equal(1 + 2 / Math.Sqrt(5) - 0.4 * 0.95, Tissue.Loss(Sums(WarmupArea.Peak), 6), 12);
    }

    [Fact]
    public void Laws_do_not_depend_on_the_learning_rate_unit_once_rescaled()
    {
        // u in units of 0.003: the same law in raw units has A * 0.003^alpha, B unchanged in relative drops, C * 0.003^(gamma - 1).
        var raw = Rates.Select(r => r * 0.003).ToArray();
        var scaled = Mpl with { A = Mpl.A * Math.Pow(0.003, Mpl.Alpha), C = Mpl.C * Math.Pow(0.003, Mpl.Gamma - 1), B = Mpl.B / 0.003 };
        Assert.Equal(Mpl.Loss(Sums(), 6), scaled.Loss(new LrSums(raw, 1.0, WarmupArea.Actual), 6), 12);
    }

    [Theory]
    [InlineData(LawKind.MultiPower)]
    [InlineData(LawKind.Tissue)]
    public void Parameter_gradients_match_central_differences(LawKind kind)
    {
        LossLaw law = kind == LawKind.MultiPower ? Mpl : Tissue;
        var sums = Sums();
        var theta = law.ToVector();
        var gradient = new double[theta.Length];
        var value = law.Prepare(sums).Loss(6, gradient);
        Assert.Equal(law.Loss(sums, 6), value, 14);
        for (var i = 0; i < theta.Length; i++)
        {
            var h = 1e-6 * Math.Max(1, Math.Abs(theta[i]));
            var up = (double[])theta.Clone();
            var down = (double[])theta.Clone();
            up[i] += h;
            down[i] -= h;
            var numeric = (LossLaw.FromVector(kind, up).Loss(sums, 6) - LossLaw.FromVector(kind, down).Loss(sums, 6)) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) < 1e-7, $"{law.ParameterNames[i]}: analytic {gradient[i]}, numeric {numeric}");
        }
    }

    [Theory]
    [InlineData(LawKind.MultiPower)]
    [InlineData(LawKind.Tissue)]
    public void Final_loss_gradients_in_the_rates_match_central_differences(LawKind kind)
    {
        LossLaw law = kind == LawKind.MultiPower ? Mpl : Tissue;
        double[] rates = [0, 0.5, 1, 0.9, 0.7, 0.7, 0.4, 0.2, 0.05];
        var gradient = new double[rates.Length];
        var value = law.FinalLoss(new LrSums(rates, 1.0, WarmupArea.Actual), gradient);
        Assert.Equal(law.Loss(new LrSums(rates, 1.0, WarmupArea.Actual), rates.Length), value, 13);
        for (var t = 3; t < rates.Length; t++)
        {
            var up = (double[])rates.Clone();
            var down = (double[])rates.Clone();
            up[t] += 1e-6;
            down[t] -= 1e-6;
            var numeric = (law.Loss(new LrSums(up, 1.0, WarmupArea.Actual), rates.Length) - law.Loss(new LrSums(down, 1.0, WarmupArea.Actual), rates.Length)) / 2e-6;
            Assert.True(Math.Abs(numeric - gradient[t]) < 1e-7, $"step {t}: analytic {gradient[t]}, numeric {numeric}");
        }
    }

    private sealed class Tol(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
