using System.Globalization;
using Anneal.Training;
using Anneal.Training.Experiments;

namespace Anneal.Cli.Reports;

/// <summary>One column of the ranked table.</summary>
/// <param name="Header">Its heading.</param>
/// <param name="Numeric">Right-aligned.</param>
/// <param name="Cell">Its cell for a schedule.</param>
internal sealed record CompareColumn(string Header, bool Numeric, Func<ScheduleResult, string> Cell);

/// <summary>
/// The ranked table of a comparison (each schedule at its own best peak LR, with its interval over the seeds and its
/// paired difference to the winner), and the table of every schedule at every LR; each defined once for the terminal,
/// <c>report.md</c> and <c>report.html</c>.
/// </summary>
internal static class CompareTable
{
    internal static IReadOnlyList<CompareColumn> Columns { get; } =
    [
        new("rank", true, r => r.Rank.ToString(CultureInfo.InvariantCulture)),
        new("schedule", false, r => r.Name),
        new("optimizer", false, r => Optimizer(r.Optimizer, r.WeightDecay)),
        new("best LR", true, r => r.BestLearningRate is { } lr ? Lr(lr) + Edge(r.Edge) : "-"),
        new("final val loss", true, r => r.Best?.Final is { } f ? F4(f.Mean) : Unfinished(r)),
        new("std", true, r => r.Best?.Final?.StandardDeviation is { } s ? F4(s) : "-"),
        new("95% CI", true, r => r.Best?.Final is { Ci95Low: { } lo, Ci95High: { } hi } ? $"{F4(lo)} to {F4(hi)}" : "-"),
        new("vs best (paired 95% CI)", true, VsBest),
        new("excess over floor", true, r => r.ExcessOverFloorMean is { } e ? F4(e) : "-"),
        new("tokens to target", true, TokensToTarget),
        new("largest spike", true, r => r.LargestSpike is { } s ? F4(s) : "-"),
        new("wall time", true, r => Seconds(r.WallSeconds)),
    ];

    /// <summary>The cells of every schedule, ranked.</summary>
    internal static IEnumerable<string[]> Rows(CompareReport report) => report.Schedules.Select(r => Columns.Select(c => c.Cell(r)).ToArray());

    /// <summary>The header of the LR table: the schedule, then one column per peak LR of the grid (in the order given).</summary>
    internal static string[] GridHeader(CompareReport report) => ["schedule", .. report.Options.LearningRates.Select(lr => "LR " + Lr(lr))];

    /// <summary>
    /// Each schedule (ranked) at each LR: the mean final validation loss, with the 95% interval's half-width when there
    /// are several seeds, or how many seeds diverged; <c>Best</c> marks the schedule's best LR. The first cell is the name.
    /// </summary>
    internal static IEnumerable<(string Text, bool Best)[]> GridRows(CompareReport report) =>
        report.Schedules.Select(s => ((string, bool)[])[(s.Name, false), .. s.ByLearningRate.Select(p =>
        {
            var cell = p.Final is { } f
                ? F4(f.Mean) + (f.HalfWidth is { } h ? " ± " + F4(h) : "")
                : p.Diverged > 0 ? $"diverged ({p.Diverged}/{p.Runs.Count})" : "missing";
            return (cell, ReferenceEquals(p, s.Best));
        })]);

    /// <summary>The optimizer and its weight decay as it acts: <c>adamw, wd 0.1</c> (decoupled), <c>adam, L2 0.1</c>, <c>adam, wd 0</c>.</summary>
    internal static string Optimizer(OptimizerKind optimizer, double weightDecay) =>
        weightDecay == 0 ? $"{optimizer.Name()}, wd 0"
        : optimizer == OptimizerKind.AdamW ? $"{optimizer.Name()}, wd {Show(weightDecay)}"
        : $"{optimizer.Name()}, L2 {Show(weightDecay)}";

    internal static string StatusName(TrainingStatus status) => status.ToString().ToLowerInvariant();

    internal static string F4(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    internal static string Lr(double v) => SweepRun.LrText(v);

    internal static string Seconds(double s) =>
        s >= 3600 ? string.Create(CultureInfo.InvariantCulture, $"{(int)(s / 3600)} h {(int)(s % 3600 / 60)} min")
        : s >= 60 ? string.Create(CultureInfo.InvariantCulture, $"{(int)(s / 60)} min {s % 60:F0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{s:F1} s");

    private static string Edge(GridEdge edge) => edge switch
    {
        GridEdge.Lowest => " (grid's lowest)",
        GridEdge.Highest => " (grid's highest)",
        _ => "",
    };

    private static string Unfinished(ScheduleResult r) =>
        r.ByLearningRate.Any(p => p.Diverged > 0) ? "diverged at every LR" : "missing";

    private static string VsBest(ScheduleResult r)
    {
        if (r.Rank == 1 && r.Best is not null)
        {
            return "best";
        }

        if (r.DiffToBest is not { } d)
        {
            return "-";
        }

        var s = d.Summary;
        var text = "+" + F4(s.Mean) + (s.Ci95Low is { } lo && s.Ci95High is { } hi ? $" ({F4(lo)} to {F4(hi)})" : "");
        return r.TiedWithBest ? text + " tied" : text;
    }

    private static string TokensToTarget(ScheduleResult r)
    {
        if (r.Best is null)
        {
            return "-";
        }

        if (r.TokensToTarget is { } t)
        {
            return t.ToString("N0", CultureInfo.InvariantCulture);
        }

        return r.TargetReached == 0 ? "not reached" : $"{r.TargetReached}/{r.Best.Runs.Count} seeds";
    }

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
