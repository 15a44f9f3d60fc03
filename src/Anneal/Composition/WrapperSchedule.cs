namespace Anneal;

/// <summary>A combinator around one schedule (<see cref="Warmup"/>, <see cref="Restarts"/>, <see cref="InTokens"/>): its JSON key is <c>schedule</c>.</summary>
public abstract class WrapperSchedule : Schedule
{
    private readonly Schedule[] _children;

    /// <summary>Wraps <paramref name="schedule"/>.</summary>
    protected WrapperSchedule(Schedule schedule)
    {
        Inner = Preconditions.NotNull(schedule, "schedule");
        _children = [Inner];
    }

    /// <summary>The wrapped schedule (<c>schedule</c>).</summary>
    public Schedule Inner { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Schedule> Children => _children;

    /// <inheritdoc />
    protected override string ChildPath(int index) => "schedule";
}
