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
        if (Inner.MaxStep is { } max && max < period)
        {
            throw Preconditions.Fail("period", $"must be <= the schedule's last step {max} (was {period})");
        }
    }

    /// <summary>Steps between restarts (<c>period</c>).</summary>
    public long Period { get; }

    /// <inheritdoc />
    public override string TypeName => "restarts";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => Inner.Evaluate(step % Period, context);

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context) => Inner.Momentum(step % Period, context);

    internal override void Observe(long step, double metric, StateStore states) =>
        Inner.Observe(step % Period, metric, states);

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["period"] = Period;
        spec["schedule"] = Inner.ToSpec();
    }
}
