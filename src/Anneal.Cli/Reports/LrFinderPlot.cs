using System.Globalization;
using Anneal.Training.Experiments;
using ScottPlot;

namespace Anneal.Cli.Reports;

/// <summary>
/// <c>lr_find.png</c>: the smoothed loss (and, faint, the raw loss) against the learning rate on a log axis, each suggestion
/// a dashed vertical line (named with its value in the legend) and a labelled marker where it meets the smoothed curve. The y
/// range runs from the lowest loss to half as far above the starting loss as that is below it, and leaves out the last 5 steps
/// (as fastai's <c>plot_lr_find</c>): the divergence would otherwise flatten the rest.
/// </summary>
internal static class LrFinderPlot
{
    private const int Width = PlotStyle.Width;
    private const int Height = PlotStyle.Height;

    internal static void Save(string path, IReadOnlyList<LrFinderPoint> points, LrSuggestions? suggestions, LrFinderOptions sweep)
    {
        var plot = PlotStyle.NewPlot();
        var finite = points.Where(p => double.IsFinite(p.SmoothedLoss)).ToArray();
        if (finite.Length > 0)
        {
            double[] x = [.. finite.Select(p => Math.Log10(p.LearningRate))];
            var raw = plot.Add.ScatterLine(x, [.. finite.Select(p => p.Loss)]);
            raw.LegendText = "loss";
            raw.LineWidth = 1;
            raw.Color = Colors.Gray.WithAlpha(0.45);
            var smooth = plot.Add.ScatterLine(x, [.. finite.Select(p => p.SmoothedLoss)]);
            smooth.LegendText = $"smoothed loss (EMA, beta {LrFinderSuggestions.Beta.ToString(CultureInfo.InvariantCulture)})";
            smooth.LineWidth = 2;
            smooth.Color = plot.Add.Palette.GetColor(0);

            // y: from the lowest loss (raw or smoothed) to half as far again above the starting loss as the minimum is below it,
            // so the divergence does not flatten the rest.
            var shown = finite.Length > LrFinderSuggestions.SkipEnd + 1 ? finite[..^LrFinderSuggestions.SkipEnd] : finite;
            var lo = Math.Min(shown.Min(p => p.SmoothedLoss), shown.Min(p => p.Loss));
            var first = finite[0].SmoothedLoss;
            var hi = Math.Min(shown.Max(p => p.SmoothedLoss), first + (0.5 * Math.Max(first - lo, 0)));
            hi = hi > lo ? hi : shown.Max(p => p.SmoothedLoss);
            var margin = Math.Max(0.05 * (hi - lo), 1e-3);
            plot.Axes.SetLimits(Math.Log10(sweep.StartLr), Math.Log10(sweep.EndLr), lo - margin, hi + margin);
        }

        if (suggestions is not null)
        {
            var color = 1;
            foreach (var s in suggestions.All)
            {
                var c = plot.Add.Palette.GetColor(color++);
                var lx = Math.Log10(s.LearningRate);
                var line = plot.Add.VerticalLine(lx, 1.5f, c, LinePattern.Dashed);
                line.LegendText = $"{s.Name} {Short(s.LearningRate)}";
                var at = Nearest(points, s.LearningRate);
                plot.Add.Marker(lx, at.SmoothedLoss, MarkerShape.FilledCircle, 9, c);
                var label = plot.Add.Text(s.Name, lx, at.SmoothedLoss);
                label.LabelFontColor = c;
                label.LabelFontSize = 13;
                label.LabelBold = true;
                label.LabelAlignment = Alignment.LowerLeft;
                label.OffsetX = 6;
                label.OffsetY = -6;
            }
        }

        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = e => "1e" + Math.Round(e).ToString(CultureInfo.InvariantCulture),
        };
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Title("LR range test: smoothed training loss against learning rate");
        plot.XLabel("learning rate (log scale)");
        plot.YLabel("training loss (nats per token)");
        plot.ShowLegend(Alignment.LowerLeft);
        ReportFiles.Write(path, plot.GetImageBytes(Width, Height, ImageFormat.Png));
    }

    /// <summary>The recorded point whose learning rate is closest to <paramref name="lr"/> on the log scale (finite loss only).</summary>
    private static LrFinderPoint Nearest(IReadOnlyList<LrFinderPoint> points, double lr) =>
        points.Where(p => double.IsFinite(p.SmoothedLoss)).MinBy(p => Math.Abs(Math.Log(p.LearningRate / lr)))!;

    private static string Short(double value) => value.ToString("G3", CultureInfo.InvariantCulture).Replace('E', 'e');
}
