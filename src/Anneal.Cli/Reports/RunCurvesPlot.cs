using Anneal.Training.Runs;

namespace Anneal.Cli.Reports;

/// <summary>
/// A run's <c>curves.png</c>: training loss, validation loss, the unigram baseline and (when known) the entropy floor
/// against step on the left axis, the learning rate of group 0 on the right; the whole history, every session.
/// </summary>
internal static class RunCurvesPlot
{
    internal static void Save(string path, RunHistory history, double? floor, double unigram)
    {
        var plot = PlotStyle.NewPlot();
        if (history.Rows.Count > 0)
        {
            double[] steps = [.. history.Steps.Select(s => (double)s)];
            double[] losses = [.. history.TrainLosses], lrs = [.. history.LearningRates(0)];
            var train = plot.Add.ScatterLine(steps, losses);
            train.LegendText = "train loss";
            var evaluations = history.Evaluations;
            if (evaluations.Count > 0)
            {
                double[] evalSteps = [.. evaluations.Select(e => (double)e.Step)], evalLosses = [.. evaluations.Select(e => e.ValidationLoss)];
                var val = plot.Add.Scatter(evalSteps, evalLosses);
                val.LegendText = "validation loss";
                val.MarkerSize = 5;
            }

            var uni = plot.Add.HorizontalLine(unigram);
            uni.LegendText = "unigram baseline";
            uni.LinePattern = ScottPlot.LinePattern.Dotted;
            if (floor is { } f)
            {
                var entropy = plot.Add.HorizontalLine(f);
                entropy.LegendText = "entropy floor";
                entropy.LinePattern = ScottPlot.LinePattern.Dashed;
            }

            var lr = plot.Add.ScatterLine(steps, lrs);
            lr.LegendText = "learning rate";
            lr.Axes.YAxis = plot.Axes.Right;
        }

        plot.XLabel("step");
        plot.YLabel("loss (nats per token)");
        plot.Axes.Right.Label.Text = "learning rate";
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        var bytes = plot.GetImageBytes(PlotStyle.Width, PlotStyle.Height, ScottPlot.ImageFormat.Png);
        ReportFiles.Write(path, bytes);
    }
}
