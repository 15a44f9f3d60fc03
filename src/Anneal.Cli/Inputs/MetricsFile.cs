namespace Anneal.Cli.Inputs;

/// <summary>
/// A <c>--metrics</c> file: one number per line, line k being the metric ReduceLROnPlateau sees at step k (k from 1).
/// Blank lines are errors, so that a line number is always a step number.
/// </summary>
internal static class MetricsFile
{
    /// <summary>Reads and checks every line.</summary>
    /// <exception cref="UsageException">The file is unreadable, or a line is blank or not a finite number.</exception>
    internal static double[] Read(string path)
    {
        var lines = InputFiles.ReadLines(path, "metrics file");
        var metrics = new double[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                throw new UsageException($"metrics file '{path}' line {i + 1} is blank; write one number per line (line k is the metric for step k), no blank lines");
            }

            metrics[i] = Numbers.TryParseFinite(line) ?? throw new UsageException(
                double.TryParse(line, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
                    ? $"metrics file '{path}' line {i + 1}: '{line}' is not a finite number"
                    : $"metrics file '{path}' line {i + 1}: '{line}' is not a number");
        }

        return metrics;
    }
}
