using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// A schedule whose horizons (<c>T_max</c>, <c>num_training_steps</c>, milestones, ...) count tokens, not steps:
/// <c>lr(t) = s(t * tokens_per_step)</c>, where the driver supplies <c>tokens_per_step</c> (batch size x context x
/// gradient accumulation). The curve per token stays the same when the batch size or accumulation changes.
/// At step 0, <c>s(0)</c>.
/// </summary>
public sealed class InTokens : WrapperSchedule
{
    /// <summary>Measures <paramref name="schedule"/> in tokens.</summary>
    public InTokens(Schedule schedule)
        : base(schedule)
    {
    }

    /// <inheritdoc />
    public override string TypeName => "tokens";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => Inner.Evaluate(Tokens(step, context), context);

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context) => Inner.Momentum(Tokens(step, context), context);

    /// <summary>The last step at which the inner schedule's last token is not passed, or null.</summary>
    internal long? InnerMaxStep(long tokensPerStep) =>
        Inner.MaxStep is { } max && tokensPerStep > 0 ? max / tokensPerStep : null;

    internal override void Observe(long step, double metric, StateStore states) => Inner.Observe(step, metric, states);

    private static long Tokens(long step, in ScheduleContext context) => context.TokensPerStep > 0
        ? step * context.TokensPerStep
        : throw new InvalidOperationException("a schedule measured in tokens needs tokens_per_step: pass it to the Scheduler");

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec) => spec["schedule"] = Inner.ToSpec();
}
