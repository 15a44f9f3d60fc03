using ScottPlot;

namespace Anneal.Cli.Rendering;

/// <summary>
/// <c>--plot FILE.png|FILE.svg</c>: the learning rate of each group against the step (ScottPlot), titled with the schedule
/// type, and the momentum on a right-hand axis when the schedule cycles it.
/// </summary>
internal static class PlotRenderer
{
    private const int Width = 900;
    private const int Height = 500;

    /// <summary>True when <paramref name="path"/> ends in a supported image extension.</summary>
    internal static bool IsSupported(string path) =>
        path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase);

    /// <summary>Refuses a <c>--plot</c> path of another format (one line naming the path); null passes.</summary>
    /// <exception cref="UsageException">The path ends in neither .png nor .svg.</exception>
    internal static void CheckPath(string? path)
    {
        if (path is not null && !IsSupported(path))
        {
            throw new UsageException($"--plot '{path}' must end in .png or .svg");
        }
    }

    /// <summary>The image bytes for <paramref name="path"/>'s format (PNG or SVG).</summary>
    internal static byte[] Render(ScheduleTrace trace, string path)
    {
        return Reports.PlotStyle.Encode(Build(trace), path, Width, Height);
    }

    private static Plot Build(ScheduleTrace trace)
    {
        var plot = Reports.PlotStyle.NewPlot();
        var steps = trace.Rows.Select(r => (double)r.Step).ToArray();
        var lrNames = Columns.Names("lr", trace.GroupCount).ToArray();
        var momentumNames = Columns.Names("momentum", trace.GroupCount).ToArray();
        for (var g = 0; g < trace.GroupCount; g++)
        {
            var line = plot.Add.ScatterLine(steps, [.. trace.Rows.Select(r => r.LearningRates[g])]);
            line.LegendText = lrNames[g];
            line.LineWidth = 2;
            line.Color = plot.Add.Palette.GetColor(g);
            if (trace.HasMomentum)
            {
                var momentum = plot.Add.ScatterLine(steps, [.. trace.Rows.Select(r => r.Momenta![g])]);
                momentum.LegendText = momentumNames[g];
                momentum.LinePattern = LinePattern.Dashed;
                momentum.Color = line.Color;
                momentum.LineWidth = 1.5f;
                momentum.Axes.YAxis = plot.Axes.Right;
            }
        }

        plot.Title(trace.Schedule.TypeName);
        plot.XLabel("step");
        plot.YLabel("learning rate");
        if (trace.HasMomentum)
        {
            plot.Axes.Right.Label.Text = "momentum";
        }

        plot.ShowLegend(Edge.Bottom);
        return plot;
    }
}
