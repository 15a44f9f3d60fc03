using System.Globalization;

namespace Anneal.Training.Experiments;

/// <summary>What <see cref="Compare.Run"/> trains and how it reports.</summary>
public sealed record CompareSettings
{
    /// <summary>
    /// The compare's default run, the one place it is defined: <c>anneal train</c>'s run made smaller so that a sweep fits
    /// the machine (a 2-layer, 2-head, 64-wide character-level GPT on the built-in corpus; AdamW, seed 1337; 300 steps of
    /// 16 × 64 tokens), evaluated every 20 steps (16 points a run) so that "tokens to target" and spikes are resolved.
    /// </summary>
    /// <remarks>
    /// Sized for the issue's budget of 20 minutes on 2 cores: measured on a quiet 2-core machine, the default sweep
    /// (11 schedules × 4 peak LRs × 3 seeds = 132 runs) trained in 14 min 1 s (6.4 s a run). Other jobs
    /// sharing the cores slow it several times over. A larger model or budget is a matter of options (<c>--dim</c>,
    /// <c>--layers</c>, <c>--steps</c>), and shards (<c>--shard</c>, <c>--slurm</c>) spread the runs over machines.
    /// </remarks>
    public static TrainingOptions DefaultTraining { get; } = new() { EmbeddingDim = 64, Layers = 2, Heads = 2, Steps = 300, EvalEvery = 20 };

    /// <summary>
    /// The default peak learning rates, half a decade apart: 1e-3, 3e-3, 1e-2, 3e-2. Warmup schedules end lowest at 1e-2 for
    /// the default model (warmup + cosine at 1e-3, 3e-3, 1e-2, 3e-2: final validation loss 1.76, 1.30, 0.77, 1.90), schedules
    /// without a warmup and Adam at 3e-3: with three points, 3e-3 to 3e-2, five of the eleven defaults were best at the grid's edge.
    /// </summary>
    public static IReadOnlyList<double> DefaultLearningRates { get; } = [1e-3, 3e-3, 1e-2, 3e-2];

    /// <summary>The default number of seeds: the fewest that give an interval with some width to it (t = 4.30 for 3).</summary>
    public const int DefaultSeeds = 3;

    /// <summary>
    /// Everything the runs share: model, data, optimizer and step budget (the schedule is each entry's). Its
    /// <see cref="TrainingOptions.Seed"/> is the first seed; its <see cref="TrainingOptions.LearningRate"/> is not used (each
    /// run has one of <see cref="LearningRates"/>).
    /// </summary>
    public TrainingOptions Training { get; init; } = DefaultTraining;

    /// <summary>The schedules to compare.</summary>
    public IReadOnlyList<CompareEntry> Entries { get; init; } = CompareSet.Default;

    /// <summary>The peak learning rates: every schedule is trained at each (<c>--lr 1e-3,3e-3,1e-2,3e-2</c>).</summary>
    public IReadOnlyList<double> LearningRates { get; init; } = DefaultLearningRates;

    /// <summary>How many seeds: <see cref="TrainingOptions.Seed"/> and the ones after it.</summary>
    public int SeedCount { get; init; } = DefaultSeeds;

    /// <summary>The seeds, <c>seed .. seed + SeedCount - 1</c>.</summary>
    public IReadOnlyList<int> Seeds => [.. Enumerable.Range(Training.Seed, Math.Max(SeedCount, 0))];

    /// <summary>Every run, in plan order (<see cref="SweepPlan.Runs"/>).</summary>
    public IReadOnlyList<SweepRun> Runs => SweepPlan.Runs(Entries, LearningRates, Seeds);

    /// <summary>The target validation loss for "tokens to target"; null means the median final validation loss of the schedules at their best LR.</summary>
    public double? Target { get; init; }

    /// <summary>
    /// Fit a loss law at each peak LR on the <c>warmup-constant</c> and <c>warmup-cosine</c> runs and predict every other
    /// schedule sharing their warmup (<see cref="ComparePrediction"/>); needs both presets in <see cref="Entries"/>.
    /// </summary>
    public bool Predict { get; init; }

    /// <summary>The warmup-stable-decay branching experiment to run as well, or null.</summary>
    public BranchingOptions? Branching { get; init; }

