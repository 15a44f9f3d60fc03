using ScottPlot;

namespace Anneal.Cli.Reports;

/// <summary>The one look of every chart the command line draws (ScottPlot).</summary>
internal static class PlotStyle
{
    /// <summary>The width of every report chart, in pixels.</summary>
    internal const int Width = 1000;

    /// <summary>The height of every report chart, in pixels.</summary>
    internal const int Height = 560;

    /// <summary>Sans-serif families tried in order; Skia's fallback on Linux without fontconfig is often a serif face.</summary>
    private static readonly string[] SansFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans", "Arial", "Helvetica"];

    /// <summary>A new plot in the first sans-serif font installed.</summary>
    internal static Plot NewPlot()
    {
        var plot = new Plot();
        if (SansFonts.FirstOrDefault(f => Fonts.GetTypeface(f, false, false)?.FamilyName == f) is { } font)
        {
            plot.Font.Set(font);
        }

        return plot;
    }
}
