namespace Anneal.Training;

/// <summary>
/// Everything that defines a training run. The defaults are the one place where the default run is defined
/// (nanoGPT's <c>train.py</c> keeps its defaults at the top the same way): a 4-layer, 4-head, 128-wide character-level
/// GPT on the built-in corpus, AdamW at 3e-3 with linear warmup and cosine decay to a tenth, 600 steps of 16 × 64
/// tokens: about two minutes on a 2-core CPU.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>The schedule: a JSON spec, a path to a JSON spec file, or a preset name (<see cref="SchedulePresets"/>); null means <see cref="SchedulePresets.Default"/>.</summary>
    public string? Schedule { get; init; }

    /// <summary>The optimizer: <c>sgd</c>, <c>adam</c>, <c>adamw</c>, <c>rmsprop</c> or <c>adagrad</c> (TorchSharp's own).</summary>
    public string Optimizer { get; init; } = "adamw";

    /// <summary>The base (peak) learning rate of every parameter group.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 600;

    /// <summary>The seed of the weights' initialisation, dropout and batch sampling.</summary>
    public int Seed { get; init; } = 1337;

    /// <summary>A UTF-8 text file to train on; null trains on the built-in <see cref="Data.SyntheticCorpus"/>.</summary>
    public string? DataPath { get; init; }

    /// <summary>The tokenizer: <c>char</c> or <c>gpt2</c>.</summary>
    public string Tokenizer { get; init; } = "char";

    /// <summary>Sequences per micro-batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Micro-batches whose gradients are summed into one optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Tokens one optimizer step consumes: batch size x context x gradient accumulation.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int TokensPerStep => BatchSize * Context * GradientAccumulation;

    /// <summary>Tokens per sequence (the model's context).</summary>
    public int Context { get; init; } = 64;

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Embedding (residual stream) width.</summary>
    public int EmbeddingDim { get; init; } = 192;

    /// <summary>Dropout probability.</summary>
    public double Dropout { get; init; }

    /// <summary>Weight decay of the weight-matrix group (the other group has none).</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Adam/AdamW beta1 (and the starting point where a schedule cycles it).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam/AdamW beta2.</summary>
    public double Beta2 { get; init; } = 0.99;

    /// <summary>SGD and RMSprop momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Clip the global gradient norm to this value; 0 turns clipping off.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Evaluate on validation data after every this many steps (and after the last).</summary>
    public int EvalEvery { get; init; } = 50;

    /// <summary>Validation batches per evaluation (always the same batches).</summary>
    public int EvalBatches { get; init; } = 8;

    /// <summary>Write a checkpoint after every this many steps (and at the end); 0 only at the end.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Seed of the built-in corpus.</summary>
    public int CorpusSeed { get; init; } = Data.SyntheticCorpus.DefaultSeed;

    /// <summary>Characters of built-in corpus to generate.</summary>
    public int CorpusCharacters { get; init; } = 1_000_000;

    /// <summary>The device: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Checks the options; all problems are gathered into one message.</summary>
    /// <exception cref="Data.TrainingInputException">An option is out of range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        void Positive(long value, string name)
        {
            if (value < 1)
            {
                errors.Add($"{name} must be >= 1 (was {value})");
            }
        }

        if (Optimizer is not ("sgd" or "adam" or "adamw" or "rmsprop" or "adagrad"))
        {
            errors.Add($"--optimizer must be sgd, adam, adamw, rmsprop or adagrad (was '{Optimizer}')");
        }

        if (Tokenizer is not ("char" or "gpt2"))
        {
            errors.Add($"--tokenizer must be char or gpt2 (was '{Tokenizer}')");
        }

        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
        {
            errors.Add($"--lr must be a finite number > 0 (was {LearningRate})");
        }

        Positive(Steps, "--steps");
        Positive(BatchSize, "--batch-size");
        Positive(GradientAccumulation, "--grad-accum");
        Positive(Context, "--context");
        Positive(Layers, "--layers");
        Positive(Heads, "--heads");
        Positive(EmbeddingDim, "--dim");
        Positive(EvalEvery, "--eval-every");
        Positive(EvalBatches, "--eval-batches");
        Positive(CorpusCharacters, "--corpus-chars");
        if (CheckpointEvery < 0)
        {
            errors.Add($"--checkpoint-every must be >= 0 (was {CheckpointEvery})");
        }

        if (EmbeddingDim >= 1 && Heads >= 1 && EmbeddingDim % Heads != 0)
        {
            errors.Add($"--dim must be a multiple of --heads ({EmbeddingDim} is not a multiple of {Heads})");
        }

        if (!(Dropout >= 0 && Dropout < 1))
        {
            errors.Add($"--dropout must be in [0, 1) (was {Dropout})");
        }

        if (!(WeightDecay >= 0) || !(GradientClip >= 0) || !(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1) || !(Momentum >= 0 && Momentum < 1))
        {
            errors.Add("--weight-decay and --grad-clip must be >= 0, and betas and momentum in [0, 1)");
        }

        if (errors.Count > 0)
        {
            throw new Data.TrainingInputException(string.Join("; ", errors));
        }
    }
}
