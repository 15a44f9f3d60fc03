namespace Anneal;

/// <summary>A schedule whose learning rate is the group's base learning rate times a factor: <c>lr = base_lr * factor(step)</c>.</summary>
public abstract class MultiplicativeSchedule : Schedule
{
    /// <summary>The factor at <paramref name="step"/>.</summary>
    public abstract double Factor(long step);

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => context.BaseLr * Factor(step);
}
