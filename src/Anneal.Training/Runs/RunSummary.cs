namespace Anneal.Training.Runs;

/// <summary>
/// <c>summary.json</c>: how a run stands after its last session, totals over every session (steps, tokens, training
/// time and throughput). Steps are numbered from 0, as in <c>metrics.csv</c>.
/// </summary>
public sealed record RunSummary
{
    /// <summary>The format this version writes.</summary>
    public const string CurrentFormat = "anneal.summary/2";

    /// <summary>The format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>How the last session ended.</summary>
    public TrainingStatus Status { get; init; }

    /// <summary>Why it stopped early, in words, or null.</summary>
    public string? Message { get; init; }

    /// <summary>Steps taken in all (the next step to run).</summary>
    public int StepsDone { get; init; }

    /// <summary>Steps planned.</summary>
    public int TotalSteps { get; init; }

    /// <summary>Training tokens seen in all.</summary>
    public long Tokens { get; init; }

    /// <summary>Validation loss of the last evaluation.</summary>
    public double? FinalValLoss { get; init; }

    /// <summary>The lowest validation loss of any evaluation.</summary>
    public double? BestValLoss { get; init; }

    /// <summary>The step (0-based) after which <see cref="BestValLoss"/> was measured.</summary>
    public int? BestStep { get; init; }

    /// <summary>The data's entropy floor per token, when known.</summary>
    public double? EntropyFloorNatsPerToken { get; init; }

    /// <summary><see cref="FinalValLoss"/> minus the entropy floor.</summary>
    public double? ExcessLoss { get; init; }

    /// <summary><see cref="BestValLoss"/> minus the entropy floor.</summary>
    public double? BestExcessLoss { get; init; }

    /// <summary>The loss of the best context-free model.</summary>
    public double UnigramNatsPerToken { get; init; }

    /// <summary>Tokens trained in all sessions over their training time.</summary>
    public double TokensPerSecond { get; init; }

    /// <summary><see cref="TokensPerSecond"/> times the model's training FLOPs per token, in GFLOP/s.</summary>
    public double GflopsPerSecond { get; init; }

    /// <summary>Time spent in training steps, all sessions (a killed session counts up to its last checkpoint).</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Wall time of all sessions (a killed session counts up to its last checkpoint).</summary>
    public double WallSeconds { get; init; }

    /// <summary>Sessions: the first start and every resume that trained.</summary>
    public int Sessions { get; init; }

    /// <summary>Where and how the loss diverged, when it did.</summary>
    public DivergenceReport? Divergence { get; init; }
}

/// <summary>Where and how a run diverged.</summary>
/// <param name="Step">The step (0-based) whose loss diverged; it was not applied.</param>
/// <param name="LearningRate">Its learning rate (group 0).</param>
/// <param name="Loss">Its training loss (NaN or infinite, or above <paramref name="Threshold"/>).</param>
/// <param name="Threshold">The loss above which a step counts as exploded (<see cref="DivergenceRule"/>), or null before the first step.</param>
/// <param name="GoodCheckpointStep">The step of the last checkpoint written before the loss started to explode, or null when there is none.</param>
/// <param name="GoodCheckpoint">That checkpoint's file name in the run directory, or null.</param>
public sealed record DivergenceReport(int Step, double LearningRate, double Loss, double? Threshold, int? GoodCheckpointStep, string? GoodCheckpoint);
