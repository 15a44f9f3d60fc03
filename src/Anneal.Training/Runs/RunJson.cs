using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Anneal.Training.Runs;

/// <summary>
/// The one JSON convention of a run directory: System.Text.Json, snake_case property names, enums by their lowercase
/// names, NaN and infinities as the strings <c>"NaN"</c> and <c>"Infinity"</c> (a diverged loss), indented.
/// </summary>
internal static class RunJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";

    /// <summary>Reads <paramref name="path"/> as a <typeparamref name="T"/>.</summary>
    /// <exception cref="TrainingInputException">The file is not valid JSON of that shape; the message names the file and the JSON path.</exception>
    public static T Read<T>(string path)
    {
        try
        {
            return Deserialize<T>(File.ReadAllText(path, Encoding.UTF8), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingInputException(null, $"cannot read '{path}': {e.Message}");
        }
    }

    /// <summary>Parses <paramref name="json"/> (read from <paramref name="where"/>) as a <typeparamref name="T"/>.</summary>
    /// <exception cref="TrainingInputException">Not valid JSON of that shape.</exception>
    public static T Deserialize<T>(string json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            var at = e.Path is { Length: > 1 } p ? $" at {p}" : "";
            throw new TrainingInputException(null, $"'{where}' is not a valid {typeof(T).Name}{at}: {FirstSentence(e.Message)}; restore it or remove the run directory");
        }
    }

    private static string FirstSentence(string message) => message.Split(". ", 2)[0].TrimEnd('.');
}

/// <summary>
/// A string property that holds a JSON value (a schedule spec, a scheduler state), written into the document as that
/// value, not as a string with JSON in it; read back as compact JSON text.
/// </summary>
internal sealed class RawJsonConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return JsonSerializer.Serialize(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        using var document = JsonDocument.Parse(value);
        document.RootElement.WriteTo(writer);
    }
}
