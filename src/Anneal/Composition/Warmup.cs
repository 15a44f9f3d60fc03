using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// A linear warmup in front of any schedule, reduce-on-plateau included: a join of a linear ramp and
/// <c>schedule</c> at <c>num_warmup_steps</c> (W). <c>lr(t) = s(0) * (f + (1 - f) t / W)</c> for <c>t &lt; W</c>, then
/// <c>s(t - W)</c>, with <c>f = start_factor</c>; at step 0, <c>s(0) * start_factor</c> (0 by default, as in Hugging Face).
/// The wrapped schedule sees its own step 0 at step W, and a plateau schedule gets metrics only from then on.
/// </summary>
public sealed class Warmup : WrapperSchedule
{
    /// <summary>The default <c>start_factor</c>: 0, a warmup from zero as Hugging Face's.</summary>
    public const double DefaultStartFactor = 0.0;

    /// <summary>Puts a warmup of <paramref name="numWarmupSteps"/> steps (&gt; 0) in front of <paramref name="schedule"/>.</summary>
    public Warmup(long numWarmupSteps, Schedule schedule, double startFactor = DefaultStartFactor)
        : base(schedule)
    {
        NumWarmupSteps = Preconditions.Positive(numWarmupSteps, "num_warmup_steps");
        StartFactor = Preconditions.InRange(startFactor, 0, 1, "start_factor");
    }

    /// <summary>Length of the warmup (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; }

    /// <summary>Fraction of the target at step 0 (<c>start_factor</c>).</summary>
    public double StartFactor { get; }

    /// <inheritdoc />
    public override string TypeName => "warmup";

    /// <inheritdoc />
    public override long? MaxStepFor(long tokensPerStep) => Inner.MaxStepFor(tokensPerStep) is { } max ? max + NumWarmupSteps : null;

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => Inner.HorizonFor(tokensPerStep) is { } h ? h + NumWarmupSteps : null;

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => step < NumWarmupSteps
        ? Inner.Evaluate(0, InnerContext(context)) * (StartFactor + (1 - StartFactor) * step / NumWarmupSteps)
        : Inner.Evaluate(step - NumWarmupSteps, InnerContext(context));

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context) =>
        Inner.Momentum(Math.Max(0, step - NumWarmupSteps), InnerContext(context));

    internal override double InitialMomentum(in ScheduleContext context) => Inner.InitialMomentum(InnerContext(context));

    internal override double HeldMomentum(long step, in ScheduleContext context) => Inner.HeldMomentum(Math.Max(0, step - NumWarmupSteps), InnerContext(context));

    internal override void Observe(long step, double metric, StateStore states)
    {
        if (step >= NumWarmupSteps)
        {
            Inner.Observe(step - NumWarmupSteps, metric, states);
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["start_factor"] = StartFactor;
        spec["schedule"] = SpecOf(Inner);
    }
}
