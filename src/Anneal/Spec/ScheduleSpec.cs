using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// The JSON spec format: one object per schedule, <c>"type"</c> naming a PyTorch class (<c>CosineAnnealingLR</c>) or a
/// Hugging Face schedule (<c>warmup_stable_decay</c>) and every other key a constructor argument in that library's
/// spelling, so a configuration can be pasted from Python: <c>{"type":"CosineAnnealingLR","T_max":100,"eta_min":1e-5}</c>.
/// Composites nest: <c>{"type":"SequentialLR","schedulers":[{...},{...}],"milestones":[5]}</c>.
/// </summary>
public static partial class ScheduleSpec
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The spec type names this parser builds (LambdaLR and MultiplicativeLR take C# functions and are not among them).</summary>
    public static IReadOnlyCollection<string> TypeNames => [.. SpecTypes.All.Keys.Where(k => k is not ("LambdaLR" or "MultiplicativeLR"))];

    /// <summary>Parses a JSON spec.</summary>
    /// <exception cref="ScheduleArgumentException">Malformed JSON, an unknown type or parameter, a wrong type or a value the rules reject; the message names the JSON path.</exception>
    public static Schedule Parse(string json) => Parse(ParseJson(json, "spec"), "");

    /// <summary>
    /// <paramref name="json"/> read with comments and trailing commas allowed; malformed JSON is one error naming
    /// <paramref name="what"/>, the line and position (and that NaN and Infinity are not JSON numbers, when they appear).
    /// </summary>
    internal static JsonNode? ParseJson(string json, string what)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
            var hint = json.Contains("NaN", StringComparison.Ordinal) || json.Contains("Infinity", StringComparison.Ordinal)
                ? " (NaN and Infinity are not JSON numbers; use finite numbers)"
                : "";
            throw new ScheduleArgumentException("", $"{what} is not valid JSON{where}{hint}");
        }
    }

    /// <summary>Parses a spec already read as a <see cref="JsonNode"/>.</summary>
    /// <exception cref="ScheduleArgumentException">See <see cref="Parse(string)"/>.</exception>
    public static Schedule Parse(JsonNode? node) => Parse(node, "");

    internal static Schedule Parse(JsonNode? node, string path)
    {
        if (node is not JsonObject obj)
        {
            throw new ScheduleArgumentException(path, $"{(path.Length == 0 ? "spec" : "")} must be a JSON object with a \"type\" (was {SpecReader.Show(node)})".TrimStart()) { IsFullPath = true };
        }

        var typePath = path.Length == 0 ? "type" : $"{path}.type";
        if (!obj.TryGetPropertyValue("type", out var typeNode) || typeNode is null)
        {
            throw new ScheduleArgumentException(typePath, "is required (e.g. \"CosineAnnealingLR\" or \"warmup_stable_decay\")") { IsFullPath = true };
        }

        if (typeNode.GetValueKind() != JsonValueKind.String)
        {
            throw new ScheduleArgumentException(typePath, $"must be a string (was {SpecReader.Show(typeNode)})") { IsFullPath = true };
        }

        var type = typeNode.GetValue<string>();
        if (!SpecTypes.All.TryGetValue(type, out var factory))
        {
            var suggestion = Suggestions.Closest(type, SpecTypes.All.Keys);
            throw new ScheduleArgumentException(typePath, suggestion is null
                ? $"'{type}' is not a schedule type (known: {string.Join(", ", SpecTypes.All.Keys)})"
                : $"'{type}' is not a schedule type (did you mean '{suggestion}'?)") { IsFullPath = true };
        }

        var reader = new SpecReader(obj, path, type);
        Schedule schedule;
        try
        {
            schedule = factory(reader);
        }
        catch (ScheduleArgumentException e)
        {
            throw e.UnderPath(path);
        }

        reader.Finish();
        return schedule;
    }

    /// <summary>Writes the spec of <paramref name="schedule"/> with every parameter spelled out; parsing it gives an equal schedule.</summary>
    /// <exception cref="NotSupportedException">The schedule holds C# code and has no JSON form.</exception>
    public static string Write(Schedule schedule, bool indented = false) =>
        schedule.ToSpec().ToJsonString(indented ? Indented : null);
}
