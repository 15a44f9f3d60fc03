namespace Anneal.Training;

/// <summary>Receives a run's progress; the library itself never writes to the console.</summary>
public interface ITrainingProgress
{
    /// <summary>The run is about to take its first step (<paramref name="info"/>.StartStep &gt; 0 when resumed).</summary>
    void Started(RunInfo info);

    /// <summary>An optimizer step finished.</summary>
    void Stepped(StepReport report);

    /// <summary>A validation evaluation finished.</summary>
    void Evaluated(int step, double validationLoss);

    /// <summary>A checkpoint was written: the state after <paramref name="step"/> steps (it resumes at step <paramref name="step"/>).</summary>
    void CheckpointSaved(int step, string path);

    /// <summary>Something the run goes on with but the user should know (a horizon that differs from the steps, a checkpoint fallback).</summary>
    void Warned(TrainingWarning warning)
    {
    }
}

/// <summary>What a run is about to do.</summary>
/// <param name="StartStep">The first step of this session (0 for a new run).</param>
/// <param name="TotalSteps">The steps the run ends at.</param>
/// <param name="Parameters">The model's parameter count.</param>
/// <param name="TokensPerStep">Training tokens per step.</param>
/// <param name="DataSource">The data, in words.</param>
/// <param name="VocabularySize">Token ids.</param>
/// <param name="EntropyFloor">The data's entropy floor, when known.</param>
/// <param name="UnigramBaseline">The best context-free model's loss.</param>
/// <param name="ScheduleSpec">The schedule's spec.</param>
/// <param name="OutputDirectory">The run directory.</param>
/// <param name="InitFrom">The checkpoint a new run starts from, or null.</param>
public sealed record RunInfo(
    int StartStep,
    int TotalSteps,
    long Parameters,
    int TokensPerStep,
    string DataSource,
    int VocabularySize,
    double? EntropyFloor,
    double UnigramBaseline,
    string ScheduleSpec,
    string OutputDirectory,
    Runs.RunOrigin? InitFrom = null);

/// <summary>One finished optimizer step.</summary>
/// <param name="Step">The step (0-based).</param>
/// <param name="TotalSteps">Steps in the run.</param>
/// <param name="Tokens">Training tokens seen so far.</param>
/// <param name="Loss">Mean training loss of the step's micro-batches (nats per token).</param>
/// <param name="LearningRates">The learning rate of each parameter group used by this step.</param>
/// <param name="TokensPerSecond">Training throughput of this step.</param>
/// <param name="Eta">Estimated time to the end of the run.</param>
public sealed record StepReport(int Step, int TotalSteps, long Tokens, double Loss, IReadOnlyList<double> LearningRates, double TokensPerSecond, TimeSpan Eta);

/// <summary>A progress sink that ignores everything.</summary>
public sealed class NullProgress : ITrainingProgress
{
    /// <summary>The instance.</summary>
    public static NullProgress Instance { get; } = new();

    /// <inheritdoc />
    public void Started(RunInfo info)
    {
    }

    /// <inheritdoc />
    public void Stepped(StepReport report)
    {
    }

    /// <inheritdoc />
    public void Evaluated(int step, double validationLoss)
    {
    }

    /// <inheritdoc />
    public void CheckpointSaved(int step, string path)
    {
    }
}
