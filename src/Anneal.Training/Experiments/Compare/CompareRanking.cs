using System.Globalization;

namespace Anneal.Training.Experiments;

/// <summary>
/// Each schedule at its own best peak LR, ranked, and the conclusion in words. Pure functions of the measured runs.
/// </summary>
/// <remarks>
/// <para><b>Best LR.</b> For each schedule, the peak LR of the grid with the lowest mean final validation loss over the
/// seeds, among the LRs where every seed completed (a diverged seed makes an LR ineligible: its mean is undefined).
/// A tie in the mean goes to the LR listed first.</para>
/// <para><b>Rank.</b> By that mean, ties by plan order; schedules without an eligible LR last, in plan order.</para>
/// <para><b>Paired difference.</b> Each schedule's final loss minus the winner's, seed by seed (both at their own best
/// LR), summarised with a 95% Student-t interval (<see cref="SeedStatistics.Paired"/>).</para>
/// <para><b>Tie rule.</b> A schedule whose paired interval reaches 0 is tied with the winner
/// (<see cref="SeedStatistics.Tied"/>); with one seed only an exact equality ties, and the conclusion says that the
/// ranking carries no error bars.</para>
/// <para>Choosing each schedule's best LR on the same seeds that measure it favours every schedule a little (most where
/// the grid's LRs are close in loss); the intervals do not include that selection.</para>
/// </remarks>
public static class CompareRanking
{
    /// <summary>Ranks the schedules of <paramref name="entries"/> from their <paramref name="runs"/>.</summary>
    /// <param name="entries">The schedules, in plan order.</param>
    /// <param name="grid">The peak learning rates, in the order given.</param>
    /// <param name="seeds">The seeds.</param>
    /// <param name="runs">Every run (any order); each (schedule, LR, seed) at most once.</param>
    /// <param name="floor">The entropy floor, or null.</param>
    public static IReadOnlyList<ScheduleResult> Rank(IReadOnlyList<CompareEntry> entries, IReadOnlyList<double> grid, IReadOnlyList<int> seeds, IReadOnlyList<CompareRun> runs, double? floor)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(runs);
        var unranked = entries.Select(e => Measure(e, grid, seeds, runs, floor)).ToList();
        var order = unranked.Select((r, i) => (Result: r, Index: i))
            .OrderBy(p => p.Result.Best is null ? 1 : 0)
            .ThenBy(p => p.Result.Best?.Final!.Mean ?? 0)
            .ThenBy(p => p.Index)
            .Select(p => p.Result)
            .ToList();
        var winner = order.FirstOrDefault(r => r.Best is not null)?.Best;
        return
        [
            .. order.Select((r, i) =>
            {
                if (r.Best is null || winner is null || i == 0)
                {
                    return r with { Rank = i + 1 };
                }

                var diff = SeedStatistics.Paired(Finals(r.Best), Finals(winner));
                return r with { Rank = i + 1, DiffToBest = diff, TiedWithBest = SeedStatistics.Tied(diff) };
            }),
        ];
    }

    /// <summary>
    /// The conclusion: the winner and its lead over the runner-up with their intervals, or the schedules tied with it;
    /// with one seed, that the ranking carries no error bars; and the schedules whose best LR is at the grid's edge.
    /// </summary>
    public static string Conclusion(IReadOnlyList<ScheduleResult> ranked, int seeds, double? floor)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        var finished = ranked.Where(r => r.Best is not null).ToList();
        if (finished.Count == 0)
        {
            return "No schedule finished at any peak LR with every seed: each diverged (at least one seed) at every LR of the grid.";
        }

        var w = finished[0];
        var wFinal = w.Best!.Final!;
        var what = w.Entry.Description is null ? w.Name : $"{w.Name} ({w.Entry.Description})";
        var floorPart = floor is { } f ? $"; {F3(wFinal.Mean - f)} above the entropy floor" : "";
        var at = $" at peak LR {Lr(w.BestLearningRate!.Value)}";
        string text;
        if (finished.Count == 1)
        {
            text = $"{what} is the only schedule that finished{at}: final validation loss {Mean(wFinal, seeds)}{floorPart}.";
        }
        else if (seeds == 1)
        {
            var r = finished[1];
            var rl = r.Best!.Final!.Mean;
            var gap = rl - wFinal.Mean;
            text = gap == 0
                ? $"{what} ties with {r.Name}{at}: final validation loss {F3(wFinal.Mean)}{floorPart}."
                : $"{what} wins{at}: final validation loss {F3(wFinal.Mean)}, {F3(gap)} ({Percent(gap, rl)}) below the runner-up {r.Name} ({F3(rl)}){floorPart}.";
            text += " One seed: the ranking carries no error bars (use 3 seeds or more).";
        }
        else
        {
            var tied = finished.Skip(1).Where(r => r.TiedWithBest).ToList();
            if (tied.Count == 0)
            {
                var r = finished[1];
                text = $"{what} wins{at}: final validation loss {Mean(wFinal, seeds)}, {Lead(r)} below the runner-up {r.Name}{floorPart}.";
            }
            else
            {
                var names = List([w.Name, .. tied.Select(t => t.Name)]);
                var leads = List([.. tied.Select(t => $"{t.Name} ({Signed(t.DiffToBest!)})")]);
                text = $"{names} are tied: {w.Name} has the lowest mean final validation loss{at} ({Mean(wFinal, seeds)}), but its lead over {leads} is within seed noise (the paired 95% interval includes 0)";
                if (finished.Skip(1).FirstOrDefault(r => !r.TiedWithBest) is { } rest)
                {
                    text += $"; the best of the rest, {rest.Name}, is {Lead(rest)} behind";
                }

                text += floorPart + ".";
            }
        }

        var low = finished.Where(r => r.Edge == GridEdge.Lowest).Select(r => r.Name).ToList();
        var high = finished.Where(r => r.Edge == GridEdge.Highest).Select(r => r.Name).ToList();
        if (low.Count > 0)
        {
            text += $" Best at the lowest peak LR of the grid, so a lower one may do better: {List(low)}.";
        }

        if (high.Count > 0)
        {
            text += $" Best at the highest peak LR of the grid, so a higher one may do better: {List(high)}.";
        }

        return text;
    }

    /// <summary>The final validation losses of an LR's runs in seed order (every one completed).</summary>
    private static double[] Finals(LrResult point) => [.. point.Runs.Select(r => r.FinalValidationLoss!.Value)];

    private static ScheduleResult Measure(CompareEntry entry, IReadOnlyList<double> grid, IReadOnlyList<int> seeds, IReadOnlyList<CompareRun> runs, double? floor)
    {
        var mine = runs.Where(r => r.Name == entry.Name).ToList();
        var points = new List<LrResult>();
        foreach (var lr in grid)
        {
            var atLr = mine.Where(r => r.LearningRate == lr).OrderBy(r => r.Seed).ToList();
            var complete = atLr.Count == seeds.Count && seeds.All(s => atLr.Any(r => r.Seed == s)) && atLr.All(r => r.FinalValidationLoss is not null);
            points.Add(new LrResult(lr, atLr, complete ? SeedStatistics.Summarize(Finals(new LrResult(lr, atLr, null))) : null));
        }

        var best = points.Where(p => p.Final is not null).Select((p, i) => (p, i)).OrderBy(x => x.p.Final!.Mean).ThenBy(x => x.i).Select(x => x.p).FirstOrDefault();
        var edge = GridEdge.None;
        if (best is not null && grid.Count >= 2)
        {
            edge = best.LearningRate == grid.Min() ? GridEdge.Lowest : best.LearningRate == grid.Max() ? GridEdge.Highest : GridEdge.None;
        }

        var first = mine.FirstOrDefault();
        double? tokens = null;
        var reached = 0;
        if (best is not null)
        {
            reached = best.Runs.Count(r => r.TokensToTarget is not null);
            tokens = reached == best.Runs.Count ? best.Runs.Average(r => (double)r.TokensToTarget!.Value) : null;
        }

        return new ScheduleResult(
            0,
            entry,
            first?.Optimizer ?? entry.Optimizer ?? OptimizerKind.AdamW,
            first?.WeightDecay ?? entry.WeightDecay ?? 0,
            points,
            best,
            null,
            false,
            edge,
            best?.Runs.Average(r => r.BestValidationLoss ?? double.NaN),
            best?.Final is { } fin && floor is { } fl ? fin.Mean - fl : null,
            tokens,
            reached,
            best?.Runs.Max(r => r.LargestSpike),
            mine.Sum(r => r.WallSeconds));
    }

    private static string Mean(SeedSummary s, int seeds) =>
        s.Ci95Low is { } lo && s.Ci95High is { } hi
            ? $"{F3(s.Mean)}, 95% CI {F3(lo)} to {F3(hi)} over {seeds} seeds"
            : F3(s.Mean);

    private static string Lead(ScheduleResult r) =>
        r.DiffToBest is { Summary: { Ci95Low: { } lo, Ci95High: { } hi } s }
            ? $"{F3(s.Mean)} (paired 95% CI {F3(lo)} to {F3(hi)})"
            : F3(r.DiffToBest?.Summary.Mean ?? 0);

    private static string Signed(PairedDifference d) =>
        d.Summary is { Ci95Low: { } lo, Ci95High: { } hi } s ? $"{F3(s.Mean)}, 95% CI {F3(lo)} to {F3(hi)}" : F3(d.Summary.Mean);

    private static string List(IReadOnlyList<string> names) =>
        names.Count switch
        {
            1 => names[0],
            2 => $"{names[0]} and {names[1]}",
            _ => string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1],
        };

    private static string Percent(double gap, double of) => (100 * gap / of).ToString("F1", CultureInfo.InvariantCulture) + "%";

    internal static string F3(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    internal static string Lr(double v) => SweepRun.LrText(v);
}
