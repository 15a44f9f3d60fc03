namespace Anneal;

/// <summary>
/// A Hugging Face schedule that decays over a training run of <c>num_training_steps</c> (T) after its warmup. T may be
/// as long as W or shorter, as transformers accepts: the decay has then ended when the warmup does (a warning says
/// what each type does then).
/// </summary>
public abstract class HuggingFaceDecaySchedule : HuggingFaceWarmupSchedule
{
    /// <summary>Sets the warmup and training lengths.</summary>
    /// <exception cref="ScheduleArgumentException">A length is negative.</exception>
    protected HuggingFaceDecaySchedule(long numWarmupSteps, long numTrainingSteps)
        : base(numWarmupSteps)
    {
        NumTrainingSteps = Preconditions.NonNegative(numTrainingSteps, "num_training_steps");
    }

    /// <summary>Total steps T (<c>num_training_steps</c>).</summary>
    public long NumTrainingSteps { get; }

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => NumTrainingSteps;

    /// <summary>transformers' decay progress <c>p = (t - W) / max(1, T - W)</c> (0 at W, 1 at T), in its order of operations.</summary>
    protected double Progress(long step) => (double)(step - NumWarmupSteps) / Math.Max(1, NumTrainingSteps - NumWarmupSteps);
}
