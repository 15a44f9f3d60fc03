using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Anneal.Training.Experiments;

/// <summary>One schedule of a comparison.</summary>
/// <param name="Name">The run's name: its directory under <c>runs/</c> and its row in the table (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>).</param>
/// <param name="Schedule">A <see cref="SchedulePresets"/> name (horizon: the compare's steps) or a JSON spec.</param>
/// <param name="Optimizer">The optimizer of this run, or null for the comparison's.</param>
/// <param name="Description">What the schedule is, in words, for the report.</param>
/// <param name="WeightDecay">The weight decay of this run's weight matrices, or null for the comparison's (<c>--weight-decay</c>).</param>
public sealed record CompareEntry(string Name, string Schedule, OptimizerKind? Optimizer = null, string? Description = null, double? WeightDecay = null);

/// <summary>
/// The schedules <c>anneal compare</c> runs: the default set, and the parsing of schedules given on the command line
/// or in a file.
/// </summary>
public static partial class CompareSet
{
    /// <summary>
    /// The default set: the article's strategies (constant, exponential, multi-step, cosine, one-cycle, and an adaptive
    /// optimizer, Adam, at a constant LR), the LLM presets (linear warmup + cosine to 10%, warmup-stable-decay with a
    /// 1-sqrt cooldown over the last 20%, linear decay to zero), and the two runs a loss law is fitted on (warmup +
    /// constant; warmup, constant, one drop to a tenth at mid-training). Every warmup is the same (5% of the steps,
    /// linear from 0). All peak at the run's learning rate, all horizons are the comparison's <c>--steps</c>; every run uses
    /// the comparison's optimizer (AdamW, decoupled weight decay) except <c>adam-constant</c>.
    /// </summary>
    /// <remarks>
    /// <c>adam-constant</c> is <c>torch.optim.Adam</c> as it is used: no weight decay (its default), since Adam's weight
    /// decay is an L2 term that the adaptive step scales away (Loshchilov and Hutter 2019). <see cref="Extra"/> has the L2
    /// variant and RMSprop by name.
    /// </remarks>
    public static IReadOnlyList<CompareEntry> Default { get; } =
    [
        new("constant", "constant", null, "constant learning rate"),
        new("exponential", "exponential", null, "exponential decay lr0 * gamma^t to 1% of the peak at the last step"),
        new("multistep", "multistep", null, "step decay: x0.1 at 50% and at 75% of the steps"),
        new("cosine", "cosine", null, "cosine annealing to 0, no warmup"),
        new("onecycle", "onecycle", null, "one-cycle: 30% rise from peak/25, cosine anneal to peak/25e4, momentum cycled"),
        new("adam-constant", "constant", OptimizerKind.Adam, "adaptive optimizer: Adam (torch.optim.Adam, no weight decay, as Adam is used) at a constant learning rate", 0),
        new("warmup-cosine", "warmup-cosine", null, "linear warmup over 5%, cosine decay to 10% of the peak"),
        new("wsd-1sqrt", "wsd-1sqrt", null, "warmup-stable-decay: linear warmup over 5%, constant, 1-sqrt cooldown to 0 over the last 20%"),
        new("warmup-linear", "warmup-linear", null, "linear warmup over 5%, linear decay to 0"),
        new("warmup-constant", "warmup-constant", null, "linear warmup over 5%, then constant"),
        new("two-stage", "two-stage", null, "linear warmup over 5%, constant, then x0.1 at 50% of the steps"),
    ];

    /// <summary>
    /// Entries known by name but not in the default set: <c>adam-l2-constant</c> (Adam with the comparison's weight decay
    /// as an L2 term, <c>torch.optim.Adam(weight_decay=...)</c>: the old baseline, for those who want it) and
    /// <c>rmsprop-constant</c> (RMSprop, no weight decay, at a constant learning rate).
    /// </summary>
    public static IReadOnlyList<CompareEntry> Extra { get; } =
    [
        new("adam-l2-constant", "constant", OptimizerKind.Adam, "Adam with weight decay as an L2 term (torch.optim.Adam's weight_decay) at a constant learning rate"),
        new("rmsprop-constant", "constant", OptimizerKind.RmsProp, "adaptive optimizer: RMSprop (torch.optim.RMSprop, no weight decay) at a constant learning rate", 0),
    ];

    /// <summary>The names <see cref="Parse"/> knows without a spec: the default set's, the extra entries' and every <see cref="SchedulePresets"/> name.</summary>
    public static IReadOnlyList<string> Names => [.. Default.Concat(Extra).Select(e => e.Name).Concat(SchedulePresets.Names).Distinct()];

    /// <summary>
    /// One schedule as given on the command line or on a line of a file: a name of the default set (<c>adam-constant</c>),
    /// a preset (<c>wsd</c>), a JSON spec (<c>{"type":"StepLR",...}</c>, named after its type), a <c>.json</c> file
    /// holding one (named after the file), or <c>NAME=</c> before any of these.
    /// </summary>
    /// <exception cref="TrainingInputException">Empty, an unknown name, or a bad name.</exception>
    public static CompareEntry Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var match = NamePrefix().Match(trimmed);
        string? name = null;
        if (match.Success)
        {
            name = match.Groups[1].Value;
            trimmed = trimmed[match.Length..].Trim();
        }

