using System.Globalization;
using Anneal.Training.Runs;

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

    /// <summary>The run's training options (run.json's): what trains another run like this one.</summary>
    public required TrainingOptions Options { get; init; }

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
/// Reads finished run directories into <see cref="TrainedRun"/>s through <see cref="RunDirectory"/> (its manifest,
/// summary and metric history; runs of the earlier format too): the laws' one reader of runs.
/// </summary>
public static class TrainedRuns
{
    /// <summary>Reads the run in <paramref name="directory"/>.</summary>
    /// <exception cref="TrainingInputException">Not a run directory, not finished, or a file that does not parse (named).</exception>
    public static TrainedRun Read(string directory) => Read(directory, null);

    /// <summary>Reads the run in <paramref name="directory"/>, its metric history already read as <paramref name="history"/> (null: read it).</summary>
    /// <exception cref="TrainingInputException">Not a run directory, not finished, or a file that does not parse (named).</exception>
    internal static TrainedRun Read(string directory, RunHistory? history)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var name = directory.TrimEnd('/', '\\');
        var run = new RunDirectory(directory);
        var manifest = run.ReadManifest();
        var summary = run.ReadSummary();
        if (summary is not { Status: TrainingStatus.Completed })
        {
            throw new TrainingInputException(null, $"'{name}' is not a finished run (its summary says {(summary is null ? "nothing: no session ended" : summary.Status.ToString().ToLowerInvariant())})", new ResumeRemedy(name));
        }

        history ??= run.ReadHistory();
        var lrs = history.LearningRates(0);
        var validation = history.Evaluations.Select(e => CurvePoint.At(e.Step + 1, e.ValidationLoss)).ToList();
        if (lrs.Count == 0 || validation.Count == 0 || validation[^1].LastSteps != lrs.Count)
        {
            throw new TrainingInputException(null, $"'{run.FilePath(RunDirectory.MetricsFile)}' has no validation loss after the last step");
        }

        var o = manifest.Options;
        var m = manifest.Model;
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        RunFact[] setup =
        [
            new("model", "Layers", m.Layers.ToString(CultureInfo.InvariantCulture)),
            new("model", "Heads", m.Heads.ToString(CultureInfo.InvariantCulture)),
            new("model", "EmbeddingDim", m.EmbeddingDim.ToString(CultureInfo.InvariantCulture)),
            new("model", "Context", m.Context.ToString(CultureInfo.InvariantCulture)),
            new("model", "Dropout", F(m.Dropout)),
            new("model", "VocabularySize", m.VocabularySize.ToString(CultureInfo.InvariantCulture)),
            new("data", "data", manifest.Data.Source),
            new("data", "Tokenizer", manifest.Data.Tokenizer.Name()),
            new("data", "EvalBatches", o.EvalBatches.ToString(CultureInfo.InvariantCulture)),
            new("optimizer", "Optimizer", o.Optimizer.Name()),
            new("optimizer", "WeightDecay", F(o.WeightDecay)),
            new("optimizer", "Beta1", F(o.Beta1)),
            new("optimizer", "Beta2", F(o.Beta2)),
            new("optimizer", "Momentum", F(o.Momentum)),
            new("optimizer", "GradientClip", F(o.GradientClip)),
            new("optimizer", "BatchSize", o.BatchSize.ToString(CultureInfo.InvariantCulture)),
            new("optimizer", "GradientAccumulation", o.GradientAccumulation.ToString(CultureInfo.InvariantCulture)),
        ];
        return new TrainedRun
        {
            Directory = name,
            Seed = o.Seed,
            ScheduleSpec = manifest.Schedule,
            BaseLr = o.LearningRate,
            TokensPerStep = manifest.TokensPerStep,
            LearningRates = lrs,
            TrainLosses = history.TrainLosses,
            Validation = validation,
            FinalValidationLoss = validation[^1].Loss,
            Setup = setup,
            Options = o,
        };
    }

    /// <summary>
    /// Refuses runs that differ in model, data or optimizer: the message names the option and the two runs' values.
    /// </summary>
    /// <exception cref="LawInputException">Two runs disagree.</exception>
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
            throw new LawInputException(null, $"the runs do not share model, data and optimizer, so one law cannot describe them: {string.Join("; ", differences)}");
        }
    }
}
