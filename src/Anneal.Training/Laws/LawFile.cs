using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Runs;

namespace Anneal.Training.Laws;

/// <summary>
/// <c>law.json</c>, the one place a <see cref="FittedLaw"/> is written and read: format <c>anneal.law/1</c>, the law
/// and its parameters, the learning-rate unit, the fitted warmup, the fit's options and the source runs with their
/// peak learning rate, warmup and fit error.
/// </summary>
public static class LawFile
{
    /// <summary>The format tag.</summary>
    public const string Format = "anneal.law/1";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The JSON text of <paramref name="law"/>.</summary>
    public static string Write(FittedLaw law)
    {
        ArgumentNullException.ThrowIfNull(law);
        var parameters = new JsonObject();
        var values = law.Law.ToVector();
        for (var i = 0; i < values.Length; i++)
        {
            parameters[law.Law.ParameterNames[i]] = values[i];
        }

        var o = law.Options;
        var root = new JsonObject
        {
            ["format"] = Format,
            ["law"] = LawNames.Of(law.Law.Kind),
            ["parameters"] = parameters,
            ["lr_unit"] = law.LrUnit,
            ["peak_lr"] = law.PeakLr,
            ["warmup_area"] = LawNames.Of(law.WarmupArea),
            ["warmup_steps"] = law.WarmupSteps,
            ["warmup"] = new JsonArray([.. law.Warmup.Select(v => (JsonNode)v)]),
            ["fitted_steps"] = law.FittedSteps,
            ["extrapolation_limit"] = law.ExtrapolationLimit,
            ["tokens_per_step"] = law.TokensPerStep,
            ["fit"] = new JsonObject
            {
                ["target"] = LawNames.Of(o.Target),
                ["train_bin"] = o.TrainBin,
                ["burn_in"] = o.BurnIn,
                ["lambda"] = o.Lambda is { } l ? JsonValue.Create(l) : JsonValue.Create("fit"),
                ["fixed"] = new JsonObject([.. o.Fixed.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))]),
                ["huber_delta"] = o.HuberDelta,
                ["peak_units"] = o.PeakUnits,
                ["objective"] = law.Objective,
            },
            ["sources"] = new JsonArray([.. law.Sources.Select(s => (JsonNode)new JsonObject
            {
                ["run"] = s.Name,
                ["seed"] = s.Seed,
                ["steps"] = s.Steps,
                ["peak_lr"] = s.PeakLr,
                ["warmup_steps"] = s.WarmupSteps,
                ["points"] = s.Points,
                ["mean_rel_error"] = s.MeanRelativeError,
                ["max_rel_error"] = s.MaxRelativeError,
                ["final_observed"] = s.FinalObserved,
                ["final_fitted"] = s.FinalFitted,
            })]),
            ["training_options"] = law.TrainingOptions is { } t ? JsonSerializer.SerializeToNode(t, RunJson.Options) : null,
        };
        return root.ToJsonString(Indented) + "\n";
    }

    /// <summary>Writes <paramref name="law"/> to <paramref name="path"/> (through a temporary file, so a failure leaves any earlier file whole).</summary>
    public static void Save(FittedLaw law, string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        RunDirectory.WriteAtomic(full, Write(law));
    }

    /// <summary>Reads the law in <paramref name="path"/>.</summary>
    /// <exception cref="LawInputException">Missing, not JSON, another format, or a missing or invalid field (named).</exception>
    public static FittedLaw Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new LawInputException(LawOption.LawFile, $": '{path}' does not exist; fit a law first");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a law from its JSON text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="LawInputException">Not JSON, another format, or a missing or invalid field (named).</exception>
    public static FittedLaw Parse(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new LawInputException(null, $"{source}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new LawInputException(null, $"{source}: not valid JSON ({e.Message})");
        }

        string Fail(string what) => throw new LawInputException(null, $"{source}: {what}");
        if ((string?)root["format"] != Format)
        {
            Fail($"format must be '{Format}' (was '{root["format"]}'); is this a law.json written by 'anneal fit'?");
        }

        try
        {
            var kind = LawNames.ParseLaw((string?)root["law"] ?? "") ?? throw new LawInputException(null, $"{source}: law must be multi-power or tissue (was '{root["law"]}')");
            var parameters = root["parameters"] as JsonObject ?? throw new LawInputException(null, $"{source}: parameters is missing");
            var values = LossLaw.NamesOf(kind).Select(name => Number(parameters[name], $"parameters.{name}", source)).ToArray();
            var fit = root["fit"] as JsonObject ?? throw new LawInputException(null, $"{source}: fit is missing");
            var lambda = fit["lambda"] is JsonValue v && v.TryGetValue<string>(out var s) && s == "fit" ? (double?)null : Number(fit["lambda"], "fit.lambda", source);
            var options = new FitOptions
            {
                Law = kind,
                Target = LawNames.ParseTarget((string?)fit["target"] ?? "") ?? throw new LawInputException(null, $"{source}: fit.target must be val or train"),
                TrainBin = (int)Number(fit["train_bin"], "fit.train_bin", source),
                BurnIn = (int)Number(fit["burn_in"], "fit.burn_in", source),
                Lambda = lambda,
                HuberDelta = Number(fit["huber_delta"], "fit.huber_delta", source),
                Fixed = (fit["fixed"] as JsonObject ?? []).ToDictionary(f => f.Key, f => Number(f.Value, $"fit.fixed.{f.Key}", source)),
                PeakUnits = (bool?)fit["peak_units"] ?? true,
            };
            var area = LawNames.ParseWarmupArea((string?)root["warmup_area"] ?? "") ?? throw new LawInputException(null, $"{source}: warmup_area must be actual or peak");
            var warmup = (root["warmup"] as JsonArray ?? throw new LawInputException(null, $"{source}: warmup is missing"))
                .Select((n, i) => Number(n, $"warmup[{i}]", source)).ToArray();
            if (warmup.Length == 0)
            {
                Fail("warmup must hold at least the peak step");
            }

            var sources = (root["sources"] as JsonArray ?? []).Select(n => n as JsonObject).OfType<JsonObject>().Select(o => new FitSource
            {
                Name = (string?)o["run"] ?? "",
                Seed = (int?)o["seed"],
                Steps = (int?)o["steps"] ?? 0,
                PeakLr = (double?)o["peak_lr"] ?? double.NaN,
                WarmupSteps = (int?)o["warmup_steps"] ?? 0,
                Points = (int?)o["points"] ?? 0,
                MeanRelativeError = (double?)o["mean_rel_error"] ?? double.NaN,
                MaxRelativeError = (double?)o["max_rel_error"] ?? double.NaN,
                FinalObserved = (double?)o["final_observed"],
                FinalFitted = (double?)o["final_fitted"] ?? double.NaN,
            }).ToList();
            var peak = Number(root["peak_lr"], "peak_lr", source);
            var unit = Number(root["lr_unit"], "lr_unit", source);
            var steps = (int)Number(root["fitted_steps"], "fitted_steps", source);
            if (!(peak > 0) || !(unit > 0) || steps < 1)
            {
                Fail("peak_lr and lr_unit must be > 0 and fitted_steps >= 1");
            }

            return new FittedLaw
            {
                Law = LossLaw.FromVector(kind, values),
                PeakLr = peak,
                LrUnit = unit,
                WarmupArea = area,
                Warmup = warmup,
                FittedSteps = steps,
                Options = options,
                Sources = sources,
                Objective = (double?)fit["objective"] ?? double.NaN,
                TokensPerStep = (long?)root["tokens_per_step"] ?? 0,
                TrainingOptions = root["training_options"] is JsonObject t ? t.Deserialize<TrainingOptions>(RunJson.Options) : null,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw new LawInputException(null, $"{source}: a field has the wrong type ({e.Message})");
        }
    }

    private static double Number(JsonNode? node, string name, string source)
    {
        if (node is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d))
        {
            return d;
        }

        throw new LawInputException(null, $"{source}: {name} must be a finite number (was {node?.ToJsonString() ?? "missing"})");
    }
}
