using System.Globalization;
using Anneal.Training;
using Anneal.Training.Experiments;

namespace Anneal.Cli.Reports;

/// <summary>One column of the ranked table.</summary>
/// <param name="Header">Its heading.</param>
/// <param name="Numeric">Right-aligned.</param>
/// <param name="Cell">Its cell for a run.</param>
internal sealed record CompareColumn(string Header, bool Numeric, Func<CompareRun, string> Cell);

/// <summary>The ranked table of a comparison, defined once for the terminal, <c>report.md</c> and <c>report.html</c>.</summary>
internal static class CompareTable
{
    internal static IReadOnlyList<CompareColumn> Columns { get; } =
    [
        new("rank", true, r => r.Rank.ToString(CultureInfo.InvariantCulture)),
        new("schedule", false, r => r.Name),
        new("optimizer", false, r => r.Optimizer.Name()),
        new("final val loss", true, r => r.FinalValidationLoss is { } f ? F4(f) : StatusName(r.Status)),
        new("best val loss", true, r => r.BestValidationLoss is { } b ? F4(b) : "-"),
        new("excess over floor", true, r => r.ExcessOverFloor is { } e ? F4(e) : "-"),
        new("tokens to target", true, r => r.TokensToTarget is { } t ? t.ToString("N0", CultureInfo.InvariantCulture) : "not reached"),
        new("largest spike", true, r => F4(r.LargestSpike)),
        new("wall time", true, r => Seconds(r.WallSeconds) + (r.Sessions > 1 ? $" ({r.Sessions} sessions)" : "")),
    ];

    /// <summary>The cells of every run, ranked.</summary>
    internal static IEnumerable<string[]> Rows(CompareReport report) => report.Runs.Select(r => Columns.Select(c => c.Cell(r)).ToArray());

    internal static string StatusName(TrainingStatus status) => status.ToString().ToLowerInvariant();

    internal static string F4(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    internal static string Seconds(double s) =>
        s >= 60 ? string.Create(CultureInfo.InvariantCulture, $"{(int)(s / 60)} min {s % 60:F0} s") : string.Create(CultureInfo.InvariantCulture, $"{s:F1} s");
}
