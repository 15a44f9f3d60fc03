using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Data;

namespace Anneal.Training.Laws;

/// <summary>One fact of a run's set-up that runs fitted together must share.</summary>
/// <param name="Area">What it belongs to: <c>model</c>, <c>data</c> or <c>optimizer</c>.</param>
/// <param name="Name">The option (run.json's name).</param>
/// <param name="Value">Its value, as text.</param>
public sealed record RunFact(string Area, string Name, string Value);

/// <summary>A finished training run as the laws see it: its learning rates, losses and set-up.</summary>
public sealed record TrainedRun
{
    /// <summary>The run directory, as given.</summary>
    public required string Directory { get; init; }

    /// <summary>The seed of the run.</summary>
    public required int Seed { get; init; }

    /// <summary>The schedule's JSON spec, as run.json holds it.</summary>
    public required string ScheduleSpec { get; init; }

    /// <summary>The optimizer's base (peak) learning rate, <c>--lr</c>.</summary>
    public required double BaseLr { get; init; }

    /// <summary>Tokens per optimizer step.</summary>
    public required long TokensPerStep { get; init; }

    /// <summary>The learning rate of each optimizer step (parameter group 0).</summary>
    public required IReadOnlyList<double> LearningRates { get; init; }

    /// <summary>The training loss of each step (computed before that step's update, so after <c>step</c> steps).</summary>
    public required IReadOnlyList<double> TrainLosses { get; init; }

    /// <summary>The validation losses, one point per evaluation.</summary>
    public required IReadOnlyList<CurvePoint> Validation { get; init; }

    /// <summary>The validation loss after the last step.</summary>
    public required double FinalValidationLoss { get; init; }

    /// <summary>The model, data and optimizer facts that runs fitted together must share.</summary>
    public required IReadOnlyList<RunFact> Setup { get; init; }

    /// <summary>run.json's <c>options</c>: what trains another run like this one.</summary>
    public required JsonObject Options { get; init; }

    /// <summary>Optimizer steps.</summary>
    public int Steps => LearningRates.Count;

    /// <summary>The curve to fit: validation points, or training losses averaged over bins of <c>options.TrainBin</c> steps.</summary>
    public LossCurve ToCurve(FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Target == FitTarget.Validation)
        {
            return new LossCurve(Directory, LearningRates, Validation);
        }

        var points = new List<CurvePoint>();
        var bin = options.TrainBin;
        for (var first = 1; first + bin - 1 < TrainLosses.Count; first += bin)
        {
            var mean = 0.0;
            for (var n = first; n < first + bin; n++)
            {
                mean += TrainLosses[n];
            }

            points.Add(new CurvePoint(first, first + bin - 1, mean / bin));
        }

        return new LossCurve(Directory, LearningRates, points);
    }
}

/// <summary>
/// Reads finished run directories (run.json, metrics.csv, summary.json) into <see cref="TrainedRun"/>s: the laws' one
/// reader of run directories, so that moving to another run-directory type changes this file only.
/// </summary>
public static class TrainedRuns
{
    private static readonly string[] ModelKeys = ["Layers", "Heads", "EmbeddingDim", "Context", "Dropout"];
    private static readonly string[] OptimizerKeys = ["Optimizer", "WeightDecay", "Beta1", "Beta2", "Momentum", "GradientClip", "BatchSize", "GradientAccumulation"];