    /// <summary>The command line that produced the report, shown in it for reproduction (without <c>--shard</c>, which only says who trains what).</summary>
    public string? CommandLine { get; init; }

    /// <summary>Checks the options; problems are gathered into one message.</summary>
    /// <exception cref="TrainingInputException">A value is out of range, a name repeats, or the branching plan is impossible.</exception>
    public void Validate()
    {
        var problems = new List<OptionProblem>(Training.Problems());
        if (LearningRates.Count == 0)
        {
            problems.Add(new OptionProblem(TrainingOption.LearningRate, "needs at least one learning rate"));
        }

        foreach (var lr in LearningRates.Where(lr => !(lr > 0 && double.IsFinite(lr))))
        {
            problems.Add(new OptionProblem(TrainingOption.LearningRate, $"must be finite numbers > 0 (was {Show(lr)})"));
        }

        if (LearningRates.Distinct().Count() != LearningRates.Count)
        {
            problems.Add(new OptionProblem(TrainingOption.LearningRate, $"lists {LearningRates.GroupBy(l => l).First(g => g.Count() > 1).Key.ToString("R", CultureInfo.InvariantCulture)} twice"));
        }

        if (SeedCount < 1)
        {
            problems.Add(new OptionProblem(TrainingOption.Seeds, $"must be >= 1 (was {SeedCount})"));
        }

        if (Target is { } t && !(t > 0 && double.IsFinite(t)))
        {
            problems.Add(new OptionProblem(TrainingOption.Target, $"must be a finite number > 0 (was {Show(t)})"));
        }

        if (Predict && ComparePrediction.Missing(Entries, Training) is { Count: > 0 } missing)
        {
            problems.Add(new OptionProblem(
                TrainingOption.Predict,
                $"fits the law on the {string.Join(" and ", ComparePrediction.FittedPresets)} runs (with the comparison's optimizer), and the set has no {string.Join(" and no ", missing)}; add {(missing.Count == 1 ? "it" : "them")} to the schedules, or leave out --predict"));
        }

        if (problems.Count > 0)
        {
            throw new TrainingInputException(problems);
        }

        CompareSet.CheckDistinct(Entries);
        if (Branching is { } b)
        {
            BranchingPlan.Create(Training.Steps, b);
        }
    }

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A run that <see cref="Compare.Run"/> is about to train, or found already trained.</summary>
/// <param name="Index">Position in the plan (the compared schedules first, then the branching runs).</param>
/// <param name="Name">The run's name (<c>cosine</c>, <c>wsd stable</c>, <c>branch 0.25</c>).</param>
/// <param name="Directory">The run directory.</param>
/// <param name="StartStep">The step it starts at (0 for a new run; the checkpoint's step when resumed).</param>
/// <param name="TotalSteps">The step it ends at.</param>
/// <param name="Done">Already finished (found its <c>summary.json</c>): it is skipped.</param>
public sealed record PlannedRun(int Index, string Name, string Directory, int StartStep, int TotalSteps, bool Done);

/// <summary>Receives a comparison's progress; the library never writes to the console.</summary>
public interface ICompareProgress
{
    /// <summary>The runs, in order, before the first starts.</summary>
    void Planned(IReadOnlyList<PlannedRun> runs);

    /// <summary>A run (or a stage of the branching's stable run) starts; the returned sink gets the trainer's progress.</summary>
    ITrainingProgress Starting(PlannedRun run);

    /// <summary>A run (or stage) ended: completed, diverged or cancelled.</summary>
    void Finished(PlannedRun run, TrainingResult result);
}

/// <summary>A comparison progress sink that ignores everything.</summary>
public sealed class NullCompareProgress : ICompareProgress
{
    /// <summary>The instance.</summary>
    public static NullCompareProgress Instance { get; } = new();

    /// <inheritdoc />
    public void Planned(IReadOnlyList<PlannedRun> runs)
    {
    }

    /// <inheritdoc />
    public ITrainingProgress Starting(PlannedRun run) => NullProgress.Instance;

    /// <inheritdoc />
    public void Finished(PlannedRun run, TrainingResult result)
    {
    }
}
