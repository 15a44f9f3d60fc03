using System.Globalization;
using Anneal.Training.Experiments;
using Anneal.Training.Laws;

namespace Anneal.Cli.Reports;

/// <summary>The report's section on <c>anneal compare --predict</c>: what the law was fitted on, its errors and warnings.</summary>
internal static class PredictionSection
{
    /// <summary>The errors at the schedules' best LRs in one sentence (printed, and the section's first line).</summary>
    public static string Summary(PredictionReport prediction, IReadOnlyList<ScheduleResult> ranked)
    {
        var errors = prediction.AtBest(ranked).Where(p => p.RelativeError is not null).ToList();
        if (errors.Count == 0)
        {
            return "The loss law predicted no schedule with a trained mean at its best peak LR" +
                   (prediction.Laws.FirstOrDefault(l => l.Failure is not null) is { } failed ? $" (at peak LR {CompareTable.Lr(failed.LearningRate)}: {failed.Failure})." : ".");
        }

        var worst = errors.MaxBy(p => p.RelativeError)!;
        return string.Create(CultureInfo.InvariantCulture,
            $"The loss law, fitted on {string.Join(" and ", ComparePrediction.FittedPresets)} at each peak LR, predicts the final validation loss of {(errors.Count == 1 ? "the 1 other schedule" : $"the {errors.Count} other schedules")} with their warmup, at {(errors.Count == 1 ? "its" : "their")} best LR, " +
            $"with a mean relative error of {Percent(errors.Average(p => p.RelativeError!.Value))} and a worst of {Percent(worst.RelativeError!.Value)} ({worst.Name}: predicted {F4(worst.Predicted)}, trained {F4(worst.Trained!.Value)}).");
    }

    /// <summary>The section's blocks.</summary>
    public static IEnumerable<ReportBlock> Blocks(CompareReport report)
    {
        var prediction = report.Prediction!;
        var o = prediction.Options;
        var fitted = prediction.Laws.FirstOrDefault(l => l.Law is not null)?.Law;
        yield return new ReportHeading(2, "Predicted by a loss law (--predict)");
        yield return new ReportParagraph(Summary(prediction, report.Schedules), Highlight: true);
        yield return new ReportParagraph(Explanation(o, fitted));
        yield return new ReportTable(
            ["peak LR", "fitted on", "fit error (mean)", "predicted", "mean error", "worst error"],
            [true, false, true, true, true, false],
            [.. prediction.Laws.Select(PerLr)]);
        var rows = prediction.AtBest(report.Schedules);
        if (rows.Count > 0)
        {
            yield return new ReportTable(
                ["schedule", "best LR", "trained final val loss", "predicted", "error"],
                [false, true, true, true, true],
                [.. rows.Select(p => (IReadOnlyList<ReportCell>)[new(p.Name), new(CompareTable.Lr(p.LearningRate)), new(p.Trained is { } t ? F4(t) : "diverged"), new(F4(p.Predicted)), new(p.RelativeError is { } e ? Percent(e) : "")])]);
        }

        var warnings = prediction.Laws.SelectMany(l => l.Predictions).Where(p => p.Warnings.Count > 0)
            .Select(p => $"{p.Name} at peak LR {CompareTable.Lr(p.LearningRate)}: {string.Join(" ", p.Warnings)}").ToList();
        if (warnings.Count == 0)
        {
            yield return new ReportParagraph("Warnings of the law: none (every predicted schedule has the fitted warmup, peak and number of steps).");
        }
        else
        {
            yield return new ReportParagraph("Warnings of the law (why a prediction may be unreliable):");
            yield return new ReportBullets(warnings);
        }
    }

    private static string Explanation(FitOptions o, FittedLaw? fitted) =>
        $"At each peak LR, the {LawName(o.Law)} law (lambda {o.Lambda?.ToString("R", CultureInfo.InvariantCulture) ?? "fitted"}, fitted to the validation points after a burn-in of " +
            $"{(fitted is null ? "half the run" : $"{fitted.Options.BurnIn} steps")}, Huber loss of the log residuals; `anneal fit`'s defaults) is fitted on every seed's run of " +
            $"{string.Join(" and ", ComparePrediction.FittedPresets)} at that LR, and predicts the final validation loss of every other schedule that shares their warmup and optimizer, " +
            "from its learning rates alone. The runs it is fitted on are not predicted; schedules with another warmup (or none) or another optimizer are left out. " +
            "Error: |predicted - trained mean| / trained mean, the trained mean over the seeds at that LR. results.csv has the prediction at each schedule's best LR.";

    private static IReadOnlyList<ReportCell> PerLr(LawAtLearningRate l)
    {
        var fittedOn = string.Join(", ", l.FittedOn.GroupBy(r => r.Name).Select(g => $"{g.Key} x {g.Count()} seed{(g.Count() == 1 ? "" : "s")}"));
        if (l.Law is null)
        {
            return [new(CompareTable.Lr(l.LearningRate)), new($"{fittedOn}{(fittedOn.Length > 0 ? ": " : "")}not fitted: {l.Failure}"), new(""), new(""), new(""), new("")];
        }

        var errors = l.Predictions.Where(p => p.RelativeError is not null).ToList();
        var worst = errors.MaxBy(p => p.RelativeError);
        return
        [
            new(CompareTable.Lr(l.LearningRate)),
            new(fittedOn),
            new(Percent(l.Law.Sources.Average(s => s.MeanRelativeError))),
            new(l.Predictions.Count.ToString(CultureInfo.InvariantCulture)),
            new(errors.Count > 0 ? Percent(errors.Average(p => p.RelativeError!.Value)) : ""),
            new(worst is null ? "" : $"{Percent(worst.RelativeError!.Value)} ({worst.Name})"),
        ];
    }

    private static string LawName(LawKind kind) => kind == LawKind.Tissue ? "Tissue et al. (2024)" : "multi-power (Luo et al. 2025)";

    private static string Percent(double v) => (100 * v).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string F4(double v) => CompareTable.F4(v);
}
