using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Reads the parameters of one schedule object of a JSON spec, tracking which keys were read so that unknown (for
/// example misspelled) keys are reported. Every error names the JSON path: <c>schedulers[1].T_max</c>.
/// </summary>
internal sealed class SpecReader
{
    private readonly JsonObject _object;
    private readonly HashSet<string> _known = ["type"];

    internal SpecReader(JsonObject obj, string path, string typeName)
    {
        _object = obj;
        Path = path;
        TypeName = typeName;
    }

    internal string Path { get; }

    internal string TypeName { get; }

    private string Name(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    private ScheduleArgumentException Fail(string key, string rule) => new(Name(key), rule) { IsFullPath = true };

    private JsonNode? Get(string key)
    {
        _known.Add(key);
        if (!_object.TryGetPropertyValue(key, out var node))
        {
            return null;
        }

        return node ?? throw Fail(key, "must not be null (omit it to take the default)");
    }

    internal bool Has(string key)
    {
        _known.Add(key);
        return _object.ContainsKey(key) && _object[key] is not null;
    }

    internal long Long(string key, long? fallback = null) =>
        OptionalLong(key) ?? fallback ?? throw Required(key);

    internal long? OptionalLong(string key) => Get(key) is { } node ? ToLong(node, key) : null;

    internal double Double(string key, double? fallback = null) =>
        OptionalDouble(key) ?? fallback ?? throw Required(key);

    internal double? OptionalDouble(string key) => Get(key) is { } node ? ToDouble(node, key) : null;

    internal bool Bool(string key, bool fallback)
    {
        var node = Get(key);
        if (node is null)
        {
            return fallback;
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Fail(key, $"must be true or false (was {Show(node)})"),
        };
    }

    internal T Enum<T>(string key, Func<string, string, T> parse, T fallback) where T : struct, System.Enum =>
        OptionalEnum(key, parse) ?? fallback;

    internal T? OptionalEnum<T>(string key, Func<string, string, T> parse) where T : struct, System.Enum
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.String
            ? parse(node.GetValue<string>(), key)
            : throw Fail(key, $"must be a string (was {Show(node)})");
    }

    internal PerGroup? OptionalPerGroup(string key)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }

        if (node is JsonArray array)
        {
            if (array.Count == 0)
            {
                throw Fail(key, "must not be empty");
            }

            return new PerGroup([.. array.Select((n, i) => ToDouble(n, $"{key}[{i}]"))]);
        }

        return new PerGroup(ToDouble(node, key));
    }

    internal PerGroup PerGroup(string key) => OptionalPerGroup(key) ?? throw Required(key);

    internal IReadOnlyList<long> LongList(string key) =>
        Get(key) switch
        {
            null => throw Required(key),
            JsonArray array => [.. array.Select((n, i) => ToLong(n, $"{key}[{i}]"))],
            var other => throw Fail(key, $"must be a list of integers (was {Show(other)})"),
        };

    internal Schedule Schedule(string key) =>
        Get(key) switch
        {
            null => throw Required(key),
            var node => ScheduleSpec.Parse(node, Name(key)),
        };

    internal IReadOnlyList<Schedule> Schedules(string key) =>
        Get(key) switch
        {
            null => throw Required(key),
            JsonArray array when array.Count > 0 => [.. array.Select((n, i) => ScheduleSpec.Parse(n, $"{Name(key)}[{i}]"))],
            JsonArray => throw Fail(key, "must list at least one schedule"),
            var other => throw Fail(key, $"must be a list of schedule objects (was {Show(other)})"),
        };

    /// <summary>Fails on any key that no parameter read, suggesting the closest known name.</summary>
    internal void Finish()
    {
        foreach (var (key, _) in _object)
        {
            if (!_known.Contains(key))
            {
                var suggestion = Suggestions.Closest(key, _known.Where(k => k != "type"));
                throw Fail(key, suggestion is null
                    ? $"is not a parameter of {TypeName} (it takes {string.Join(", ", _known.Where(k => k != "type"))})"
                    : $"is not a parameter of {TypeName} (did you mean '{suggestion}'?)");
            }
        }
    }

    private ScheduleArgumentException Required(string key)
    {
        var misspelled = _object.Select(p => p.Key)
            .FirstOrDefault(k => !_known.Contains(k) && Suggestions.Closest(k, [key]) is not null);
        return Fail(key, misspelled is null
            ? $"is required by {TypeName}"
            : $"is required by {TypeName} (found '{misspelled}': did you mean '{key}'?)");
    }

    private long ToLong(JsonNode? node, string key)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            if (value.TryGetValue<long>(out var integer))
            {
                return integer;
            }

            var real = value.GetValue<double>();
            if (real == Math.Floor(real) && Math.Abs(real) < 9e15)
            {
                return (long)real;
            }
        }

        throw Fail(key, $"must be an integer (was {Show(node)})");
    }

    private double ToDouble(JsonNode? node, string key)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            return value.GetValue<double>();
        }

        if (node is JsonValue text && text.GetValueKind() == JsonValueKind.String &&
            text.GetValue<string>() is "NaN" or "Infinity" or "-Infinity" or "nan" or "inf" or "-inf")
        {
            throw Fail(key, $"must be a finite number (was {Show(node)})");
        }

        throw Fail(key, $"must be a number (was {Show(node)})");
    }

    internal static string Show(JsonNode? node) => node is null ? "null" : node.ToJsonString();
}
