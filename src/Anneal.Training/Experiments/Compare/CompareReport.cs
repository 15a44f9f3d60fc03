using Anneal.Training.Runs;

namespace Anneal.Training.Experiments;

/// <summary>One run of a comparison (a schedule at one peak LR and one seed), measured.</summary>
/// <param name="Run">Which run: schedule, peak LR, seed, place in the plan.</param>
/// <param name="Optimizer">Its optimizer.</param>
/// <param name="WeightDecay">Its weight decay (decoupled for AdamW, an L2 term for Adam, SGD and RMSprop).</param>
/// <param name="Spec">The schedule's JSON spec as trained.</param>
/// <param name="Status">Completed or diverged.</param>
/// <param name="FinalValidationLoss">Validation loss after the last step (null when it diverged).</param>
/// <param name="BestValidationLoss">Lowest validation loss of any evaluation.</param>
/// <param name="ExcessOverFloor">Final validation loss minus the entropy floor (built-in corpus only).</param>
/// <param name="TokensToTarget">Training tokens seen at the first evaluation at or below the target, or null when never reached.</param>
/// <param name="LargestSpike">The largest rise of the validation loss above its lowest earlier value (0 when it never rose).</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="Tokens">Training tokens seen.</param>
/// <param name="WallSeconds">Wall time of the run, summed over its sessions when it was resumed.</param>
/// <param name="Sessions">How many times it was started or resumed.</param>
/// <param name="Directory">Its run directory (under the report directory as it was given).</param>
/// <param name="History">Its whole history (every step's learning rates and losses, the evaluations).</param>
public sealed record CompareRun(
    SweepRun Run,
    OptimizerKind Optimizer,
    double WeightDecay,
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
    RunHistory History)
{
    /// <summary>The schedule's name.</summary>
    public string Name => Run.Entry.Name;

    /// <summary>The peak learning rate.</summary>
    public double LearningRate => Run.LearningRate;

    /// <summary>The seed.</summary>
    public int Seed => Run.Seed;
}

/// <summary>A schedule at one peak learning rate: its runs (one per seed) and, when every seed completed, their summary.</summary>
/// <param name="LearningRate">The peak learning rate.</param>
/// <param name="Runs">The runs, in seed order.</param>
/// <param name="Final">The final validation loss over the seeds, or null when a seed diverged (or is missing).</param>
public sealed record LrResult(double LearningRate, IReadOnlyList<CompareRun> Runs, SeedSummary? Final)
{
    /// <summary>Runs that diverged.</summary>
    public int Diverged => Runs.Count(r => r.Status == TrainingStatus.Diverged);

    /// <summary>Each seed's final validation loss, in seed order (null where it diverged).</summary>
    public IReadOnlyList<double?> Finals => [.. Runs.Select(r => r.FinalValidationLoss)];
}

/// <summary>Where a schedule's best peak LR lies in the grid.</summary>
public enum GridEdge
{
    /// <summary>Inside the grid (or the grid has one point): a minimum was bracketed.</summary>
    None,

    /// <summary>At the lowest LR of the grid: a lower one may be better; widen the grid downwards.</summary>
    Lowest,

    /// <summary>At the highest LR of the grid: a higher one may be better; widen the grid upwards.</summary>
    Highest,
}

