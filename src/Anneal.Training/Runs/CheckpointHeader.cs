using System.Text.Json.Serialization;

namespace Anneal.Training.Runs;

/// <summary>
/// The header of a checkpoint file: everything but the tensors that a run needs to continue bit for bit. Read and written
/// only by <see cref="RunDirectory"/> (format: <see cref="CheckpointFile"/>).
/// </summary>
public sealed record CheckpointHeader
{
    /// <summary>The format this version writes.</summary>
    public const string CurrentFormat = "anneal.checkpoint/2";

    /// <summary>The format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Steps done: the checkpoint holds the state after steps 0 to <c>Step - 1</c>, and training resumes at step <c>Step</c>.</summary>
    public int Step { get; init; }

    /// <summary>Training tokens seen.</summary>
    public long Tokens { get; init; }

    /// <summary>The run's options (<see cref="TrainingOptions.Steps"/>: the steps planned when it was written).</summary>
    public required TrainingOptions Options { get; init; }

    /// <summary>The schedule's canonical JSON spec.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public required string Schedule { get; init; }

    /// <summary>The scheduler's state (<see cref="SchedulerStateJson"/>), a JSON object.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public required string SchedulerState { get; init; }

    /// <summary>The char tokenizer's vocabulary in id order, or null for other tokenizers.</summary>
    public string? CharVocabulary { get; init; }

    /// <summary>
    /// The CRC-64 of the prepared data's <c>manifest.json</c> (<see cref="Data.Prepared.PreparedCorpus.ManifestCrc64"/>),
    /// or null for the built-in corpus (and checkpoints written before prepared data): a run continued from this
    /// checkpoint must read data with the same manifest.
    /// </summary>
    public string? DataManifestCrc64 { get; init; }

    /// <summary>Validation loss of the last evaluation so far.</summary>
    public double? LastValLoss { get; init; }

    /// <summary>The lowest validation loss so far.</summary>
    public double? BestValLoss { get; init; }

    /// <summary>The step of <see cref="BestValLoss"/>.</summary>
    public int? BestStep { get; init; }

    /// <summary>The divergence rule's state.</summary>
    public DivergenceState Divergence { get; init; } = new();

    /// <summary>
    /// False when the smoothed training loss was already rising away from its best when this was written
    /// (<see cref="DivergenceRule.Healthy"/>): such a checkpoint is never offered as the last good one.
    /// </summary>
    public bool Healthy { get; init; } = true;

    /// <summary>Training time of all sessions up to this checkpoint.</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Wall time of all sessions up to this checkpoint.</summary>
    public double WallSeconds { get; init; }

    /// <summary>Sessions up to this checkpoint, its own included.</summary>
    public int Sessions { get; init; } = 1;

    /// <summary>Where the run's initial weights came from, when it started from another run's checkpoint.</summary>
    public RunOrigin? InitFrom { get; init; }
}

/// <summary>The state of <see cref="DivergenceRule"/>, saved so a resumed run applies the same rule.</summary>
/// <param name="InitialLoss">The training loss of the run's first step, or null before it.</param>
/// <param name="SmoothedAverage">The smoother's running average (before bias correction).</param>
/// <param name="SmoothedCount">Losses the smoother has seen.</param>
/// <param name="BestSmoothed">The lowest smoothed loss so far (+∞ before the first).</param>
public sealed record DivergenceState(double? InitialLoss = null, double SmoothedAverage = 0, int SmoothedCount = 0, double BestSmoothed = double.PositiveInfinity);
