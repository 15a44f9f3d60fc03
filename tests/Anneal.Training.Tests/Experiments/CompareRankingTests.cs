using Anneal.Training.Experiments;
using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary>Each schedule at its own best LR, ranked, with paired differences, the tie rule, the grid's edges and the conclusion (no training).</summary>
public sealed class CompareRankingTests
{
    private static readonly double[] Grid = [1e-3, 3e-3, 1e-2];
    private static readonly int[] Seeds = [1, 2, 3];
    private static readonly CompareEntry A = new("a", "constant", Description: "schedule a");
    private static readonly CompareEntry B = new("b", "constant");
    private static readonly CompareEntry C = new("c", "constant");

    [Fact]
    public void EachScheduleIsRankedAtItsOwnBestLearningRate()
    {
        var ranked = CompareRanking.Rank([A, B, C], Grid, Seeds, [.. Sweep(A, [1.30, 1.31, 1.32], [1.20, 1.21, 1.22], [1.25, 1.26, 1.27]), .. Sweep(B, [1.40, 1.41, 1.42], [1.35, 1.36, 1.37], [1.30, 1.31, null]), .. Sweep(C, [1.50, 1.52, 1.54], [1.45, 1.46, 1.47], [1.28, 1.29, 1.30])], 0.4);

        Assert.Equal(["a", "c", "b"], ranked.Select(r => r.Name));
        Assert.Equal([1, 2, 3], ranked.Select(r => r.Rank));
        Assert.Equal([3e-3, 1e-2, 3e-3], ranked.Select(r => r.BestLearningRate!.Value));
        Assert.Equal([GridEdge.None, GridEdge.Highest, GridEdge.None], ranked.Select(r => r.Edge));

        var a = ranked[0];
        Assert.Equal(1.21, a.Best!.Final!.Mean, 12);
        Assert.Equal(0.01, a.Best.Final.StandardDeviation!.Value, 12);
        Assert.Equal(1.21 - 0.024842, a.Best.Final.Ci95Low!.Value, 5); // 4.303 x 0.01 / sqrt(3)
        Assert.Null(a.DiffToBest); // the winner
        Assert.Equal(1.21 - 0.4, a.ExcessOverFloorMean!.Value, 12);

        // b's best LR would be 0.01 (1.305 over two seeds), but a seed diverged there: no mean, not eligible.
        var b = ranked[2];
        Assert.Null(b.ByLearningRate[2].Final);
        Assert.Equal(1, b.ByLearningRate[2].Diverged);
        Assert.Equal(1.36, b.Best!.Final!.Mean, 12);

        // c - a, seed by seed at their best LRs (0.01 and 0.003): 0.08 every seed.
        var c = ranked[1];
        Assert.Equal([0.08, 0.08, 0.08], c.DiffToBest!.Differences.Select(d => Math.Round(d, 12)));
        Assert.False(c.TiedWithBest);
        Assert.Equal(
            "a (schedule a) wins at peak LR 0.003: final validation loss 1.210, 95% CI 1.185 to 1.235 over 3 seeds, 0.080 (paired 95% CI 0.080 to 0.080) below the runner-up c; 0.810 above the entropy floor. " +
            "Best at the highest peak LR of the grid, so a higher one may do better: c.",
            CompareRanking.Conclusion(ranked, 3, 0.4));
    }

    [Fact]
    public void ASchedulesWhoseLeadIsWithinSeedNoiseAreTiedAndNamed()
    {
        var ranked = CompareRanking.Rank([A, B, C], Grid, Seeds, [.. Sweep(A, [1.30, 1.31, 1.32], [1.20, 1.21, 1.22], [1.25, 1.26, 1.27]), .. Sweep(B, [1.40, 1.41, 1.42], [1.21, 1.19, 1.25], [1.30, 1.31, null]), .. Sweep(C, [1.50, 1.52, 1.54], [1.45, 1.46, 1.47], [1.28, 1.29, 1.30])], null);

        Assert.Equal(["a", "b", "c"], ranked.Select(r => r.Name));
        // b - a = 0.01, -0.02, 0.03: mean 0.0067, s = 0.02517, half-width 4.303 x 0.02517 / sqrt(3) = 0.0625: [-0.056, 0.069].
        var b = ranked[1];
        Assert.Equal(-0.0558, b.DiffToBest!.Summary.Ci95Low!.Value, 4);
        Assert.True(b.TiedWithBest);
        Assert.False(ranked[2].TiedWithBest);
        Assert.Equal(
            "a and b are tied: a has the lowest mean final validation loss at peak LR 0.003 (1.210, 95% CI 1.185 to 1.235 over 3 seeds), but its lead over b (0.007, 95% CI -0.056 to 0.069) is within seed noise (the paired 95% interval includes 0); " +
            "the best of the rest, c, is 0.080 (paired 95% CI 0.080 to 0.080) behind. Best at the highest peak LR of the grid, so a higher one may do better: c.",
            CompareRanking.Conclusion(ranked, 3, null));
    }

