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

    /// <summary>A checkpoint was written.</summary>
    void CheckpointSaved(int step, string path);
}

/// <summary>What a run is about to do.</summary>
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
    string OutputDirectory);

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
