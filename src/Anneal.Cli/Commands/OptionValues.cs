using System.CommandLine.Parsing;
using Anneal.Cli.Inputs;

namespace Anneal.Cli.Commands;

/// <summary>Custom option parsers whose errors say what the value must be (System.CommandLine's name .NET types).</summary>
internal static class OptionValues
{
    internal static long NonNegativeLong(ArgumentResult result, string option)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{option} '{text}' is not a whole number; pass a step count such as {option} 100");
            return 0;
        }

        if (value < 0)
        {
            result.AddError($"{option} must be >= 0 (was {value})");
        }

        return value;
    }

    internal static double? FiniteDouble(ArgumentResult result, string option)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Numbers.TryParseFinite(text) is { } value)
        {
            return value;
        }

        result.AddError($"{option} '{text}' is not a finite number");
        return null;
    }
}