/// <summary>One schedule of a comparison at its own best peak LR, ranked.</summary>
/// <param name="Rank">1 for the lowest mean final validation loss at its best LR; schedules without one last, in plan order.</param>
/// <param name="Entry">The schedule.</param>
/// <param name="Optimizer">Its optimizer.</param>
/// <param name="WeightDecay">Its weight decay.</param>
/// <param name="ByLearningRate">Its runs at each peak LR, in grid order.</param>
/// <param name="Best">The peak LR with the lowest mean final validation loss over the seeds (all seeds completed), or null.</param>
/// <param name="DiffToBest">The paired difference to the winner (both at their best LR); null for the winner and for schedules without a best LR.</param>
/// <param name="TiedWithBest">True when the winner's lead over it is not significant (<see cref="SeedStatistics.Tied"/>).</param>
/// <param name="Edge">Whether its best LR is at an edge of the grid.</param>
/// <param name="BestValidationLossMean">The mean over seeds of the lowest validation loss, at its best LR.</param>
/// <param name="ExcessOverFloorMean">Mean final validation loss minus the entropy floor, at its best LR (built-in corpus only).</param>
/// <param name="TokensToTarget">The mean over seeds of the tokens to reach the target, at its best LR, when every seed reached it; else null.</param>
/// <param name="TargetReached">How many seeds reached the target at its best LR.</param>
/// <param name="LargestSpike">The largest spike of any seed at its best LR.</param>
/// <param name="WallSeconds">Wall time of all its runs (every LR and seed).</param>
public sealed record ScheduleResult(
    int Rank,
    CompareEntry Entry,
    OptimizerKind Optimizer,
    double WeightDecay,
    IReadOnlyList<LrResult> ByLearningRate,
    LrResult? Best,
    PairedDifference? DiffToBest,
    bool TiedWithBest,
    GridEdge Edge,
    double? BestValidationLossMean,
    double? ExcessOverFloorMean,
    double? TokensToTarget,
    int TargetReached,
    double? LargestSpike,
    double WallSeconds)
{
    /// <summary>The schedule's name.</summary>
    public string Name => Entry.Name;

    /// <summary>Its best peak LR, or null.</summary>
    public double? BestLearningRate => Best?.LearningRate;

    /// <summary>The spec it was trained with at its best LR (or at the first LR when it has none).</summary>
    public string Spec => (Best ?? ByLearningRate[0]).Runs[0].Spec;
}

/// <summary>
/// The outcome of a comparison: everything a report shows (the command line renders it): <see cref="Schedules"/>
/// (ranked rows, each with its best LR and runs), <see cref="Runs"/> (every run, its directory and history) and, with
/// <c>--predict</c>, the law's predictions.
/// </summary>
/// <param name="Options">What was compared.</param>
/// <param name="Schedules">The schedules at their best LR, ranked (best first).</param>
/// <param name="Runs">Every run, in plan order.</param>
/// <param name="Target">The target validation loss of "tokens to target".</param>
/// <param name="TargetRule">How the target was chosen, in words.</param>
/// <param name="EntropyFloor">The entropy rate of the built-in corpus per token, or null for other data.</param>
/// <param name="UnigramBaseline">The loss of the best context-free model.</param>
/// <param name="DataSource">The data, as the trainer describes it.</param>
/// <param name="Parameters">The model's parameter count.</param>
/// <param name="TokensPerStep">Training tokens per optimizer step.</param>
/// <param name="Conclusion">The conclusion: the winner or the tied schedules, with intervals.</param>
/// <param name="Branching">The branching experiment's outcome, when it ran.</param>
/// <param name="Sessions">The invocations that trained the runs (<c>sessions/</c>).</param>
/// <param name="Machine">The machine that assembled the report.</param>
/// <param name="WallSeconds">Wall time of every run (and branching run) summed, over all sessions.</param>
/// <param name="Prediction">The loss law's predictions (<see cref="CompareSettings.Predict"/>), or null.</param>
public sealed record CompareReport(
    CompareSettings Options,
    IReadOnlyList<ScheduleResult> Schedules,
    IReadOnlyList<CompareRun> Runs,
    double? Target,
    string TargetRule,
    double? EntropyFloor,
    double UnigramBaseline,
    string DataSource,
    long Parameters,
    int TokensPerStep,
    string Conclusion,
    BranchingReport? Branching,
    IReadOnlyList<CompareSession> Sessions,
    MachineInfo Machine,
    double WallSeconds,
    PredictionReport? Prediction = null);

/// <summary>The measurements a run's row is made of, each a pure function of a run's evaluations.</summary>
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
}
