using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>Parsing and key checks shared by the recipe readers (Hugging Face TrainingArguments, nanoGPT config).</summary>
internal static class RecipeJson
{
    internal static JsonObject Parse(string json, string what)
    {
        Preconditions.NotNull(json, "json");
        var node = ScheduleSpec.ParseJson(json, what);
        return node as JsonObject ?? throw new ScheduleArgumentException("", $"{what} must be a JSON object of settings (was {SpecReader.Show(node)})");
    }

    /// <summary>
    /// The keys of <paramref name="obj"/> that are not <paramref name="scheduleKeys"/>, in input order, to be ignored;
    /// fails on a key that is none of <paramref name="otherKeys"/> and is spelled like a schedule key.
    /// </summary>
    internal static List<string> IgnoredKeys(JsonObject obj, IReadOnlyCollection<string> scheduleKeys, IReadOnlySet<string> otherKeys, string what)
    {
        var ignored = new List<string>();
        foreach (var (key, _) in obj)
        {
            if (scheduleKeys.Contains(key))
            {
                continue;
            }

            if (!otherKeys.Contains(key) && Suggestions.Closest(key, scheduleKeys) is { } suggestion)
            {
                throw new ScheduleArgumentException(key, $"is not a {what} setting (did you mean '{suggestion}'?)");
            }

            ignored.Add(key);
        }

        return ignored;
    }

    /// <summary>One schedule from a spec object; an error's path is renamed by <paramref name="rename"/> (spec key to recipe key).</summary>
    internal static Schedule Build(JsonObject spec, Func<string, string> rename)
    {
        try
        {
            return ScheduleSpec.Parse(spec);
        }
        catch (ScheduleArgumentException e)
        {
            var dot = e.Parameter.IndexOf('.', StringComparison.Ordinal);
            var head = dot < 0 ? e.Parameter : e.Parameter[..dot];
            var tail = dot < 0 ? "" : e.Parameter[dot..];
            throw new ScheduleArgumentException(head.Length == 0 ? "" : rename(head) + tail, e.Rule);
        }
    }
}
