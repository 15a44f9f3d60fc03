using System.Text.Json.Serialization;
using Anneal.Training.Model;

namespace Anneal.Training.Runs;

/// <summary>
/// <c>run.json</c>: what a run is. Written when a session starts (and rewritten by each resume), read by
/// <see cref="RunDirectory.ReadManifest"/>.
/// </summary>
public sealed record RunManifest
{
    /// <summary>The format this version writes.</summary>
    public const string CurrentFormat = "anneal.run/2";

    /// <summary>The format: <see cref="CurrentFormat"/> (older <c>anneal.train/1</c> directories are read through a converter).</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The options of the run; <see cref="TrainingOptions.Steps"/> is the step count planned by the last session.</summary>
    public required TrainingOptions Options { get; init; }

    /// <summary>The schedule's canonical JSON spec (a JSON object in the file).</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public required string Schedule { get; init; }

    /// <summary>The schedule's horizon in steps (<see cref="RunSchedule.HorizonSteps"/>), or null when it has none.</summary>
    public long? Horizon { get; init; }

    /// <summary>How the scheduler is stepped, in words.</summary>
    public string SchedulerSteps { get; init; } = "";

    /// <summary>The model's sizes.</summary>
    public required GptConfig Model { get; init; }

    /// <summary>The model's parameter count.</summary>
    public long Parameters { get; init; }

    /// <summary>The optimizer's parameter groups, in order, in words.</summary>
    public IReadOnlyList<string> ParameterGroups { get; init; } = [];

    /// <summary>The data.</summary>
    public required RunData Data { get; init; }

    /// <summary>The prepared corpus the tokens were read from (a prepared directory, or text's cache entry), or null for the built-in corpus.</summary>
    public PreparedDataReference? PreparedData { get; init; }

    /// <summary>Training tokens per optimizer step.</summary>
    public int TokensPerStep { get; init; }

    /// <summary>Where the initial weights and optimizer state came from, when the run started from another run's checkpoint.</summary>
    public RunOrigin? InitFrom { get; init; }
}

/// <summary>The data of a run.</summary>
/// <param name="Source">Where the text came from (the built-in corpus and its seed, the text's full path, or the prepared corpus).</param>
/// <param name="Tokenizer">The tokenizer.</param>
/// <param name="VocabularySize">Token ids.</param>
/// <param name="TrainTokens">Tokens of the training split.</param>
/// <param name="ValidationTokens">Tokens of the validation split.</param>
/// <param name="EntropyFloorNatsPerToken">The entropy rate of the source per token when known (built-in corpus, char tokenizer).</param>
/// <param name="UnigramNatsPerToken">The loss of the best context-free model.</param>
public sealed record RunData(
    string Source,
    TokenizerKind Tokenizer,
    int VocabularySize,
    long TrainTokens,
    long ValidationTokens,
    double? EntropyFloorNatsPerToken,
    double UnigramNatsPerToken);

/// <summary>The prepared corpus a run reads (<see cref="Data.Prepared.PreparedCorpus"/>).</summary>
/// <param name="Directory">Its directory, full path.</param>
/// <param name="ManifestCrc64">CRC-64 of its <c>manifest.json</c> when the run started (16 hex digits).</param>
/// <param name="Tokenizer">Its tokenizer.</param>
public sealed record PreparedDataReference(string Directory, string ManifestCrc64, TokenizerKind Tokenizer);

/// <summary>The checkpoint a run started from (<see cref="Trainer.InitFrom"/>).</summary>
/// <param name="Checkpoint">The checkpoint file, relative to the run directory when it can be (so the pair can move together).</param>
/// <param name="Step">The steps the source had done: the new run's first step.</param>
/// <param name="Schedule">The source's schedule spec.</param>
/// <param name="LearningRate">The source's base learning rate.</param>
public sealed record RunOrigin(
    string Checkpoint,
    int Step,
    [property: JsonConverter(typeof(RawJsonConverter))] string Schedule,
    double LearningRate);
