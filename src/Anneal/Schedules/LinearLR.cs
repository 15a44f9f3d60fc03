using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>LinearLR</c>: the factor moves linearly from <c>start_factor</c> to <c>end_factor</c> over
/// <c>total_iters</c> steps, then stays. <c>lr(t) = base_lr * (s + (e - s) * min(t, total_iters) / total_iters)</c>;
/// at step 0, <c>base_lr * start_factor</c>. With <c>total_iters = 0</c> PyTorch never moves on: the learning rate stays
/// <c>base_lr * start_factor</c> (a warning). Chainable: multiplies by
/// <c>1 + (e - s) / (total_iters s + (t - 1)(e - s))</c> for <c>0 &lt; t &lt;= total_iters</c>.
/// </summary>
public sealed class LinearLR : MultiplicativeSchedule
{
    /// <summary>PyTorch's default <c>start_factor</c>: 1/3.</summary>
    public const double DefaultStartFactor = 1.0 / 3;

    /// <summary>PyTorch's default <c>end_factor</c>: 1.</summary>
    public const double DefaultEndFactor = 1.0;

    /// <summary>PyTorch's default <c>total_iters</c>: 5.</summary>
    public const long DefaultTotalIters = 5;

    /// <summary>
    /// Creates the schedule; factors in [0, 1], <paramref name="totalIters"/> &gt;= 0, and <paramref name="startFactor"/>
    /// &gt; 0 when <paramref name="totalIters"/> &gt; 0.
    /// </summary>
    public LinearLR(double startFactor = DefaultStartFactor, double endFactor = DefaultEndFactor, long totalIters = DefaultTotalIters)
    {
        StartFactor = Preconditions.InRange(startFactor, 0, 1, "start_factor");
        EndFactor = Preconditions.InRange(endFactor, 0, 1, "end_factor");
        TotalIters = Preconditions.NonNegative(totalIters, "total_iters");
        if (startFactor == 0 && totalIters > 0)
        {
            throw Preconditions.Fail("start_factor", "must be > 0 when total_iters > 0: PyTorch divides by start_factor * total_iters at step 1 (was 0)");
        }
    }

    /// <summary>Factor at step 0 (<c>start_factor</c>).</summary>
    public double StartFactor { get; }

    /// <summary>Factor from <c>total_iters</c> on (<c>end_factor</c>).</summary>
    public double EndFactor { get; }

    /// <summary>Length of the ramp (<c>total_iters</c>).</summary>
    public long TotalIters { get; }

    /// <inheritdoc />
    public override string TypeName => "LinearLR";

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => TotalIters;

    /// <inheritdoc />
    public override double Factor(long step) => TotalIters == 0
        ? StartFactor
        : StartFactor + (EndFactor - StartFactor) * Math.Min(step, TotalIters) / TotalIters;

    /// <inheritdoc />
    public override bool IsChainable => true;

    /// <inheritdoc />
    public override double Chain(long step, double currentLr, in ScheduleContext context)
    {
        if (step == 0)
        {
            return currentLr * StartFactor;
        }

        if (step > TotalIters)
        {
            return currentLr;
        }

        var slope = EndFactor - StartFactor;
        return currentLr * (1.0 + slope / (TotalIters * StartFactor + (step - 1) * slope));
    }

    /// <inheritdoc />
    internal override ScheduleArgumentException? MilestoneStartError() => TotalIters == 0
        ? Preconditions.Fail("total_iters", "must be > 0 for a LinearLR that starts at a SequentialLR milestone: PyTorch's closed form there divides by total_iters (was 0)")
        : null;

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (TotalIters == 0 && StartFactor != EndFactor)
        {
            yield return new ScheduleWarning(
                "total_iters",
                "is 0: PyTorch applies start_factor at step 0 and never moves on, so the learning rate stays base_lr * start_factor and end_factor is never reached");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["start_factor"] = StartFactor;
        spec["end_factor"] = EndFactor;
        spec["total_iters"] = TotalIters;
    }
}