        if (trimmed.Length == 0)
        {
            throw new TrainingInputException(null, $"schedule '{text}' is empty; give a preset, a JSON spec or NAME=SPEC");
        }

        if (trimmed.StartsWith('{'))
        {
            return new CompareEntry(name ?? SpecName(trimmed), trimmed);
        }

        if (trimmed.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(trimmed))
        {
            return new CompareEntry(CheckName(name ?? Path.GetFileNameWithoutExtension(trimmed)), File.ReadAllText(trimmed).Trim(), null, $"the spec in {Path.GetFileName(trimmed)}");
        }

        if (Default.Concat(Extra).FirstOrDefault(e => e.Name == trimmed) is { } known)
        {
            return name is null ? known : known with { Name = CheckName(name) };
        }

        if (SchedulePresets.Names.Contains(trimmed))
        {
            return new CompareEntry(CheckName(name ?? trimmed), trimmed, null, $"the '{trimmed}' preset of anneal train");
        }

        // Not a name: let the preset resolver produce its one-line error with a suggestion.
        SchedulePresets.Spec(trimmed, 100, 1e-3, OptimizerKind.AdamW);
        throw new TrainingInputException(null, $"schedule '{trimmed}' is not known");
    }

    /// <summary>
    /// Reads a file of schedules: a JSON array of <c>{"name": ..., "schedule": ..., "optimizer": ..., "weight_decay": ...}</c>
    /// (schedule: a preset name or a spec object; optimizer and weight decay optional), or one schedule per line in <see cref="Parse"/>'s syntax
    /// (blank lines and lines starting with <c>#</c> skipped).
    /// </summary>
    /// <exception cref="TrainingInputException">Missing file, bad JSON, or a bad entry; the message names the entry.</exception>
    public static IReadOnlyList<CompareEntry> ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new TrainingInputException(TrainingOption.ScheduleFile, $": file '{path}' does not exist");
        }

        var text = File.ReadAllText(path);
        if (text.TrimStart().StartsWith('['))
        {
            return ReadJson(text, path);
        }

        var entries = new List<CompareEntry>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            try
            {
                entries.Add(Parse(line));
            }
            catch (TrainingInputException e)
            {
                throw e.WithContext($"{path} line {i + 1}");
            }
        }

        return entries;
    }

    /// <summary>Checks that the names are distinct and that there is at least one entry.</summary>
    /// <exception cref="TrainingInputException">Two entries share a name, or none is given.</exception>
    public static void CheckDistinct(IReadOnlyList<CompareEntry> entries)
    {
        if (entries.Count == 0)
        {
            throw new TrainingInputException(null, "no schedule to compare");
        }

        var twice = entries.GroupBy(e => e.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new TrainingInputException(null, $"two schedules are named '{twice.Key}'; name them with NAME=SPEC");
        }
    }

    private static List<CompareEntry> ReadJson(string text, string path)
    {
        JsonArray array;
        try
        {
            array = JsonNode.Parse(text) as JsonArray ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new TrainingInputException(TrainingOption.ScheduleFile, $": {path} is not a valid JSON array");
        }

        var entries = new List<CompareEntry>();
        for (var i = 0; i < array.Count; i++)
        {
            var where = $"{path}[{i}]";
            if (array[i] is not JsonObject item)
            {
                throw new TrainingInputException(TrainingOption.ScheduleFile, $": {where} must be an object with \"name\" and \"schedule\"");
            }

            var schedule = item["schedule"];
            string scheduleText = schedule switch
            {
                JsonObject spec => spec.ToJsonString(),
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => throw new TrainingInputException(TrainingOption.ScheduleFile, $": {where}.schedule must be a preset name or a spec object"),
            };
            var name = item["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null;
            var optimizer = item["optimizer"] is JsonValue o && o.GetValueKind() == JsonValueKind.String ? o.GetValue<string>() : null;
            double? weightDecay = item["weight_decay"] switch
            {
                null => null,
                JsonValue w when w.GetValueKind() == JsonValueKind.Number && w.GetValue<double>() is var v && v >= 0 && double.IsFinite(v) => v,
                _ => throw new TrainingInputException(TrainingOption.ScheduleFile, $": {where}.weight_decay must be a number >= 0"),
            };
            try
            {
                var entry = Parse(name is null ? scheduleText : $"{name}={scheduleText}");
                entries.Add(entry with
                {
                    Optimizer = optimizer is null ? entry.Optimizer : OptimizerKinds.Parse(optimizer),
                    WeightDecay = weightDecay ?? entry.WeightDecay,
                });
            }
            catch (TrainingInputException e)
            {
                throw e.WithContext(where);
            }
        }

        return entries;
    }

    private static string SpecName(string json)
    {
        try
        {
            return JsonNode.Parse(json)?["type"]?.GetValue<string>() is { } type ? CheckName(type) : "spec";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return "spec";
        }
    }

    private static string CheckName(string name) =>
        ValidName().IsMatch(name) ? name : throw new TrainingInputException(null, $"schedule name '{name}' must be letters, digits, '-', '_' or '.'");

    [GeneratedRegex(@"^([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*=")]
    private static partial Regex NamePrefix();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
    private static partial Regex ValidName();
}
