using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// A parameter that is either one value for every parameter group or a list with one value per group, as PyTorch
/// accepts for <c>max_lr</c>, <c>base_lr</c>, <c>min_lr</c> and the momenta. Converts implicitly from a
/// <see cref="double"/> and from a <c>double[]</c>.
/// </summary>
public readonly struct PerGroup : IEquatable<PerGroup>
{
    private readonly double[]? _values;

    /// <summary>One value for every group.</summary>
    public PerGroup(double value)
    {
        _values = [value];
        IsList = false;
    }

    /// <summary>One value per group, in group order.</summary>
    public PerGroup(IReadOnlyList<double> values)
    {
        _values = [.. values];
        IsList = true;
    }

    /// <summary>True when one value per group was given.</summary>
    public bool IsList { get; }

    /// <summary>The values given (one element when <see cref="IsList"/> is false).</summary>
    public IReadOnlyList<double> Values => _values ?? [0.0];

    /// <summary>The value for group <paramref name="group"/>.</summary>
    public double this[int group] => _values is null ? 0 : IsList ? _values[group] : _values[0];

    /// <summary>One value for every group.</summary>
    public static implicit operator PerGroup(double value) => new(value);

    /// <summary>One value per group.</summary>
    public static implicit operator PerGroup(double[] values) => new(values);

    /// <inheritdoc />
    public bool Equals(PerGroup other) => IsList == other.IsList && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PerGroup other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Values.Aggregate(IsList.GetHashCode(), HashCode.Combine);

    /// <summary>Checks every value with <paramref name="check"/>; list elements are named <c>name[i]</c>.</summary>
    internal PerGroup Check(string name, Func<double, string, double> check)
    {
        if (!IsList)
        {
            check(this[0], name);
            return this;
        }

        Preconditions.Each(Values, name, check);
        return this;
    }

    /// <summary>Fails when a list does not have one value per group.</summary>
    internal void CheckCount(int groupCount, string name)
    {
        if (IsList && Values.Count != groupCount)
        {
            throw Preconditions.Fail(
                name,
                $"must have one value per parameter group: expected {groupCount}, got {Values.Count}");
        }
    }

    internal JsonNode ToJson() => IsList ? new JsonArray([.. Values.Select(v => (JsonNode)v)]) : JsonValue.Create(this[0]);
}
