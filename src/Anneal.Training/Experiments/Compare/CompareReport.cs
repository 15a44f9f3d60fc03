using System.Globalization;
using Anneal.Training.Runs;

namespace Anneal.Training.Experiments;

/// <summary>One compared run, measured.</summary>
/// <param name="Rank">1 for the lowest final validation loss; runs without one (diverged) rank last, in plan order.</param>
/// <param name="Name">The run's name.</param>
/// <param name="Optimizer">Its optimizer.</param>
/// <param name="Description">The schedule in words.</param>
/// <param name="Spec">The schedule's JSON spec as trained.</param>
/// <param name="Status">Completed or diverged.</param>
/// <param name="FinalValidationLoss">Validation loss after the last step.</param>
/// <param name="BestValidationLoss">Lowest validation loss of any evaluation.</param>
/// <param name="ExcessOverFloor">Final validation loss minus the entropy floor (built-in corpus only).</param>
/// <param name="TokensToTarget">Training tokens seen at the first evaluation at or below the target, or null when never reached.</param>
/// <param name="LargestSpike">The largest rise of the validation loss above its lowest earlier value (0 when it never rose).</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="Tokens">Training tokens seen.</param>
/// <param name="WallSeconds">Wall time of the run, summed over its sessions when it was resumed.</param>
/// <param name="Sessions">How many times it was started or resumed.</param>
/// <param name="Directory">Its run directory.</param>
/// <param name="History">Its whole history (every step's learning rates and losses, the evaluations).</param>
public sealed record CompareRun(
    int Rank,
    string Name,
    OptimizerKind Optimizer,
    string? Description,
    string Spec,
    TrainingStatus Status,
    double? FinalValidationLoss,
    double? BestValidationLoss,
    double? ExcessOverFloor,
    long? TokensToTarget,
    double LargestSpike,
    int Steps,
    long Tokens,
    double WallSeconds,
    int Sessions,
    string Directory,
    RunHistory History);

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
}
