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

    /// <summary>The image bytes of <paramref name="plot"/>, <paramref name="width"/> by <paramref name="height"/>, in <paramref name="path"/>'s format: SVG for <c>.svg</c>, PNG otherwise.</summary>
    internal static byte[] Encode(Plot plot, string path, int width, int height) =>
        path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)
            ? System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(width, height))
            : plot.GetImageBytes(width, height, ImageFormat.Png);

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
