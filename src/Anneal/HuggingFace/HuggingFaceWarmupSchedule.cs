namespace Anneal;

/// <summary>
/// A Hugging Face <c>transformers</c> schedule with its linear warmup from 0: <c>lr(t) = base_lr * t / max(1, W)</c> for
/// <c>t &lt; W</c> (<c>W = num_warmup_steps</c>), then <c>base_lr * decay(t)</c>, the schedule's own branch, joined at W
/// as transformers' <c>lr_lambda</c> joins them. At step 0, 0 (or <c>decay(0)</c> when W = 0). Each type transcribes
/// transformers' formula in its order of floating-point operations, so values match to the last bit or two.
/// </summary>
public abstract class HuggingFaceWarmupSchedule : Schedule
{
    /// <summary>Sets the warmup length.</summary>
    /// <exception cref="ScheduleArgumentException"><paramref name="numWarmupSteps"/> is negative.</exception>
    protected HuggingFaceWarmupSchedule(long numWarmupSteps)
    {
        NumWarmupSteps = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");
    }

    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; }

    /// <inheritdoc />
    public sealed override double Evaluate(long step, in ScheduleContext context) => step < NumWarmupSteps
        ? context.BaseLr * ((double)step / Math.Max(1, NumWarmupSteps))
        : context.BaseLr * Decay(step, context);

    /// <summary>The factor at <paramref name="step"/> &gt;= W (the step counted from 0, as transformers does).</summary>
    protected abstract double Decay(long step, in ScheduleContext context);
}