    [Fact]
    public void OneSeedGivesNoErrorBarsAndSaysSo()
    {
        var ranked = CompareRanking.Rank([A, B], [3e-3], [1], [Run(A, 3e-3, 1, 1.25), Run(B, 3e-3, 1, 1.30)], 0.4);
        Assert.Null(ranked[0].Best!.Final!.Ci95Low);
        Assert.Equal(0.05, ranked[1].DiffToBest!.Summary.Mean, 12);
        Assert.Null(ranked[1].DiffToBest!.Summary.Ci95Low);
        Assert.False(ranked[1].TiedWithBest);
        Assert.Equal(GridEdge.None, ranked[0].Edge); // a one-point grid has no edge to flag
        Assert.Equal(
            "a (schedule a) wins at peak LR 0.003: final validation loss 1.250, 0.050 (3.8%) below the runner-up b (1.300); 0.850 above the entropy floor. One seed: the ranking carries no error bars (use 3 seeds or more).",
            CompareRanking.Conclusion(ranked, 1, 0.4));
    }

    [Fact]
    public void ABestLearningRateAtTheLowestEdgeIsFlagged()
    {
        var ranked = CompareRanking.Rank([A, B], Grid, Seeds, [.. Sweep(A, [1.10, 1.11, 1.12], [1.20, 1.21, 1.22], [1.25, 1.26, 1.27]), .. Sweep(B, [1.40, 1.41, 1.42], [1.15, 1.16, 1.17], [1.30, 1.31, 1.32])], null);
        Assert.Equal([GridEdge.Lowest, GridEdge.None], ranked.Select(r => r.Edge));
        Assert.EndsWith(" Best at the lowest peak LR of the grid, so a lower one may do better: a.", CompareRanking.Conclusion(ranked, 3, null), StringComparison.Ordinal);
    }

    [Fact]
    public void SchedulesThatDivergedEverywhereRankLast()
    {
        var ranked = CompareRanking.Rank([A, B], [3e-3], Seeds, [.. Sweep(A, [null, 1.2, 1.3]), .. Sweep(B, [1.5, 1.6, 1.7])], null);
        Assert.Equal(["b", "a"], ranked.Select(r => r.Name));
        Assert.Null(ranked[1].Best);
        Assert.Null(ranked[1].DiffToBest);
        Assert.Equal("b is the only schedule that finished at peak LR 0.003: final validation loss 1.600, 95% CI 1.352 to 1.848 over 3 seeds.", CompareRanking.Conclusion(ranked, 3, null));

        var none = CompareRanking.Rank([A], [3e-3], Seeds, [.. Sweep(A, [null, 1.2, 1.3])], null);
        Assert.Equal("No schedule finished at any peak LR with every seed: each diverged (at least one seed) at every LR of the grid.", CompareRanking.Conclusion(none, 3, null));
    }

    /// <summary>Runs of <paramref name="entry"/>: one list of finals per LR of the grid (seeds 1, 2, 3), null for a diverged seed.</summary>
    private static IEnumerable<CompareRun> Sweep(CompareEntry entry, params double?[][] finalsPerLr)
    {
        var grid = finalsPerLr.Length == 1 ? [3e-3] : Grid;
        for (var i = 0; i < finalsPerLr.Length; i++)
        {
            for (var s = 0; s < finalsPerLr[i].Length; s++)
            {
                yield return Run(entry, grid[i], Seeds[s], finalsPerLr[i][s]);
            }
        }
    }

    private static CompareRun Run(CompareEntry entry, double lr, int seed, double? final) =>
        new(new SweepRun(0, entry, lr, seed), OptimizerKind.AdamW, 0.1, "{}", final is null ? TrainingStatus.Diverged : TrainingStatus.Completed,
            final, final, null, null, 0, 10, 100, 1, 1, "", RunHistory.Empty(2));
}
