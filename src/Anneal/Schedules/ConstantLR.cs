using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>ConstantLR</c>: <c>lr(t) = base_lr * factor</c> for <c>t &lt; total_iters</c>, then <c>base_lr</c>;
/// at step 0, <c>base_lr * factor</c>. With <c>total_iters = 0</c> PyTorch applies the factor at step 0 and never
/// undoes it, so the learning rate stays <c>base_lr * factor</c> (a warning; after a <c>SequentialLR</c> milestone it is
/// <c>base_lr</c>). Chainable: multiplies by <c>factor</c> at step 0 and by <c>1 / factor</c> at <c>total_iters</c>.
/// </summary>
public sealed class ConstantLR : MultiplicativeSchedule
{
    /// <summary>PyTorch's default <c>factor</c>: 1/3.</summary>
    public const double DefaultFactor = 1.0 / 3;

    /// <summary>PyTorch's default <c>total_iters</c>: 5.</summary>
    public const long DefaultTotalIters = 5;

    /// <summary>Creates the schedule; <paramref name="factor"/> in [0, 1] (&gt; 0 when <paramref name="totalIters"/> &gt; 0), <paramref name="totalIters"/> &gt;= 0.</summary>
    public ConstantLR(double factor = DefaultFactor, long totalIters = DefaultTotalIters)
    {
        Factor0 = Preconditions.InRange(factor, 0, 1, "factor");
        TotalIters = Preconditions.NonNegative(totalIters, "total_iters");
        if (factor == 0 && totalIters > 0)
        {
            throw Preconditions.Fail("factor", $"must be > 0 when total_iters > 0: PyTorch divides by factor at step total_iters ({totalIters}) (was 0)");
        }
    }

    /// <summary>The factor before <c>total_iters</c> (<c>factor</c>).</summary>
    public double Factor0 { get; }

    /// <summary>Steps the factor applies for (<c>total_iters</c>).</summary>
    public long TotalIters { get; }

    /// <inheritdoc />
    public override string TypeName => "ConstantLR";

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => TotalIters;

    /// <inheritdoc />
    public override double Factor(long step) => TotalIters == 0 || step < TotalIters ? Factor0 : 1.0;

    /// <inheritdoc />
    public override bool IsChainable => true;

    /// <inheritdoc />
    public override double Chain(long step, double currentLr, in ScheduleContext context) =>
        step == 0 ? currentLr * Factor0 : step != TotalIters ? currentLr : currentLr * (1.0 / Factor0);

    /// <summary>After a milestone PyTorch uses the closed form at 0, which is <c>base_lr</c> when <c>total_iters</c> is 0.</summary>
    internal override double AfterMilestone(long step, double lrAtMilestone, in ScheduleContext context) =>
        TotalIters == 0 ? context.BaseLr : Evaluate(step, context);

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (TotalIters == 0 && Factor0 != 1)
        {
            yield return new ScheduleWarning(
                "total_iters",
                "is 0: PyTorch applies factor at step 0 and never undoes it, so the learning rate stays base_lr * factor (base_lr after a SequentialLR milestone)");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["factor"] = Factor0;
        spec["total_iters"] = TotalIters;
    }
}
