using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// A schedule whose horizons (<c>T_max</c>, <c>num_training_steps</c>, milestones, ...) count tokens, not steps:
/// <c>lr(t) = s(t * tokens_per_step)</c>, where the driver supplies <c>tokens_per_step</c> (batch size x context x
/// gradient accumulation). The curve per token stays the same when the batch size or accumulation changes.
/// At step 0, <c>s(0)</c>. It may sit anywhere in a schedule tree; the <see cref="Scheduler"/> bounds its steps by the
/// wrapped schedule's last token (<see cref="Schedule.MaxStepFor"/>).
/// </summary>
public sealed class InTokens : WrapperSchedule
{
    /// <summary>Measures <paramref name="schedule"/> in tokens.</summary>
    /// <exception cref="ScheduleArgumentException">The schedule contains a <see cref="ChainedScheduler"/>, whose recurrence advances one step at a time.</exception>
    public InTokens(Schedule schedule)
        : base(schedule)
    {
        if (StateStore.Collect<ChainedScheduler>(schedule).Any())
        {
            throw Preconditions.Fail(
                "schedule",
                "must not contain a ChainedScheduler: its recurrence advances one step at a time, so measured in tokens it would replay every token; give each member's horizon in tokens per step instead");
        }
    }

    /// <inheritdoc />
    public override string TypeName => "tokens";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => Inner.Evaluate(Tokens(step, context), InnerContext(context));

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context) => Inner.Momentum(Tokens(step, context), InnerContext(context));

    /// <summary>The last step at which the inner schedule's last token is not passed, or null (also when the tokens per step are unknown).</summary>
    public override long? MaxStepFor(long tokensPerStep) =>
        Inner.MaxStepFor(tokensPerStep) is { } max && tokensPerStep > 0 ? max / tokensPerStep : null;

    /// <summary>The first step at which the inner schedule's horizon (in tokens) is reached, or null.</summary>
    public override long? HorizonFor(long tokensPerStep) =>
        Inner.HorizonFor(tokensPerStep) is { } horizon && tokensPerStep > 0 ? (horizon + tokensPerStep - 1) / tokensPerStep : null;

    internal override double InitialMomentum(in ScheduleContext context) => Inner.InitialMomentum(InnerContext(context));

    internal override double HeldMomentum(long step, in ScheduleContext context) => Inner.HeldMomentum(Tokens(step, context), InnerContext(context));

    internal override void Observe(long step, double metric, StateStore states) =>
        Inner.Observe(states.TokensPerStep > 0 ? step * states.TokensPerStep : step, metric, states);

    private static long Tokens(long step, in ScheduleContext context) => context.TokensPerStep > 0
        ? step * context.TokensPerStep
        : throw new InvalidOperationException("a schedule measured in tokens needs tokens_per_step: pass it to the Scheduler");

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec) => spec["schedule"] = SpecOf(Inner);
}
