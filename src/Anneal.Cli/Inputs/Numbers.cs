using System.Globalization;

namespace Anneal.Cli.Inputs;

/// <summary>Culture-invariant number parsing and round-trip formatting for options, files and output.</summary>
internal static class Numbers
{
    /// <summary>Round-trip, culture-invariant text of <paramref name="value"/> (<c>0.1</c>, <c>1E-05</c>).</summary>
    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Parses a finite number; null when <paramref name="text"/> is not one.</summary>
    internal static double? TryParseFinite(string text) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : null;

    /// <summary>Parses a comma-separated list such as <c>0.1,0.01</c> given to <paramref name="option"/>.</summary>
    /// <exception cref="UsageException">An entry is empty or not a finite number.</exception>
    internal static double[] ParseList(string text, string option, string example)
    {
        var entries = text.Split(',');
        var values = new double[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            values[i] = TryParseFinite(entries[i]) ?? throw new UsageException(entries[i].Trim().Length == 0
                ? $"{option} '{text}' has an empty entry {i + 1}; give comma-separated numbers such as {option} {example}"
                : $"{option} '{text}': '{entries[i].Trim()}' is not a finite number; give comma-separated numbers such as {option} {example}");
        }

        return values;
    }
}
