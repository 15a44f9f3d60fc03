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
    };

    public Schedule Schedule()
    {
        var spec = Json["spec"]!.AsObject();
        var type = spec["type"]!.GetValue<string>();
        if (type is "LambdaLR" or "MultiplicativeLR")
        {
            var f = Lambdas[Json["lambda"]!.GetValue<string>()];
            return type == "LambdaLR" ? new LambdaLR(f) : new MultiplicativeLR(f);
        }

        return ScheduleSpec.Parse(spec.ToJsonString());
    }

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
