using System.Text.Json.Serialization;
using Anneal.Training.Runs;
namespace Anneal.Training;

/// <summary>How a run's last session ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingStatus>))]
public enum TrainingStatus
{
    /// <summary>All planned steps were taken.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Cancelled (Ctrl-C, SIGTERM): a checkpoint of the last finished step was written.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,

    /// <summary>The loss became NaN or exploded (<see cref="DivergenceRule"/>); the step was not applied.</summary>
    [JsonStringEnumMemberName("diverged")]
    Diverged,

    /// <summary>A resumed run had nothing left to train: nothing was written.</summary>
    [JsonStringEnumMemberName("nothing_to_train")]
    NothingToTrain,
}

/// <summary>The outcome of a training session, and the whole run it belongs to.</summary>
/// <param name="Status">How the session ended.</param>
/// <param name="Summary">The run's summary, totals over every session (what <c>summary.json</c> holds).</param>
/// <param name="History">The run's whole history, every session's steps (what <c>metrics.csv</c> holds).</param>
/// <param name="OutputDirectory">The run directory.</param>
/// <param name="Message">Why the session stopped early, in words, or null.</param>
/// <param name="StartStep">The step this session started at (0 for a new run).</param>
/// <param name="Elapsed">Wall time of this session.</param>
public sealed record TrainingResult(
    TrainingStatus Status,
    RunSummary Summary,
    RunHistory History,
    string OutputDirectory,
    string? Message,
    int StartStep,
    TimeSpan Elapsed)
{
    /// <summary>Steps taken in all sessions.</summary>
    public int StepsDone => Summary.StepsDone;

    /// <summary>The last validation loss.</summary>
    public double? FinalValidationLoss => Summary.FinalValLoss;

    /// <summary>The lowest validation loss.</summary>
    public double? BestValidationLoss => Summary.BestValLoss;

    /// <summary>The step of <see cref="BestValidationLoss"/>.</summary>
    public int? BestStep => Summary.BestStep;

    /// <summary>The data's entropy floor, when known.</summary>
    public double? EntropyFloor => Summary.EntropyFloorNatsPerToken;

    /// <summary>The best context-free model's loss.</summary>
    public double UnigramBaseline => Summary.UnigramNatsPerToken;

    /// <summary>Tokens per second over all sessions' training time.</summary>
    public double TokensPerSecond => Summary.TokensPerSecond;

    /// <summary>Where the loss diverged, when it did.</summary>
    public DivergenceReport? Divergence => Summary.Divergence;

    /// <summary>Every step's training loss, all sessions.</summary>
    public IReadOnlyList<double> TrainLosses => History.TrainLosses;

    /// <summary>Every step's learning rates (one per group), all sessions.</summary>
    public IReadOnlyList<IReadOnlyList<double>> LearningRates => [.. History.Rows.Select(r => r.LearningRates)];
}
