using Anneal.Training.Experiments;
using Anneal.Training.Runs;
using ScottPlot;

namespace Anneal.Cli.Reports;

/// <summary>
/// The comparison's charts (ScottPlot, PNG): validation loss against training tokens for every run on one chart, the
/// learning rate against the step on another, and, for the branching experiment, the stable run, the cooldowns and the
/// final loss against the budget. The y range of the loss charts starts at each run's second evaluation (the first,
/// near the unigram loss, would flatten the rest).
/// </summary>
internal static class ReportPlots
{
    private const int Width = PlotStyle.Width;
    private const int Height = PlotStyle.Height;

    /// <summary>Validation loss against tokens, one line per run in plan order, and the entropy floor when known.</summary>
    internal static byte[] ValidationLoss(IReadOnlyList<CompareRun> runsInPlanOrder, double? floor)
    {
        var plot = NewPlot();
        var i = 0;
        foreach (var run in runsInPlanOrder)
        {
            var evals = run.History.Evaluations;
            if (evals.Count > 0)
            {
                var line = plot.Add.ScatterLine(Arr(evals.Select(e => (double)e.Tokens)), Arr(evals.Select(e => e.ValidationLoss)));
                line.LegendText = run.Name;
                line.LineWidth = 2;
                line.MarkerSize = 4;
                line.Color = plot.Add.Palette.GetColor(i);
                line.LinePattern = i >= 10 ? LinePattern.Dashed : LinePattern.Solid;
            }

            i++;
        }

        AddFloor(plot, floor);
        LimitLoss(plot, runsInPlanOrder.Select(r => r.History.Evaluations), floor);
        plot.Title("Validation loss against training tokens");
        plot.XLabel("training tokens");
        plot.YLabel("validation loss (nats per token)");
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>The learning rate of the weight-matrix group against the step, one line per run in plan order.</summary>
    internal static byte[] LearningRate(IReadOnlyList<CompareRun> runsInPlanOrder)
    {
        var plot = NewPlot();
        var i = 0;
        foreach (var run in runsInPlanOrder)
        {
            var lrs = run.History.LearningRates(0);
            var line = plot.Add.ScatterLine(Arr(run.History.Steps.Select(s => (double)s)), Arr(lrs));
            line.LegendText = run.Name;
            line.LineWidth = 2;
            line.Color = plot.Add.Palette.GetColor(i);
            // Runs that share a curve (constant with two optimizers) stay visible: later ones dashed.
            line.LinePattern = runsInPlanOrder.Take(i).Any(r => r.History.LearningRates(0).SequenceEqual(lrs)) ? LinePattern.Dashed : LinePattern.Solid;
            i++;
        }

        plot.Title("Learning rate against step");
        plot.XLabel("step");
        plot.YLabel("learning rate");
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>The stable run's validation loss, each cooldown's, and the final loss of each budget against its tokens.</summary>
    internal static byte[] Branching(BranchingReport report, double? floor)
    {
        var plot = NewPlot();
        var stable = report.StableHistory.Evaluations;
        if (stable.Count > 0)
        {
            var line = plot.Add.ScatterLine(Arr(stable.Select(e => (double)e.Tokens)), Arr(stable.Select(e => e.ValidationLoss)));
            line.LegendText = "stable run (warmup, constant)";
            line.LineWidth = 2;
            line.MarkerSize = 4;
            line.Color = Colors.Gray;
        }

        var i = 0;
        foreach (var b in report.Branches)
        {
            // From the stable run's last evaluation before the branch, so each cooldown visibly leaves the stable curve.
            var evals = stable.Where(e => e.Step < b.Budget.BranchStep).TakeLast(1).Concat(b.History.Evaluations).ToList();
            if (evals.Count > 0)
            {
                var line = plot.Add.ScatterLine(Arr(evals.Select(e => (double)e.Tokens)), Arr(evals.Select(e => e.ValidationLoss)));
                line.LegendText = $"cooldown of {b.Budget.Name} (from step {b.Budget.BranchStep})";
                line.LineWidth = 2;
                line.MarkerSize = 4;
                line.Color = plot.Add.Palette.GetColor(i);
            }

            i++;
        }

        var finals = report.Branches.Where(b => b.FinalValidationLoss is not null).ToList();
        if (finals.Count > 0)
        {
            var points = plot.Add.ScatterLine(Arr(finals.Select(b => (double)b.BudgetTokens)), Arr(finals.Select(b => b.FinalValidationLoss!.Value)));
            points.LegendText = "final validation loss against budget";
            points.Color = Colors.Black;
            points.LinePattern = LinePattern.Dotted;
            points.MarkerSize = 9;
            points.MarkerShape = MarkerShape.FilledDiamond;
        }

        AddFloor(plot, floor);
        LimitLoss(plot, [stable, .. report.Branches.Select(b => b.History.Evaluations)], floor);
        plot.Title("Warmup-stable-decay: cooldowns branched off one stable run");
        plot.XLabel("training tokens");
        plot.YLabel("validation loss (nats per token)");
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static double[] Arr(IEnumerable<double> values) => [.. values];

    private static Plot NewPlot() => PlotStyle.NewPlot();

    private static void AddFloor(Plot plot, double? floor)
    {
        if (floor is { } f)
        {
            var line = plot.Add.HorizontalLine(f, 1.5f, Colors.Black, LinePattern.Dashed);
            line.LegendText = "entropy floor";
        }
    }

    private static void LimitLoss(Plot plot, IEnumerable<IReadOnlyList<Evaluation>> curves, double? floor)
    {
        var all = curves.Where(c => c.Count > 0).ToList();
        if (all.Count == 0)
        {
            return;
        }

        var lo = all.Min(c => c.Min(e => e.ValidationLoss));
        var hi = all.Max(c => c[Math.Min(1, c.Count - 1)].ValidationLoss);
        if (floor is { } f && lo - f < hi - lo)
        {
            lo = Math.Min(lo, f); // show the floor unless it would squeeze the curves into less than half the chart
        }

        if (!(hi > lo))
        {
            hi = all.Max(c => c.Max(e => e.ValidationLoss));
        }

        var margin = Math.Max(0.04 * (hi - lo), 1e-3);
        plot.Axes.AutoScaleX();
        plot.Axes.SetLimitsY(lo - margin, hi + margin);
    }
}
