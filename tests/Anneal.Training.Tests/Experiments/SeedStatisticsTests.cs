using Anneal.Training.Experiments;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary>The interval arithmetic of <c>anneal compare --seeds</c>, against printed t tables and hand-worked examples.</summary>
public sealed class SeedStatisticsTests
{
    /// <summary>t(0.975, dof) from a printed table (two-sided 95%, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2), 3 decimals.</summary>
    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(3, 3.182)]
    [InlineData(4, 2.776)]
    [InlineData(5, 2.571)]
    [InlineData(9, 2.262)]
    [InlineData(19, 2.093)]
    [InlineData(29, 2.045)]
    [InlineData(100, 1.984)]
    public void TheTQuantileIsTheTablesTwoSidedNinetyFivePercentValue(int dof, double table)
    {
        Assert.Equal(table, SeedStatistics.TQuantile(dof), 3);
    }

    [Fact]
    public void ThreeValuesGiveTheMeanTheSampleStdAndTheStudentTInterval()
    {
        // 1, 2, 3: mean 2, s = 1 (n - 1), half-width 4.303 / sqrt(3) = 2.484.
        var s = SeedStatistics.Summarize([1.0, 2.0, 3.0]);
        Assert.Equal(3, s.Count);
        Assert.Equal(2.0, s.Mean, 12);
        Assert.Equal(1.0, s.StandardDeviation!.Value, 12);
        Assert.Equal(2.0 - 2.484, s.Ci95Low!.Value, 3);
        Assert.Equal(2.0 + 2.484, s.Ci95High!.Value, 3);
        Assert.Equal(2.484, s.HalfWidth!.Value, 3);

        // Two values 0.50 and 0.52: s = 0.01414, half-width 12.706 x 0.01414 / sqrt(2) = 0.12706.
        var two = SeedStatistics.Summarize([0.50, 0.52]);
        Assert.Equal(0.51, two.Mean, 12);
        Assert.Equal(0.014142, two.StandardDeviation!.Value, 6);
        Assert.Equal(0.51 - 0.12706, two.Ci95Low!.Value, 4);

        // Five values: 0.60, 0.62, 0.61, 0.63, 0.59: mean 0.61, s = 0.015811, half-width 2.776 x 0.015811 / sqrt(5) = 0.019630.
        var five = SeedStatistics.Summarize([0.60, 0.62, 0.61, 0.63, 0.59]);
        Assert.Equal(0.61, five.Mean, 12);
        Assert.Equal(0.015811, five.StandardDeviation!.Value, 6);
        Assert.Equal(0.01963, five.HalfWidth!.Value, 4);
    }

    [Fact]
    public void OneValueHasNoSpreadAndNoInterval()
    {
        var s = SeedStatistics.Summarize([0.75]);
        Assert.Equal(new SeedSummary(1, 0.75, null, null, null), s);
        Assert.Null(s.HalfWidth);
        Assert.Throws<ArgumentException>(() => SeedStatistics.Summarize([]));
        Assert.Throws<ArgumentException>(() => SeedStatistics.Summarize([1.0, double.NaN]));
    }

    [Fact]
    public void PairedDifferencesAreTakenSeedBySeed()
    {
        // The seeds differ far more from one another (1.0 to 2.0) than the schedules do (0.1 every seed): each schedule's
        // own interval is wide, and the two overlap almost entirely, but the paired difference is exactly 0.1 every seed.
        double[] best = [1.0, 1.5, 2.0];
        double[] other = [1.1, 1.6, 2.1];
        var a = SeedStatistics.Summarize(best);
        var b = SeedStatistics.Summarize(other);
        Assert.True(b.Ci95Low < a.Ci95High, "the unpaired intervals overlap");
        var d = SeedStatistics.Paired(other, best);
        Assert.Equal([0.1, 0.1, 0.1], d.Differences.Select(x => Math.Round(x, 12)));
        Assert.Equal(0.1, d.Summary.Mean, 12);
        Assert.Equal(0.0, d.Summary.StandardDeviation!.Value, 12);
        Assert.True(d.Significant);
        Assert.False(SeedStatistics.Tied(d));
        Assert.Throws<ArgumentException>(() => SeedStatistics.Paired([1.0, 2.0], [1.0]));
    }

    [Fact]
    public void TheTieRuleIsThePairedIntervalReachingZero()
    {
        // d = 0.1, 0.2, 0.1: mean 0.1333, s = 0.05774, half-width 4.303 x 0.05774 / sqrt(3) = 0.1434: [-0.0101, 0.2768], tied.
        var tied = SeedStatistics.Paired([1.0, 1.2, 1.1], [0.9, 1.0, 1.0]);
        Assert.Equal(0.13333, tied.Summary.Mean, 5);
        Assert.Equal(-0.0101, tied.Summary.Ci95Low!.Value, 4);
        Assert.Equal(0.2768, tied.Summary.Ci95High!.Value, 4);
        Assert.True(SeedStatistics.Tied(tied));

        // d = 0.10, 0.11, 0.12: mean 0.11, s = 0.01, half-width 0.02484: [0.0852, 0.1348], a significant lead.
        var lead = SeedStatistics.Paired([1.10, 1.21, 1.32], [1.0, 1.1, 1.2]);
        Assert.Equal(0.0852, lead.Summary.Ci95Low!.Value, 4);
        Assert.False(SeedStatistics.Tied(lead));

        // One seed: no interval, so only an exact equality ties.
        Assert.True(SeedStatistics.Tied(SeedStatistics.Paired([1.0], [1.0])));
        Assert.False(SeedStatistics.Tied(SeedStatistics.Paired([1.01], [1.0])));
    }
}
