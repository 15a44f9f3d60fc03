namespace Anneal.Training;

/// <summary>
/// Everything that defines a training run but its schedule (resolved once, at the caller's edge, into a
/// <see cref="RunSchedule"/>). The defaults are the one place where the default run is defined
/// (nanoGPT's <c>train.py</c> keeps its defaults at the top the same way): a 4-layer, 4-head, 192-wide character-level
/// GPT on the built-in corpus, AdamW at 3e-3 with linear warmup and cosine decay to a tenth, 600 steps of 16 × 64
/// tokens: about two minutes on a 2-core CPU.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>The optimizer (TorchSharp's own).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>The base (peak) learning rate of every parameter group.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 600;

    /// <summary>The seed of the weights' initialisation, dropout and batch sampling.</summary>
    public int Seed { get; init; } = 1337;

    /// <summary>A prepared directory (<c>anneal prepare</c>), or UTF-8 text (a file, folder or glob, prepared once into <see cref="Data.Prepared.PreparedCache"/>) to train on; null trains on the built-in <see cref="Data.SyntheticCorpus"/>.</summary>
    public string? DataPath { get; init; }

    /// <summary>The tokenizer.</summary>
    public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Char;

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

    /// <summary>Checks the options; all problems are gathered into one exception.</summary>
    /// <exception cref="TrainingInputException">An option is out of range.</exception>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new TrainingInputException(problems);
        }
    }

    /// <summary>Every problem of the options, in declaration order (empty when they are valid).</summary>
    public IReadOnlyList<OptionProblem> Problems()
    {
        var problems = new List<OptionProblem>();
        void Add(TrainingOption option, string text) => problems.Add(new OptionProblem(option, text));
        void Positive(long value, TrainingOption option)
        {
            if (value < 1)
            {
                Add(option, $"must be >= 1 (was {value})");
            }
        }

        void Fraction(double value, TrainingOption option)
        {
            if (!(value >= 0 && value < 1))
            {
                Add(option, $"must be in [0, 1) (was {Show(value)})");
            }
        }

        void NonNegative(double value, TrainingOption option)
        {
            if (!(value >= 0) || !double.IsFinite(value))
            {
                Add(option, $"must be a finite number >= 0 (was {Show(value)})");
            }
        }

        if (!Enum.IsDefined(Optimizer))
        {
            Add(TrainingOption.Optimizer, $"must be {OptimizerKinds.List} (was {(int)Optimizer})");
        }

        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
        {
            Add(TrainingOption.LearningRate, $"must be a finite number > 0 (was {Show(LearningRate)})");
        }

        Positive(Steps, TrainingOption.Steps);
        if (!Enum.IsDefined(Tokenizer))
        {
            Add(TrainingOption.Tokenizer, $"must be {TokenizerKinds.List} (was {(int)Tokenizer})");
        }

        Positive(BatchSize, TrainingOption.BatchSize);
        Positive(GradientAccumulation, TrainingOption.GradientAccumulation);
        Positive(Context, TrainingOption.Context);
        Positive(Layers, TrainingOption.Layers);
        Positive(Heads, TrainingOption.Heads);
        Positive(EmbeddingDim, TrainingOption.EmbeddingDim);
        if (EmbeddingDim >= 1 && Heads >= 1 && EmbeddingDim % Heads != 0)
        {
            Add(TrainingOption.EmbeddingDim, $"must be a multiple of the number of attention heads ({EmbeddingDim} is not a multiple of {Heads})");
        }

        Fraction(Dropout, TrainingOption.Dropout);
        NonNegative(WeightDecay, TrainingOption.WeightDecay);
        Fraction(Beta1, TrainingOption.Beta1);
        Fraction(Beta2, TrainingOption.Beta2);
        Fraction(Momentum, TrainingOption.Momentum);
        NonNegative(GradientClip, TrainingOption.GradientClip);
        Positive(EvalEvery, TrainingOption.EvalEvery);
        Positive(EvalBatches, TrainingOption.EvalBatches);
        if (CheckpointEvery < 0)
        {
            Add(TrainingOption.CheckpointEvery, $"must be >= 0 (was {CheckpointEvery})");
        }

        Positive(CorpusCharacters, TrainingOption.CorpusCharacters);
        return problems;
    }

    private static string Show(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
