namespace Anneal;

/// <summary>
/// What PyTorch's schedulers of one optimizer see of each other through the parameter groups, in the order they are
/// constructed (the leaves of a schedule tree, left to right; a <c>SequentialLR</c>'s children before it):
/// <list type="bullet">
/// <item>each scheduler's <c>base_lr</c> is the group's <c>initial_lr</c> when it is constructed: the optimizer's
/// learning rate, set by the first scheduler; the <c>base_lr</c> of a <see cref="CyclicLR"/> when that one is first
/// (it writes the group's lr before); <c>max_lr / div_factor</c> after a <see cref="OneCycleLR"/> (it overwrites
/// <c>initial_lr</c>);</item>
/// <item>every <see cref="OneCycleLR"/> reads <c>initial_lr</c>, <c>max_lr</c>, <c>min_lr</c> and the momenta from the
/// group, where the last one constructed wrote them.</item>
/// </list>
/// A composite holds one of these for its children and derives each child's <see cref="ScheduleContext"/> with it.
/// </summary>
internal sealed class ConstructionOrder
{
    private readonly Source[] _sources;
    private readonly OneCycleLR? _lastOneCycle;
    private readonly OneCycleLR? _lastMomentumOneCycle;

    internal ConstructionOrder(IReadOnlyList<Schedule> children)
    {
        _sources = new Source[children.Count + 1];
        var firstCyclic = children.Count > 0 ? Leaves(children[0]).FirstOrDefault() as CyclicLR : null;
        OneCycleLR? lastOneCycle = null;
        for (var i = 0; i <= children.Count; i++)
        {
            _sources[i] = new Source(lastOneCycle, i > 0 ? firstCyclic : null, i == 0);
            if (i < children.Count)
            {
                lastOneCycle = Leaves(children[i]).OfType<OneCycleLR>().LastOrDefault() ?? lastOneCycle;
            }
        }

        var oneCycles = children.SelectMany(Leaves).OfType<OneCycleLR>().ToArray();
        _lastOneCycle = oneCycles.LastOrDefault();
        _lastMomentumOneCycle = oneCycles.LastOrDefault(o => o.CycleMomentumEnabled);
        OneCycleCount = oneCycles.Length;
        SharesOneCycleFields = OneCycleCount > 1 && children.All(c => Leaves(c).OfType<OneCycleLR>().Count() < OneCycleCount);
    }

    /// <summary>How many <see cref="OneCycleLR"/> leaves the children hold.</summary>
    internal int OneCycleCount { get; }

    /// <summary>True when two or more children hold the <see cref="OneCycleLR"/>s, which then share their fields (no single child warns about it).</summary>
    internal bool SharesOneCycleFields { get; }

    /// <summary>The last <see cref="OneCycleLR"/> constructed among the children, whose fields every one of them reads.</summary>
    internal OneCycleLR? LastOneCycle => _lastOneCycle;

    /// <summary>
    /// The schedule that sets child <paramref name="index"/>'s <c>initial_lr</c> (child count: the one the group holds
    /// after all) when the composite is the whole schedule: a <see cref="OneCycleLR"/> constructed before it, or the
    /// <see cref="CyclicLR"/> constructed first; null when it is the optimizer's learning rate.
    /// </summary>
    internal Schedule? BaseSetter(int index) => (Schedule?)_sources[index].OneCycle ?? _sources[index].FirstCyclic;

    /// <summary>The leaves of <paramref name="schedule"/> in PyTorch's construction order.</summary>
    internal static IEnumerable<Schedule> Leaves(Schedule schedule) =>
        schedule is SequentialLR or ChainedScheduler or WrapperSchedule ? schedule.Children.SelectMany(Leaves) : [schedule];

    /// <summary>The context of child <paramref name="index"/> under <paramref name="context"/> (the composite's own).</summary>
    internal ScheduleContext For(in ScheduleContext context, int index)
    {
        var (lrFields, momentumFields) = context.OneCycleLrFields is null && _lastOneCycle is not null
            ? (_lastOneCycle, _lastMomentumOneCycle)
            : (context.OneCycleLrFields, context.OneCycleMomentumFields);
        var source = _sources[index];
        return context.ForChild(source.BaseLr(context), source.IsFirst && source.OneCycle is null && context.InitialLrUnset, lrFields, momentumFields);
    }

    /// <summary>The last momentum the children write while PyTorch constructs them (each cycling one its step-0 momentum), or NaN.</summary>
    internal double LastInitialMomentum(IReadOnlyList<Schedule> children, in ScheduleContext context)
    {
        var held = double.NaN;
        for (var i = 0; i < children.Count; i++)
        {
            var written = children[i].InitialMomentum(For(context, i));
            held = double.IsNaN(written) ? held : written;
        }

        return held;
    }

    /// <summary>The group's <c>initial_lr</c> once every child is constructed (what <c>SequentialLR</c> resets the group to).</summary>
    internal double InitialLrAfterAll(in ScheduleContext context) => _sources[^1].BaseLr(context);

    /// <summary>Where a child's <c>initial_lr</c> comes from.</summary>
    private readonly record struct Source(OneCycleLR? OneCycle, CyclicLR? FirstCyclic, bool IsFirst)
    {
        internal double BaseLr(in ScheduleContext context) =>
            OneCycle is { } oneCycle ? oneCycle.InitialLr(context.Group)
            : FirstCyclic is { } cyclic && context.InitialLrUnset ? cyclic.BaseLr[context.Group]
            : context.BaseLr;
    }
}
