using System.Globalization;

namespace Anneal;

/// <summary>
/// The one home of argument checks. Every message names the parameter (PyTorch / Hugging Face spelling), the rule and
/// the value, formatted culture-invariantly: <c>T_max must be &gt; 0 (was 0)</c>. NaN fails every numeric check.
/// </summary>
internal static class Preconditions
{
    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    internal static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static ScheduleArgumentException Fail(string name, string rule) => new(name, rule);

    internal static double Finite(double value, string name) =>
        double.IsFinite(value) ? value : throw Fail(name, $"must be a finite number (was {Format(value)})");

    internal static double Positive(double value, string name) =>
        Finite(value, name) > 0 ? value : throw Fail(name, $"must be > 0 (was {Format(value)})");

    internal static long Positive(long value, string name) =>
        value > 0 ? value : throw Fail(name, $"must be > 0 (was {Format(value)})");

    internal static double NonNegative(double value, string name) =>
        Finite(value, name) >= 0 ? value : throw Fail(name, $"must be >= 0 (was {Format(value)})");

    internal static long NonNegative(long value, string name) =>
        value >= 0 ? value : throw Fail(name, $"must be >= 0 (was {Format(value)})");

    internal static double InRange(double value, double min, double max, string name)
    {
        Finite(value, name);
        return value >= min && value <= max
            ? value
            : throw Fail(name, $"must be between {Format(min)} and {Format(max)} (was {Format(value)})");
    }

    internal static double GreaterOrEqual(double value, double min, string name)
    {
        Finite(value, name);
        return value >= min ? value : throw Fail(name, $"must be >= {Format(min)} (was {Format(value)})");
    }

    internal static long GreaterOrEqual(long value, long min, string name) =>
        value >= min ? value : throw Fail(name, $"must be >= {Format(min)} (was {Format(value)})");

    internal static T NotNull<T>(T? value, string name) where T : class =>
        value ?? throw Fail(name, "must not be null");

    internal static IReadOnlyList<T> NotEmpty<T>(IReadOnlyList<T>? value, string name) =>
        NotNull(value, name).Count > 0 ? value! : throw Fail(name, "must not be empty");

    /// <summary>Checks each element of <paramref name="values"/> with <paramref name="check"/>, naming it <c>name[i]</c>.</summary>
    internal static double[] Each(IReadOnlyList<double> values, string name, Func<double, string, double> check)
    {
        NotEmpty(values, name);
        var copy = new double[values.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = check(values[i], $"{name}[{i}]");
        }

        return copy;
    }

    internal static T Defined<T>(T value, string name) where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw Fail(name, $"must be a {typeof(T).Name} (was {value})");
}
