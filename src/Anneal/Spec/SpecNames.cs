namespace Anneal;

/// <summary>
/// The one place where enum values meet their spelling in the JSON spec (PyTorch's and Hugging Face's strings):
/// <c>"triangular2"</c> is <see cref="CyclicMode.Triangular2"/>, <c>"1-sqrt"</c> is <see cref="RampShape.OneMinusSqrt"/>.
/// </summary>
public static class SpecNames
{
    private static readonly (string Name, CyclicMode Value)[] CyclicModes =
        [("triangular", CyclicMode.Triangular), ("triangular2", CyclicMode.Triangular2), ("exp_range", CyclicMode.ExpRange)];

    private static readonly (string Name, CyclicScaleMode Value)[] ScaleModes =
        [("cycle", CyclicScaleMode.Cycle), ("iterations", CyclicScaleMode.Iterations)];

    private static readonly (string Name, AnnealStrategy Value)[] AnnealStrategies =
        [("cos", AnnealStrategy.Cos), ("linear", AnnealStrategy.Linear)];

    private static readonly (string Name, PlateauMode Value)[] PlateauModes = [("min", PlateauMode.Min), ("max", PlateauMode.Max)];

    private static readonly (string Name, ThresholdMode Value)[] ThresholdModes = [("rel", ThresholdMode.Rel), ("abs", ThresholdMode.Abs)];

    private static readonly (string Name, RampShape Value)[] RampShapes =
        [("linear", RampShape.Linear), ("cosine", RampShape.Cosine), ("1-sqrt", RampShape.OneMinusSqrt)];

    /// <summary>The spec spelling of <paramref name="value"/>: <c>triangular</c>, <c>triangular2</c> or <c>exp_range</c>.</summary>
    public static string Of(CyclicMode value) => NameOf(CyclicModes, value);

    /// <summary>The spec spelling of <paramref name="value"/>: <c>cycle</c> or <c>iterations</c>.</summary>
    public static string Of(CyclicScaleMode value) => NameOf(ScaleModes, value);

    /// <summary>The spec spelling of <paramref name="value"/>: <c>cos</c> or <c>linear</c>.</summary>
    public static string Of(AnnealStrategy value) => NameOf(AnnealStrategies, value);

    /// <summary>The spec spelling of <paramref name="value"/>: <c>min</c> or <c>max</c>.</summary>
    public static string Of(PlateauMode value) => NameOf(PlateauModes, value);

    /// <summary>The spec spelling of <paramref name="value"/>: <c>rel</c> or <c>abs</c>.</summary>
    public static string Of(ThresholdMode value) => NameOf(ThresholdModes, value);

    /// <summary>The spec spelling of <paramref name="value"/>: <c>linear</c>, <c>cosine</c> or <c>1-sqrt</c>.</summary>
    public static string Of(RampShape value) => NameOf(RampShapes, value);

    internal static CyclicMode ParseCyclicMode(string name, string parameter) => Parse(CyclicModes, name, parameter);

    internal static CyclicScaleMode ParseScaleMode(string name, string parameter) => Parse(ScaleModes, name, parameter);

    internal static AnnealStrategy ParseAnnealStrategy(string name, string parameter) => Parse(AnnealStrategies, name, parameter);

    internal static PlateauMode ParsePlateauMode(string name, string parameter) => Parse(PlateauModes, name, parameter);

    internal static ThresholdMode ParseThresholdMode(string name, string parameter) => Parse(ThresholdModes, name, parameter);

    internal static RampShape ParseRampShape(string name, string parameter) => Parse(RampShapes, name, parameter);

    private static string NameOf<T>((string Name, T Value)[] table, T value) where T : struct, Enum
    {
        foreach (var (name, v) in table)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"not a {typeof(T).Name}");
    }

    private static T Parse<T>((string Name, T Value)[] table, string name, string parameter) where T : struct, Enum
    {
        foreach (var (n, value) in table)
        {
            if (n == name)
            {
                return value;
            }
        }

        throw Preconditions.Fail(parameter, $"must be one of {string.Join(", ", table.Select(e => $"'{e.Name}'"))} (was '{name}')");
    }
}
