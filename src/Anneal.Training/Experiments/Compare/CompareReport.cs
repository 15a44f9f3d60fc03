using System.Globalization;
using System.Text.Json.Nodes;

namespace Anneal.Training.Experiments;

/// <summary>One evaluation of a run: after step <c>Step</c> (0-based), having seen <c>Tokens</c> training tokens.</summary>
public readonly record struct Evaluation(int Step, long Tokens, double ValidationLoss);

/// <summary>A run's curves as read back from its <c>metrics.csv</c>.</summary>
/// <param name="Steps">Every step's index.</param>
/// <param name="LearningRates">Every step's learning rate (group 0, the weight matrices).</param>
/// <param name="TrainLosses">Every step's training loss.</param>
/// <param name="Evaluations">The validation evaluations, in order.</param>
public sealed record RunCurves(IReadOnlyList<int> Steps, IReadOnlyList<double> LearningRates, IReadOnlyList<double> TrainLosses, IReadOnlyList<Evaluation> Evaluations)
{
    /// <summary>Reads <c>metrics.csv</c> of <paramref name="directory"/> by its column names (step, tokens, lr_group0, train_loss, val_loss).</summary>
    /// <exception cref="InvalidDataException">The file lacks a column or has a malformed number.</exception>
    public static RunCurves Read(string directory)
    {
        var path = Path.Combine(directory, "metrics.csv");
        using var lines = File.ReadLines(path).GetEnumerator();
        if (!lines.MoveNext())
        {
            throw new InvalidDataException($"{path} is empty");
        }

        var header = lines.Current.Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"{path} has no '{name}' column");
        int step = Column("step"), tokens = Column("tokens"), lr = Column("lr_group0"), train = Column("train_loss"), val = Column("val_loss");
        List<int> steps = [];
        List<double> lrs = [], losses = [];
        List<Evaluation> evals = [];
        while (lines.MoveNext())
        {
            var cells = lines.Current.Split(',');
            if (cells.Length < header.Length)
            {
                continue; // a torn last line of a killed run
            }

            var s = int.Parse(cells[step], CultureInfo.InvariantCulture);
            steps.Add(s);
            lrs.Add(double.Parse(cells[lr], CultureInfo.InvariantCulture));
            losses.Add(double.Parse(cells[train], CultureInfo.InvariantCulture));
            if (cells[val].Length > 0)
            {
                evals.Add(new Evaluation(s, long.Parse(cells[tokens], CultureInfo.InvariantCulture), double.Parse(cells[val], CultureInfo.InvariantCulture)));
            }
        }

        return new RunCurves(steps, lrs, losses, evals);
    }
}

/// <summary>One compared run, measured.</summary>
/// <param name="Rank">1 for the lowest final validation loss; runs without one (diverged) rank last, in plan order.</param>
/// <param name="Name">The run's name.</param>
/// <param name="Optimizer">Its optimizer.</param>
/// <param name="Description">The schedule in words.</param>
/// <param name="Spec">The schedule's JSON spec as trained.</param>
/// <param name="Status"><c>completed</c> or <c>diverged</c>.</param>
/// <param name="FinalValidationLoss">Validation loss after the last step.</param>
/// <param name="BestValidationLoss">Lowest validation loss of any evaluation.</param>
/// <param name="ExcessOverFloor">Final validation loss minus the entropy floor (built-in corpus only).</param>
/// <param name="TokensToTarget">Training tokens seen at the first evaluation at or below the target, or null when never reached.</param>
/// <param name="LargestSpike">The largest rise of the validation loss above its lowest earlier value (0 when it never rose).</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="Tokens">Training tokens seen.</param>
/// <param name="WallSeconds">Wall time of the run, summed over its sessions when it was resumed.</param>
/// <param name="Sessions">How many times it was started or resumed.</param>
/// <param name="Curves">Its curves.</param>
public sealed record CompareRun(
    int Rank,
    string Name,
    string Optimizer,
    string? Description,
    string Spec,
    string Status,
    double? FinalValidationLoss,
    double? BestValidationLoss,
    double? ExcessOverFloor,
    long? TokensToTarget,
    double LargestSpike,
    int Steps,
    long Tokens,
    double WallSeconds,
    int Sessions,
    RunCurves Curves);

/// <summary>The measurements the table is made of, each a pure function of a run's evaluations.</summary>
public static class CompareMetrics
{
    /// <summary>The median of <paramref name="values"/> (mean of the middle two for an even count); null when empty.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Training tokens seen at the first evaluation whose validation loss is at or below <paramref name="target"/>, or null.</summary>
    public static long? TokensToReach(IEnumerable<Evaluation> evaluations, double target) =>
        evaluations.FirstOrDefault(e => e.ValidationLoss <= target) is { Tokens: > 0 } hit ? hit.Tokens : null;

    /// <summary>
    /// The largest spike: max over evaluations i of <c>val[i] - min(val[0..i-1])</c>, or 0 when the validation loss never
    /// rose above an earlier value. Validation uses the same batches at every evaluation, so a rise is the model getting
    /// worse, not sampling noise (the training loss of one batch would be).
    /// </summary>
    public static double LargestSpike(IEnumerable<double> validationLosses)
    {
        var lowest = double.PositiveInfinity;
        var spike = 0.0;
        foreach (var v in validationLosses)
        {
            spike = Math.Max(spike, v - lowest);
            lowest = Math.Min(lowest, v);
        }

        return spike;
    }

    /// <summary>
    /// Ranks runs: by final validation loss, ties broken by best validation loss, then by plan order; runs without a final
    /// validation loss last.
    /// </summary>
    public static IReadOnlyList<CompareRun> Rank(IReadOnlyList<CompareRun> runs) =>
        [.. runs.Select((r, i) => (Run: r, Index: i))
            .OrderBy(p => p.Run.FinalValidationLoss is null ? 1 : 0)
            .ThenBy(p => p.Run.FinalValidationLoss ?? 0)
            .ThenBy(p => p.Run.BestValidationLoss ?? 0)
            .ThenBy(p => p.Index)
            .Select((p, i) => p.Run with { Rank = i + 1 })];

    /// <summary>
    /// The conclusion in one sentence: the winner, its final validation loss, its margin over the runner-up (absolute and
    /// relative to the runner-up's loss) and, when known, its excess over the entropy floor.
    /// </summary>
    public static string Conclusion(IReadOnlyList<CompareRun> ranked, double? floor)
    {
        var finished = ranked.Where(r => r.FinalValidationLoss is not null).ToList();
        if (finished.Count == 0)
        {
            return "No run finished with a validation loss: every schedule diverged.";
        }

        var w = finished[0];
        var what = w.Description is null ? w.Name : $"{w.Name} ({w.Description})";
        var wl = w.FinalValidationLoss!.Value;
        var floorPart = floor is { } f ? $" and {F3(wl - f)} above the entropy floor" : "";
        if (finished.Count == 1)
        {
            return $"{what} is the only run that finished: final validation loss {F3(wl)}{floorPart}.";
        }

        var r = finished[1];
        var rl = r.FinalValidationLoss!.Value;
        var gap = rl - wl;
        if (gap == 0)
        {
            return $"{what} ties with {r.Name}: final validation loss {F3(wl)}{floorPart}.";
        }

        return $"{what} wins: final validation loss {F3(wl)}, {F3(gap)} ({(100 * gap / rl).ToString("F1", CultureInfo.InvariantCulture)}%) below the runner-up {r.Name} ({F3(rl)}){floorPart}.";
    }

    internal static string F3(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    internal static JsonObject ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path} is not a JSON object");
}
