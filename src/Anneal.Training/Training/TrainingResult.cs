namespace Anneal.Training;

/// <summary>How a run ended.</summary>
public enum TrainingStatus
{
    /// <summary>All steps were taken.</summary>
    Completed,

    /// <summary>Cancelled (Ctrl-C): a checkpoint of the last finished step was written.</summary>
    Cancelled,

    /// <summary>The loss became NaN or infinite; the last good checkpoint was kept.</summary>
    Diverged,
}

/// <summary>The outcome of a run.</summary>
public sealed record TrainingResult(
    TrainingStatus Status,
    int StepsDone,
    double? FinalValidationLoss,
    double? BestValidationLoss,
    int? BestStep,
    double? EntropyFloor,
    double UnigramBaseline,
    double TokensPerSecond,
    TimeSpan Elapsed,
    string OutputDirectory,
    string? Message,
    IReadOnlyList<double> TrainLosses,
    IReadOnlyList<double[]> LearningRates);
