using System.Text.Json;
using System.Text.Json.Serialization;
using Anneal.Training.Model;

namespace Anneal.Training.Runs;

/// <summary>
/// Reads run directories written before the typed format (<c>anneal.train/1</c>): their <c>run.json</c> and checkpoint
/// header become <see cref="RunManifest"/> and <see cref="CheckpointHeader"/>, so such a run resumes (and is then
/// rewritten in <see cref="RunManifest.CurrentFormat"/>) and a committed comparison is read back without retraining.
/// Their checkpoints carry no checksum: they load unverified.
/// </summary>
internal static class LegacyFormat
{
    public const string Format = "anneal.train/1";

    /// <summary>The wall time and session count a comparison recorded beside a run (<c>compare-run.json</c>).</summary>
    public const string CompareSidecar = "compare-run.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static CheckpointHeader CheckpointHeader(string json, string path)
    {
        var h = Parse<Header>(json, path);
        if (h.Format != Format)
        {
            throw new TrainingInputException(null, $"'{path}' has format '{h.Format}', which this version of anneal does not read");
        }

        return new CheckpointHeader
        {
            Step = h.NextStep,
            Tokens = h.Tokens,
            Options = h.Options.ToOptions(),
            Schedule = Canonical(h.Schedule),
            SchedulerState = h.Scheduler,
            CharVocabulary = h.CharVocabulary,
            LastValLoss = h.LastValLoss,
            BestValLoss = h.BestValLoss,
            BestStep = h.BestStep,
            InitFrom = h.BranchedFrom is { } b ? new RunOrigin(b.Checkpoint, b.Step, b.Schedule.GetRawText(), h.Options.LearningRate) : null,
        };
    }

    public static RunManifest ReadManifest(string json, string path)
    {
        var m = Parse<Manifest>(json, path);
        return new RunManifest
        {
            Format = Format,
            Options = m.Options.ToOptions(),
            Schedule = Canonical(m.Schedule.GetRawText()),
            SchedulerSteps = m.SchedulerSteps ?? "",
            Model = new GptConfig(m.Model.VocabularySize, m.Model.Context, m.Model.Layers, m.Model.Heads, m.Model.EmbeddingDim, m.Model.Dropout),
            Parameters = m.Parameters,
            ParameterGroups = m.ParameterGroups ?? [],
            Data = new RunData(m.Data, TokenizerKinds.Parse(m.Tokenizer), m.VocabularySize, m.TrainTokens, m.ValidationTokens, m.EntropyFloorNatsPerToken, m.UnigramNatsPerToken),
            TokensPerStep = m.TokensPerStep,
        };
    }

    /// <summary>A legacy summary with the sessions and wall time of its comparison sidecar, when there is one.</summary>
    public static RunSummary Summary(RunSummary summary, string directory)
    {
        var sidecar = Path.Combine(directory, CompareSidecar);
        if (!File.Exists(sidecar))
        {
            return summary with { Sessions = Math.Max(1, summary.Sessions) };
        }

        var s = Parse<Sidecar>(File.ReadAllText(sidecar), sidecar);
        return summary with { WallSeconds = s.WallSeconds, Sessions = s.Sessions };
    }

    private static string Canonical(string spec) => RunSchedule.FromSpec(spec).Spec;

    private static T Parse<T>(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or TrainingInputException)
        {
            throw new TrainingInputException(null, $"'{path}' is an unreadable {Format} file ({e.Message.Split(". ")[0]}); remove the run directory or train it again");
        }
    }

    private sealed record Header(
        [property: JsonPropertyName("format")] string Format,
        [property: JsonPropertyName("next_step")] int NextStep,
        [property: JsonPropertyName("tokens")] long Tokens,
        [property: JsonPropertyName("options")] Options Options,
        [property: JsonPropertyName("schedule")] string Schedule,
        [property: JsonPropertyName("scheduler")] string Scheduler,
        [property: JsonPropertyName("char_vocabulary")] string? CharVocabulary,
        [property: JsonPropertyName("best_val_loss")] double? BestValLoss,
        [property: JsonPropertyName("best_step")] int? BestStep,
        [property: JsonPropertyName("last_val_loss")] double? LastValLoss,
        [property: JsonPropertyName("branched_from")] Origin? BranchedFrom);

    private sealed record Origin(
        [property: JsonPropertyName("checkpoint")] string Checkpoint,
        [property: JsonPropertyName("step")] int Step,
        [property: JsonPropertyName("schedule")] JsonElement Schedule);

    private sealed record Manifest(
        [property: JsonPropertyName("options")] Options Options,
        [property: JsonPropertyName("schedule")] JsonElement Schedule,
        [property: JsonPropertyName("scheduler_steps")] string? SchedulerSteps,
        [property: JsonPropertyName("model")] Model Model,
        [property: JsonPropertyName("parameters")] long Parameters,
        [property: JsonPropertyName("parameter_groups")] string[]? ParameterGroups,
        [property: JsonPropertyName("data")] string Data,
        [property: JsonPropertyName("tokenizer")] string Tokenizer,
        [property: JsonPropertyName("vocabulary_size")] int VocabularySize,
        [property: JsonPropertyName("train_tokens")] int TrainTokens,
        [property: JsonPropertyName("validation_tokens")] int ValidationTokens,
        [property: JsonPropertyName("tokens_per_step")] int TokensPerStep,
        [property: JsonPropertyName("entropy_floor_nats_per_token")] double? EntropyFloorNatsPerToken,
        [property: JsonPropertyName("unigram_nats_per_token")] double UnigramNatsPerToken);

    private sealed record Model(int VocabularySize, int Context, int Layers, int Heads, int EmbeddingDim, double Dropout);

    private sealed record Sidecar(
        [property: JsonPropertyName("wall_seconds")] double WallSeconds,
        [property: JsonPropertyName("sessions")] int Sessions);

    /// <summary>The options as <c>anneal.train/1</c> wrote them: .NET property names, optimizer and tokenizer as strings.</summary>
    private sealed record Options(
        string Optimizer, double LearningRate, int Steps, int Seed, string? DataPath, string Tokenizer, int BatchSize, int GradientAccumulation,
        int Context, int Layers, int Heads, int EmbeddingDim, double Dropout, double WeightDecay, double Beta1, double Beta2, double Momentum,
        double GradientClip, int EvalEvery, int EvalBatches, int CheckpointEvery, int CorpusSeed, int CorpusCharacters, string Device)
    {
        public TrainingOptions ToOptions() => new()
        {
            Optimizer = OptimizerKinds.Parse(Optimizer),
            LearningRate = LearningRate,
            Steps = Steps,
            Seed = Seed,
            DataPath = DataPath,
            Tokenizer = TokenizerKinds.Parse(Tokenizer),
            BatchSize = BatchSize,
            GradientAccumulation = GradientAccumulation,
            Context = Context,
            Layers = Layers,
            Heads = Heads,
            EmbeddingDim = EmbeddingDim,
            Dropout = Dropout,
            WeightDecay = WeightDecay,
            Beta1 = Beta1,
            Beta2 = Beta2,
            Momentum = Momentum,
            GradientClip = GradientClip,
            EvalEvery = EvalEvery,
            EvalBatches = EvalBatches,
            CheckpointEvery = CheckpointEvery,
            CorpusSeed = CorpusSeed,
            CorpusCharacters = CorpusCharacters,
            Device = Device,
        };
    }
}
