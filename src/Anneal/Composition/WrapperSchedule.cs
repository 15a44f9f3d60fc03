namespace Anneal;

/// <summary>A combinator around one schedule (<see cref="Warmup"/>, <see cref="Restarts"/>, <see cref="InTokens"/>): its JSON key is <c>schedule</c>.</summary>
public abstract class WrapperSchedule : Schedule
{
    private readonly Schedule[] _children;
    private readonly ConstructionOrder _order;

    /// <summary>Wraps <paramref name="schedule"/>.</summary>
    protected WrapperSchedule(Schedule schedule)
    {
        Inner = Preconditions.NotNull(schedule, "schedule");
        _children = [Inner];
        _order = new ConstructionOrder(_children);
    }

    /// <summary>The wrapped schedule (<c>schedule</c>).</summary>
    public Schedule Inner { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Schedule> Children => _children;

    /// <summary>The context the wrapped schedule is evaluated with.</summary>
    protected ScheduleContext InnerContext(in ScheduleContext context) => _order.For(context, 0);

    /// <inheritdoc />
    protected override string ChildPath(int index) => "schedule";
}