    /// <summary>Reads the run in <paramref name="directory"/>.</summary>
    /// <exception cref="TrainingInputException">Not a run directory, not finished, or a file that does not parse (named).</exception>
    public static TrainedRun Read(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var name = directory.TrimEnd('/', '\\');
        var runJson = Path.Combine(directory, "run.json");
        var metrics = Path.Combine(directory, "metrics.csv");
        if (!File.Exists(runJson) || !File.Exists(metrics))
        {
            throw new TrainingInputException($"{name}: not a run directory (no run.json and metrics.csv); give directories written by 'anneal train' or 'anneal compare'");
        }

        var summary = Path.Combine(directory, "summary.json");
        if (!File.Exists(summary) || (string?)Json(summary)["status"] != "completed")
        {
            throw new TrainingInputException($"{name}: the run is not finished (summary.json missing or not 'completed'); finish it with 'anneal train --resume {name}'");
        }

        var run = Json(runJson);
        var options = run["options"] as JsonObject ?? throw new TrainingInputException($"{runJson}: no options");
        var (lrs, train, validation) = ReadMetrics(metrics);
        if (validation.Count == 0 || validation[^1].LastSteps != lrs.Length)
        {
            throw new TrainingInputException($"{metrics}: no validation loss after the last step");
        }

        var setup = new List<RunFact>();
        foreach (var key in ModelKeys)
        {
            setup.Add(new RunFact("model", key, Text(options[key])));
        }

        setup.Add(new RunFact("model", "vocabulary_size", Text(run["vocabulary_size"])));
        setup.Add(new RunFact("data", "data", Text(run["data"])));
        setup.Add(new RunFact("data", "tokenizer", Text(run["tokenizer"])));
        setup.Add(new RunFact("data", "EvalBatches", Text(options["EvalBatches"])));
        foreach (var key in OptimizerKeys)
        {
            setup.Add(new RunFact("optimizer", key, Text(options[key])));
        }

        return new TrainedRun
        {
            Directory = name,
            Seed = (int?)options["Seed"] ?? 0,
            ScheduleSpec = run["schedule"]?.ToJsonString() ?? (string?)options["Schedule"] ?? "",
            BaseLr = (double?)options["LearningRate"] ?? lrs.Max(),
            TokensPerStep = (long?)run["tokens_per_step"] ?? 0,
            LearningRates = lrs,
            TrainLosses = train,
            Validation = validation,
            FinalValidationLoss = validation[^1].Loss,
            Setup = setup,
            Options = options,
        };
    }

    /// <summary>
    /// Refuses runs that differ in model, data or optimizer: the message names the option and the two runs' values.
    /// </summary>
    /// <exception cref="TrainingInputException">Two runs disagree.</exception>
    public static void CheckSameSetup(IReadOnlyList<TrainedRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count < 2)
        {
            return;
        }

        var first = runs[0];
        var differences = new List<string>();
        foreach (var other in runs.Skip(1))
        {
            foreach (var (a, b) in first.Setup.Zip(other.Setup))
            {
                if (a.Value != b.Value)
                {
                    differences.Add($"{a.Area} option {a.Name} is {a.Value} in {first.Directory} but {b.Value} in {other.Directory}");
                }
            }
        }

        if (differences.Count > 0)
        {
            throw new TrainingInputException($"the runs do not share model, data and optimizer, so one law cannot describe them: {string.Join("; ", differences)}");
        }
    }

    private static JsonObject Json(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new TrainingInputException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new TrainingInputException($"{path}: not valid JSON ({e.Message})");
        }
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "none",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static (double[] Lrs, double[] Train, List<CurvePoint> Validation) ReadMetrics(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines.Length > 0 ? lines[0].Split(',') : [];
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new TrainingInputException($"{path}: no '{name}' column");
        int step = Column("step"), lr = Column("lr_group0"), train = Column("train_loss"), val = Column("val_loss");
        var lrs = new List<double>();
        var losses = new List<double>();
        var validation = new List<CurvePoint>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var cells = lines[i].Split(',');
            if (cells.Length != header.Length || !int.TryParse(cells[step], NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s != lrs.Count)
            {
                throw new TrainingInputException($"{path}: line {i + 1} is not row {lrs.Count} of the run");
            }

            lrs.Add(Parse(cells[lr], path, i));
            losses.Add(Parse(cells[train], path, i));
            if (cells[val].Length > 0)
            {
                validation.Add(CurvePoint.At(s + 1, Parse(cells[val], path, i)));
            }
        }

        return ([.. lrs], [.. losses], validation);
    }

    private static double Parse(string text, string path, int line) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new TrainingInputException($"{path}: line {line + 1}: '{text}' is not a number");
}
