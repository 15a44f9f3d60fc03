using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>PolynomialLR</c>: <c>lr(t) = base_lr * (1 - min(t, total_iters) / total_iters)^power</c>;
/// at step 0, <c>base_lr</c>; 0 from <c>total_iters</c> on (for <c>power</c> &gt; 0). With <c>total_iters = 0</c>
/// PyTorch never decays: the learning rate stays <c>base_lr</c> (a warning). Chainable: multiplies by
/// <c>((1 - t/T) / (1 - (t-1)/T))^power</c> for <c>0 &lt; t &lt;= T</c>.
/// </summary>
public sealed class PolynomialLR : MultiplicativeSchedule
{
    /// <summary>PyTorch's default <c>total_iters</c>: 5.</summary>
    public const long DefaultTotalIters = 5;

    /// <summary>PyTorch's default <c>power</c>: 1.</summary>
    public const double DefaultPower = 1.0;

    /// <summary>Creates the schedule; <paramref name="totalIters"/> &gt;= 0, <paramref name="power"/> &gt;= 0.</summary>
    public PolynomialLR(long totalIters = DefaultTotalIters, double power = DefaultPower)
    {
        TotalIters = Preconditions.NonNegative(totalIters, "total_iters");
        Power = Preconditions.NonNegative(power, "power");
    }

    /// <summary>Steps to reach 0 (<c>total_iters</c>).</summary>
    public long TotalIters { get; }

    /// <summary>Exponent of the decay (<c>power</c>).</summary>
    public double Power { get; }

    /// <inheritdoc />
    public override string TypeName => "PolynomialLR";

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => TotalIters;

    /// <inheritdoc />
    public override double Factor(long step) => TotalIters == 0
        ? 1.0
        : Math.Pow(1.0 - (double)Math.Min(TotalIters, step) / TotalIters, Power);

    /// <inheritdoc />
    public override bool IsChainable => true;

    /// <inheritdoc />
    public override double Chain(long step, double currentLr, in ScheduleContext context) =>
        step == 0 || step > TotalIters
            ? currentLr
            : currentLr * Math.Pow((1.0 - (double)step / TotalIters) / (1.0 - (double)(step - 1) / TotalIters), Power);

    /// <inheritdoc />
    internal override ScheduleArgumentException? MilestoneStartError() => TotalIters == 0
        ? Preconditions.Fail("total_iters", "must be > 0 for a PolynomialLR that starts at a SequentialLR milestone: PyTorch's closed form there divides by total_iters (was 0)")
        : null;

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (TotalIters == 0)
        {
            yield return new ScheduleWarning("total_iters", "is 0: PyTorch's PolynomialLR never decays, so the learning rate stays base_lr");
        }
        else if (Power == 0)
        {
            yield return new ScheduleWarning("power", "is 0: every factor (1 - t/total_iters)^0 is 1, so the learning rate stays base_lr");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["total_iters"] = TotalIters;
        spec["power"] = Power;
    }
}
