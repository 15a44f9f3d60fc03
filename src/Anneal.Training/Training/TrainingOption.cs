namespace Anneal.Training;

/// <summary>
/// What an input problem is about: a <see cref="TrainingOptions"/> property, an LR-sweep, comparison or preparation
/// setting, or a directory given to the trainer or the preparer. Member names are the API's property names; a command
/// line maps each to its own flag (or to words where it has none), so the library never names a flag a command lacks.
/// </summary>
public enum TrainingOption
{
    /// <summary>The schedule (a spec, a spec file or a preset).</summary>
    Schedule,

    /// <summary><see cref="TrainingOptions.Optimizer"/>.</summary>
    Optimizer,

    /// <summary><see cref="TrainingOptions.LearningRate"/>.</summary>
    LearningRate,

    /// <summary><see cref="TrainingOptions.Steps"/>.</summary>
    Steps,

    /// <summary>A token budget that sets <see cref="TrainingOptions.Steps"/>.</summary>
    Tokens,

    /// <summary><see cref="TrainingOptions.Seed"/>.</summary>
    Seed,

    /// <summary><see cref="TrainingOptions.DataPath"/>.</summary>
    DataPath,

    /// <summary><see cref="TrainingOptions.Tokenizer"/>.</summary>
    Tokenizer,

    /// <summary><see cref="TrainingOptions.BatchSize"/>.</summary>
    BatchSize,

    /// <summary><see cref="TrainingOptions.GradientAccumulation"/>.</summary>
    GradientAccumulation,

    /// <summary><see cref="TrainingOptions.Context"/>.</summary>
    Context,

    /// <summary><see cref="TrainingOptions.Layers"/>.</summary>
    Layers,

    /// <summary><see cref="TrainingOptions.Heads"/>.</summary>
    Heads,

    /// <summary><see cref="TrainingOptions.EmbeddingDim"/>.</summary>
    EmbeddingDim,

    /// <summary><see cref="TrainingOptions.Dropout"/>.</summary>
    Dropout,

    /// <summary><see cref="TrainingOptions.WeightDecay"/>.</summary>
    WeightDecay,

    /// <summary><see cref="TrainingOptions.Beta1"/>.</summary>
    Beta1,

    /// <summary><see cref="TrainingOptions.Beta2"/>.</summary>
    Beta2,

    /// <summary><see cref="TrainingOptions.Momentum"/>.</summary>
    Momentum,

    /// <summary><see cref="TrainingOptions.GradientClip"/>.</summary>
    GradientClip,

    /// <summary><see cref="TrainingOptions.EvalEvery"/>.</summary>
    EvalEvery,

    /// <summary><see cref="TrainingOptions.EvalBatches"/>.</summary>
    EvalBatches,

    /// <summary><see cref="TrainingOptions.CheckpointEvery"/>.</summary>
    CheckpointEvery,

    /// <summary><see cref="TrainingOptions.CorpusSeed"/>.</summary>
    CorpusSeed,

    /// <summary><see cref="TrainingOptions.CorpusCharacters"/>.</summary>
    CorpusCharacters,

    /// <summary><see cref="TrainingOptions.Device"/>.</summary>
    Device,

    /// <summary>The directory a new run (or a comparison's report) is written to.</summary>
    OutputDirectory,

    /// <summary>The run directory being resumed.</summary>
    ResumeDirectory,

    /// <summary>The run (and step) whose checkpoint starts a new run.</summary>
    InitFrom,

    /// <summary>The LR sweep's first learning rate.</summary>
    StartLr,

    /// <summary>The LR sweep's last learning rate.</summary>
    EndLr,

    /// <summary>The LR sweep's steps.</summary>
    SweepSteps,

    /// <summary>The LR sweep's rule for the suggested peak.</summary>
    Peak,

    /// <summary>A comparison's file of schedules.</summary>
    ScheduleFile,

    /// <summary>A comparison's target validation loss.</summary>
    Target,

    /// <summary>The branching experiment's budget fractions.</summary>
    BranchAt,

    /// <summary>The branching experiment's cooldown share.</summary>
    DecayFraction,

    /// <summary>A prepared corpus' tokens per shard file (<see cref="Data.Prepared.PrepareOptions.ShardTokens"/>).</summary>
    ShardTokens,

    /// <summary>A comparison's number of seeds.</summary>
    Seeds,

    /// <summary>The shard of a comparison one process trains.</summary>
    Shard,

    /// <summary>A comparison's loss-law predictions (<c>--predict</c>).</summary>
    Predict,
}
