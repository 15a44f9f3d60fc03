using Anneal.Training.Experiments;
using Anneal.Training.Runs;
using ScottPlot;

namespace Anneal.Cli.Reports;

/// <summary>
/// The comparison's charts (ScottPlot, PNG): validation loss against training tokens for every schedule at its best LR
/// (mean and range over the seeds), the learning rate against the step, the final loss against the peak LR, and, for
/// the branching experiment, the stable run, the cooldowns and the final loss against the budget. The y range of the
/// loss charts starts at each run's second evaluation (the first, near the unigram loss, would flatten the rest).
/// </summary>
internal static class ReportPlots
{
    private const int Width = PlotStyle.Width;
    private const int Height = PlotStyle.Height;

    /// <summary>
    /// Validation loss against tokens for every schedule at its best peak LR (plan order): the mean over the seeds as a
    /// line, and the range over the seeds (lowest to highest at each evaluation) as a band; the entropy floor when known.
    /// </summary>
    internal static byte[] ValidationLoss(IReadOnlyList<ScheduleResult> inPlanOrder, double? floor)
    {
        var plot = NewPlot();
        var curves = new List<IReadOnlyList<Evaluation>>();
        var i = 0;
        foreach (var s in inPlanOrder)
        {
            var color = plot.Add.Palette.GetColor(i);
            if (s.Best is { } best && best.Runs.Select(r => r.History.Evaluations).ToList() is var evals && evals[0].Count > 0)
            {
                var n = evals.Min(e => e.Count);
                double[] xs = [.. evals[0].Take(n).Select(e => (double)e.Tokens)];
                double[] mean = [.. Enumerable.Range(0, n).Select(k => evals.Average(e => e[k].ValidationLoss))];
                if (evals.Count > 1)
                {
                    var band = plot.Add.FillY(xs, [.. Enumerable.Range(0, n).Select(k => evals.Min(e => e[k].ValidationLoss))], [.. Enumerable.Range(0, n).Select(k => evals.Max(e => e[k].ValidationLoss))]);
                    band.FillStyle.Color = color.WithAlpha(0.18);
                    band.LineStyle.Width = 0;
                }

                var line = plot.Add.ScatterLine(xs, mean);
                line.LegendText = $"{s.Name} (LR {CompareTable.Lr(best.LearningRate)})";
                line.LineWidth = 2;
                line.MarkerSize = 3;
                line.Color = color;
                line.LinePattern = i >= 10 ? LinePattern.Dashed : LinePattern.Solid;
                curves.AddRange(evals);
            }

            i++;
        }

        AddFloor(plot, floor);
        LimitLoss(plot, curves, floor);
        var seeds = inPlanOrder.FirstOrDefault(s => s.Best is not null)?.Best!.Runs.Count ?? 0;
        plot.Title(seeds > 1 ? $"Validation loss at each schedule's best peak LR: mean and range over {seeds} seeds" : "Validation loss at each schedule's best peak LR");
        plot.XLabel("training tokens");
        plot.YLabel("validation loss (nats per token)");
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>The learning rate of the weight-matrix group against the step, every schedule at its best peak LR (plan order).</summary>
    internal static byte[] LearningRate(IReadOnlyList<ScheduleResult> inPlanOrder)
    {
        var plot = NewPlot();
        var drawn = new List<IReadOnlyList<double>>();
        var i = 0;
        foreach (var s in inPlanOrder)
        {
            var run = (s.Best ?? s.ByLearningRate.FirstOrDefault(p => p.Runs.Count > 0))?.Runs.FirstOrDefault();
            if (run is not null)
            {
                var lrs = run.History.LearningRates(0);
                var line = plot.Add.ScatterLine(Arr(run.History.Steps.Select(x => (double)x)), Arr(lrs));
                line.LegendText = $"{s.Name} (peak {CompareTable.Lr(run.LearningRate)})";
                line.LineWidth = 2;
                line.Color = plot.Add.Palette.GetColor(i);
                // Runs that share a curve (constant with two optimizers) stay visible: later ones dashed.
                line.LinePattern = drawn.Any(d => d.SequenceEqual(lrs)) ? LinePattern.Dashed : LinePattern.Solid;
                drawn.Add(lrs);
            }

            i++;
        }

        plot.Title("Learning rate against step, each schedule at its best peak LR");
        plot.XLabel("step");
        plot.YLabel("learning rate");
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>
    /// Final validation loss against peak LR (log axis, ticks at the grid's LRs) for every schedule (plan order): the mean
    /// over the seeds, with bars for the 95% interval when there are several seeds; each schedule nudged sideways a
    /// little so the bars do not hide one another. An LR where a seed diverged has no point.
    /// </summary>
    internal static byte[] LrSensitivity(IReadOnlyList<ScheduleResult> inPlanOrder, IReadOnlyList<double> grid)
    {
        var plot = NewPlot();
        var count = inPlanOrder.Count;
        var i = 0;
        var lo = double.PositiveInfinity;
        var hi = double.NegativeInfinity;
        foreach (var s in inPlanOrder)
        {
            var points = s.ByLearningRate.Where(p => p.Final is not null).OrderBy(p => p.LearningRate).ToList();
            var color = plot.Add.Palette.GetColor(i);
            var nudge = count > 1 ? (i - ((count - 1) / 2.0)) * 0.012 : 0;
            if (points.Count > 0)
            {
                double[] xs = [.. points.Select(p => Math.Log10(p.LearningRate) + nudge)];
                double[] ys = [.. points.Select(p => p.Final!.Mean)];
                if (points.All(p => p.Final!.HalfWidth is not null))
                {
                    var bars = plot.Add.ErrorBar(xs, ys, [.. points.Select(p => p.Final!.HalfWidth!.Value)]);
                    bars.Color = color;
                    lo = Math.Min(lo, points.Min(p => p.Final!.Ci95Low!.Value));
                    hi = Math.Max(hi, points.Max(p => p.Final!.Ci95High!.Value));
                }

                var line = plot.Add.ScatterLine(xs, ys);
                line.LegendText = s.Name;
                line.LineWidth = 1.5f;
                line.MarkerSize = ReferenceEquals(s.Best, null) ? 5 : 6;
                line.Color = color;
                line.LinePattern = i >= 10 ? LinePattern.Dashed : LinePattern.Solid;
                if (s.Best is { } best)
                {
                    plot.Add.Marker(Math.Log10(best.LearningRate) + nudge, best.Final!.Mean, MarkerShape.OpenCircle, 14, color);
                }

                lo = Math.Min(lo, ys.Min());
                hi = Math.Max(hi, ys.Max());
            }

            i++;
        }

        double[] ticks = [.. grid.Order().Select(Math.Log10)];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, [.. grid.Order().Select(CompareTable.Lr)]);
        var span = ticks.Length > 1 ? ticks[^1] - ticks[0] : 1;
        var margin = Math.Max(0.08 * span, 0.1);
        if (double.IsFinite(lo) && double.IsFinite(hi))
        {
            var m = Math.Max(0.05 * (hi - lo), 1e-3);
            plot.Axes.SetLimits(ticks[0] - margin, ticks[^1] + margin, lo - m, hi + m);
        }

        plot.Title("Final validation loss against peak learning rate (circled: each schedule's best)");
        plot.XLabel("peak learning rate (log scale)");
        plot.YLabel("final validation loss (nats per token)");
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
