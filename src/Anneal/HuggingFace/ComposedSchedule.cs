namespace Anneal;

/// <summary>
/// A named schedule (a Hugging Face <c>transformers</c> type) whose value is a composition of simpler schedules
/// (<see cref="Inner"/>); it keeps its own parameters for the JSON spec.
/// </summary>
public abstract class ComposedSchedule : Schedule
{
    private Schedule? _inner;

    /// <summary>The composition this schedule evaluates.</summary>
    public Schedule Inner => _inner ??= Compose();

    /// <summary>Builds the composition from the schedule's parameters.</summary>
    protected abstract Schedule Compose();

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => Inner.Evaluate(step, context);

    /// <summary>Joins a linear warmup from 0 over <paramref name="warmup"/> steps (Hugging Face: <c>t / max(1, W)</c>) with <paramref name="after"/>.</summary>
    protected static Schedule WithLinearWarmup(long warmup, Schedule after) =>
        warmup == 0 ? after : new SequentialLR([new Ramp(warmup, 0, 1), after], [warmup]);
}
