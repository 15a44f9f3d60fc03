using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Saves and loads a <see cref="SchedulerState"/> as JSON, together with the schedule's spec so that a state is never
/// loaded into a different schedule (compared as parsed specs, so a file written by an earlier version whose written
/// spec lacked a parameter since added still matches). Doubles are written with round-trip precision (infinities as
/// strings), so a resumed run continues bit for bit. The state is the step count, the base learning rates and the
/// plateau states; a <see cref="ChainedScheduler"/>'s chained learning rate is not in it, because it is a function of
/// those, recomputed exactly at load.
/// </summary>
public static class SchedulerStateJson
{
    /// <summary>The format tag written into every state file.</summary>
    public const string Format = "anneal.scheduler-state/1";

    /// <summary>Writes <paramref name="scheduler"/>'s state (and its schedule's spec, when it has a JSON form).</summary>
    public static string Write(Scheduler scheduler)
    {
        var state = scheduler.GetState();
        var root = new JsonObject
        {
            ["format"] = Format,
            ["step"] = state.Step,
            ["base_lrs"] = Numbers(state.BaseLearningRates),
            ["plateaus"] = new JsonArray([.. state.Plateaus.Select(p => (JsonNode)new JsonObject
            {
                ["best"] = Number(p.Best),
                ["num_bad_epochs"] = p.NumBadEpochs,
                ["cooldown_counter"] = p.CooldownCounter,
                ["last_epoch"] = p.LastEpoch,
                ["lrs"] = Numbers(p.LearningRates),
            })]),
        };
        if (scheduler.Schedule.HasJsonForm)
        {
            root["schedule"] = scheduler.Schedule.ToSpec(); // a schedule with C# functions has no spec to check against
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads a state written by <see cref="Write"/>, checking it belongs to <paramref name="schedule"/>.</summary>
    /// <exception cref="ScheduleArgumentException">The text is not a state file, or it was saved for another schedule; the message says which.</exception>
    public static SchedulerState Read(string json, Schedule schedule)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new ScheduleArgumentException("state", "is not valid JSON; pass a file written by SchedulerStateJson.Write (anneal: --state-out)");
        }

        if (root["format"]?.GetValueKind() != JsonValueKind.String || root["format"]!.GetValue<string>() != Format)
        {
            throw new ScheduleArgumentException("state.format", $"must be '{Format}'; pass a file written by SchedulerStateJson.Write (anneal: --state-out)");
        }

        if (root["schedule"] is JsonObject saved && schedule.HasJsonForm)
        {
            var expected = schedule.ToSpec().ToJsonString();
            if (Canonical(saved) != expected)
            {
                throw new ScheduleArgumentException("state.schedule", $"was saved for {saved.ToJsonString()} but the schedule is {expected}; resume with the same spec");
            }
        }

        if (root["step"] is JsonValue stepValue && stepValue.GetValueKind() == JsonValueKind.Number &&
            stepValue.TryGetValue<long>(out var savedStep) && savedStep < 0)
        {
            throw new ScheduleArgumentException("state.step", $"must be >= 0 (was {savedStep})");
        }

        try
        {
            return new SchedulerState(
                root["step"]!.GetValue<long>(),
                Doubles(root["base_lrs"]),
                [.. root["plateaus"]!.AsArray().Select(p => new PlateauState(
                    ToDouble(p!["best"]),
                    p["num_bad_epochs"]!.GetValue<long>(),
                    p["cooldown_counter"]!.GetValue<long>(),
                    p["last_epoch"]!.GetValue<long>(),
                    Doubles(p["lrs"])))]);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or JsonException)
        {
            throw new ScheduleArgumentException("state", "is missing fields or has fields of the wrong type; pass a file written by SchedulerStateJson.Write (anneal: --state-out)");
        }
    }

    /// <summary>
    /// The saved spec as this version writes it: parsed and written again, so a state written before a parameter was
    /// added to the written spec (with its default) still matches; the text as saved when it no longer parses.
    /// </summary>
    private static string Canonical(JsonObject saved)
    {
        try
        {
            return ScheduleSpec.Write(ScheduleSpec.Parse(saved.ToJsonString()));
        }
        catch (ScheduleArgumentException)
        {
            return saved.ToJsonString();
        }
    }

    private static JsonNode Number(double value) =>
        double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));

    private static JsonArray Numbers(IEnumerable<double> values) => new([.. values.Select(Number)]);

    private static double ToDouble(JsonNode? node) => node!.GetValueKind() == JsonValueKind.String
        ? double.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture)
        : node.GetValue<double>();

    private static double[] Doubles(JsonNode? node) => [.. node!.AsArray().Select(ToDouble)];
}
