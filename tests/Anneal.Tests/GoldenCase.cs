using System.Text.Json.Nodes;

namespace Anneal.Tests;

/// <summary>One golden case from tools/golden/gen_golden.py: a spec, the optimizer, and PyTorch's rows.</summary>
public sealed record GoldenCase(string File, JsonObject Json)
{
    public string Name => Json["name"]!.GetValue<string>();

    public override string ToString() => Name;

    public static IEnumerable<GoldenCase> Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", file);
        var root = JsonNode.Parse(System.IO.File.ReadAllText(path))!;
        return root["cases"]!.AsArray().Select(c => new GoldenCase(file, c!.AsObject()));
    }

    public static readonly IReadOnlyDictionary<string, Func<long, double>> Lambdas = new Dictionary<string, Func<long, double>>
    {
        ["exp095"] = t => Math.Pow(0.95, t),
        ["inv_sqrt_plus1"] = t => 1 / Math.Sqrt(t + 1),
        ["warmup10"] = t => Math.Min(1.0, (t + 1) / 10.0),
        ["const09"] = _ => 0.9,
        ["zero"] = _ => 0.0,
    };

    public Schedule Schedule() => Build(Json["spec"]!.AsObject());

    /// <summary>The spec as a schedule; LambdaLR / MultiplicativeLR nodes (anywhere) get the C# twin of their lambda key.</summary>
    private Schedule Build(JsonObject spec)
    {
        if (!HoldsLambda(spec))
        {
            return ScheduleSpec.Parse(spec.ToJsonString());
        }

        var type = spec["type"]!.GetValue<string>();
        switch (type)
        {
            case "LambdaLR" or "MultiplicativeLR":
                var f = Lambdas[(spec["lambda"] ?? Json["lambda"])!.GetValue<string>()];
                return type == "LambdaLR" ? new LambdaLR(f) : new MultiplicativeLR(f);
            case "ChainedScheduler":
                return new ChainedScheduler([.. spec["schedulers"]!.AsArray().Select(c => Build(c!.AsObject()))]);
            case "SequentialLR":
                return new SequentialLR(
                    [.. spec["schedulers"]!.AsArray().Select(c => Build(c!.AsObject()))],
                    [.. spec["milestones"]!.AsArray().Select(m => m!.GetValue<long>())]);
            default:
                throw new InvalidOperationException($"{Name}: a lambda under {type}");
        }
    }

    private static bool HoldsLambda(JsonObject spec) =>
        spec["type"]!.GetValue<string>() is "LambdaLR" or "MultiplicativeLR" ||
        (spec["schedulers"] is JsonArray children && children.Any(c => HoldsLambda(c!.AsObject())));

    public ParamGroup[] Groups()
    {
        var lrs = Json["lrs"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        return Json["optimizer"]!.GetValue<string>() == "adam"
            ? [.. lrs.Select(lr => new ParamGroup(lr, MomentumKind.Beta1, Json["betas"]![0]!.GetValue<double>()))]
            : [.. lrs.Select(lr => new ParamGroup(lr, MomentumKind.Momentum, Json["momentum"]?.GetValue<double>() ?? 0))];
    }

    public int Steps => Json["steps"]!.GetValue<int>();

    public double[]? Metrics => Json["metrics"]?.AsArray().Select(n => n!.GetValue<double>()).ToArray();

    public double[][] Rows(string key) =>
        Json[key]?.AsArray().Select(r => r!.AsArray().Select(n => n!.GetValue<double>()).ToArray()).ToArray() ?? [];
}
