using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Restarts any schedule every <c>period</c> steps: <c>lr(t) = s(t mod period)</c>; at step 0 and every restart, <c>s(0)</c>.
/// </summary>
public sealed class Restarts : WrapperSchedule
{
    /// <summary>Restarts <paramref name="schedule"/> every <paramref name="period"/> (&gt; 0) steps.</summary>
    public Restarts(long period, Schedule schedule)
        : base(schedule)
    {
        Period = Preconditions.Positive(period, "period");
        CheckPeriod(0);
    }

    /// <summary>Steps between restarts (<c>period</c>).</summary>
    public long Period { get; }

    /// <inheritdoc />
    public override string TypeName => "restarts";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => Inner.Evaluate(step % Period, InnerContext(context));

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context) => Inner.Momentum(step % Period, InnerContext(context));

    internal override double InitialMomentum(in ScheduleContext context) => Inner.InitialMomentum(InnerContext(context));

    internal override double HeldMomentum(long step, in ScheduleContext context) => Inner.HeldMomentum(step % Period, InnerContext(context));

    internal override void Observe(long step, double metric, StateStore states) =>
        Inner.Observe(step % Period, metric, states);

    internal override void ValidateTokens(long tokensPerStep)
    {
        base.ValidateTokens(tokensPerStep);
        CheckPeriod(tokensPerStep);
    }

    private void CheckPeriod(long tokensPerStep)
    {
        if (Inner.MaxStepFor(tokensPerStep) is { } max && max < Period)
        {
            throw Preconditions.Fail("period", $"must be <= the schedule's last step {max} (was {Period})");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["period"] = Period;
        spec["schedule"] = SpecOf(Inner);
    }
}
