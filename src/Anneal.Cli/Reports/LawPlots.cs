using Anneal.Training.Laws;
using ScottPlot;

namespace Anneal.Cli.Reports;

/// <summary>Plots of the loss laws: observed against fitted curves (<c>anneal fit</c>), predicted curves (<c>predict</c>, <c>optimize</c>).</summary>
internal static class LawPlots
{
    private const int Width = 1300;
    private const int Height = 600;

    /// <summary>
    /// Each schedule's observed points (every seed) and the law's curve through them, from the burn-in on; the learning
    /// rates on the right axis.
    /// </summary>
    internal static byte[] Fit(FittedLaw law, IReadOnlyList<TrainedRun> runs, FitOptions options, string path)
    {
        var plot = NewPlot();
        var low = double.MaxValue;
        var high = double.MinValue;
        var groups = new List<List<TrainedRun>>();
        foreach (var run in runs)
        {
            if (groups.FirstOrDefault(g => g[0].LearningRates.SequenceEqual(run.LearningRates)) is { } group)
            {
                group.Add(run);
            }
            else
            {
                groups.Add([run]);
            }
        }

        var burnIn = options.BurnIn ?? 0;
        var from = Math.Max(1, burnIn);
        for (var i = 0; i < groups.Count; i++)
        {
            var color = plot.Add.Palette.GetColor(i);
            var name = LawCheck.ScheduleName(groups[i][0].Directory);
            var points = groups[i].SelectMany(r => r.ToCurve(options).Points).Where(p => p.FirstSteps >= burnIn).ToList();
            var observed = plot.Add.ScatterPoints(points.Select(p => 0.5 * (p.FirstSteps + p.LastSteps)).ToArray(), points.Select(p => p.Loss).ToArray());
            observed.Color = color;
            observed.MarkerSize = 4;
            observed.LegendText = $"{name} observed ({groups[i].Count} {(groups[i].Count == 1 ? "run" : "seeds")})";
            var fitted = law.Curve(groups[i][0].LearningRates);
            var line = plot.Add.ScatterLine(Enumerable.Range(from, fitted.Length - from + 1).Select(n => (double)n).ToArray(), fitted[(from - 1)..]);
            line.Color = color;
            line.LineWidth = 2;
            line.LegendText = $"{name} fitted";
            AddRates(plot, groups[i][0].LearningRates, color);
            if (points.Count > 0)
            {
                low = Math.Min(low, points.Min(p => p.Loss));
                high = Math.Max(high, points.Max(p => p.Loss));
            }
        }

        Finish(plot, $"{LawNames.Of(law.Law.Kind)} law fitted to {runs.Count} runs ({LawNames.Of(options.Target)} loss after {burnIn} steps)", low, high);
        return PlotStyle.Encode(plot, path, Width, Height);
    }

    /// <summary>
    /// The predicted loss curves, with the observed validation points (mean over seeds) of the schedules measured by
    /// <paramref name="check"/>; the learning rates on the right axis.
    /// </summary>
    internal static byte[] Predictions(FittedLaw law, IReadOnlyList<Prediction> predictions, LawCheck? check, string path)
    {
        var plot = NewPlot();
        var from = Math.Max(1, law.Options.BurnIn ?? 0);
        var low = double.MaxValue;
        var high = double.MinValue;
        for (var i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            var color = plot.Add.Palette.GetColor(i);
            var start = Math.Min(from, p.Curve.Count);
            var values = p.Curve.Skip(start - 1).ToArray();
            var line = plot.Add.ScatterLine(Enumerable.Range(start, values.Length).Select(n => (double)n).ToArray(), values);
            line.Color = color;
            line.LineWidth = 2;
            line.LegendText = $"{p.Name} ({p.Final:F4})";
            AddRates(plot, p.LearningRates, color);
            low = Math.Min(low, values.Min());
            high = Math.Max(high, values.Max());
            if (check?.Schedules.FirstOrDefault(s => s.Name == p.Name) is { } trained)
            {
                var mean = trained.Runs[0].Validation.Where(v => v.LastSteps >= start)
                    .Select(v => (Step: (double)v.LastSteps, Loss: trained.Runs.Average(r => r.Validation.FirstOrDefault(x => x.LastSteps == v.LastSteps).Loss)))
                    .ToArray();
                var observed = plot.Add.ScatterPoints(mean.Select(m => m.Step).ToArray(), mean.Select(m => m.Loss).ToArray());
                observed.Color = color;
                observed.MarkerSize = 4;
                observed.LegendText = $"{p.Name} trained ({trained.TrainedMean:F4}, {trained.Runs.Count} seeds)";
            }
        }

        Finish(plot, $"predicted validation loss ({LawNames.Of(law.Law.Kind)} law)", low, high);
        return PlotStyle.Encode(plot, path, Width, Height);
    }

    private static Plot NewPlot() => PlotStyle.NewPlot();

    private static void AddRates(Plot plot, IReadOnlyList<double> rates, Color color)
    {
        var lr = plot.Add.ScatterLine(Enumerable.Range(0, rates.Count).Select(n => (double)n).ToArray(), rates.ToArray());
        lr.Color = color.WithAlpha(0.5);
        lr.LinePattern = LinePattern.Dashed;
        lr.LineWidth = 1;
        lr.Axes.YAxis = plot.Axes.Right;
    }

    private static void Finish(Plot plot, string title, double low, double high)
    {
        plot.Title(title);
        plot.XLabel("step (optimizer steps done)");
        plot.YLabel("validation loss (nats per token)");
        plot.Axes.Right.Label.Text = "learning rate (dashed)";
        if (low < high)
        {
            var margin = 0.05 * (high - low);
            plot.Axes.SetLimitsY(low - margin, high + margin, plot.Axes.Left);
        }

        plot.ShowLegend(Edge.Right);
    }
}
