namespace Anneal;

/// <summary>
/// What a <see cref="Scheduler"/> keeps for one schedule tree: the state of each <see cref="ReduceLROnPlateau"/> (in
/// tree order, found by reference; saved and loaded), and for each <see cref="ChainedScheduler"/> the last step of its
/// recurrence it computed per group, so that driving it costs one step of the recurrence per step (a cache only: it is
/// recomputed from step 0 when missing, so it is never saved).
/// </summary>
internal sealed class StateStore
{
    private readonly ReduceLROnPlateau[] _nodes;
    private readonly PlateauState[] _states;
    private readonly ChainedScheduler[] _chains;
    private readonly ChainPoint[] _points;
    private readonly int _groupCount;

    internal StateStore(Schedule root, IReadOnlyList<double> baseLrs, long tokensPerStep = 0)
    {
        TokensPerStep = tokensPerStep;
        _nodes = [.. Collect<ReduceLROnPlateau>(root)];
        if (_nodes.Distinct(ReferenceEqualityComparer.Instance).Count() != _nodes.Length)
        {
            throw new ArgumentException("the same ReduceLROnPlateau instance appears twice in the schedule; create one per use");
        }

        _states = [.. _nodes.Select(n => n.InitialState(baseLrs))];
        _chains = [.. Collect<ChainedScheduler>(root).Distinct(ReferenceEqualityComparer.Instance).Cast<ChainedScheduler>()];
        _groupCount = baseLrs.Count;
        _points = new ChainPoint[_chains.Length * _groupCount];
        ForgetChains();
    }

    internal IReadOnlyList<PlateauState> States => _states;

    /// <summary>Tokens one step consumes, for routing metrics through a <c>tokens</c> piece (0: unknown).</summary>
    internal long TokensPerStep { get; }

    internal static IEnumerable<T> Collect<T>(Schedule node) where T : Schedule =>
        node is T found ? [found] : node.Children.SelectMany(Collect<T>);

    internal PlateauState Get(ReduceLROnPlateau node) => _states[IndexOf(node)];

    internal void Set(ReduceLROnPlateau node, PlateauState state) => _states[IndexOf(node)] = state;

    internal void Load(IReadOnlyList<PlateauState> states, int groupCount)
    {
        if (states.Count != _states.Length)
        {
            throw Preconditions.Fail("state.plateaus", $"must have one entry per ReduceLROnPlateau in the schedule: expected {_states.Length}, got {states.Count}");
        }

        for (var i = 0; i < states.Count; i++)
        {
            if (states[i].LearningRates.Length != groupCount)
            {
                throw Preconditions.Fail($"state.plateaus[{i}].lrs", $"must have one value per parameter group: expected {groupCount}, got {states[i].LearningRates.Length}");
            }

            _states[i] = states[i] with { LearningRates = [.. states[i].LearningRates] };
        }

        ForgetChains();
    }

    /// <summary>Drops every cached chain step (after the base learning rates changed).</summary>
    internal void ForgetChains() => Array.Fill(_points, new ChainPoint(-1, 0, 0, false));

    /// <summary>The index of the cached point of <paramref name="chain"/>'s recurrence for <paramref name="group"/>, or -1 when it is not in this tree.</summary>
    internal int PointIndex(ChainedScheduler chain, int group)
    {
        for (var i = 0; i < _chains.Length; i++)
        {
            if (ReferenceEquals(_chains[i], chain) && group < _groupCount)
            {
                return i * _groupCount + group;
            }
        }

        return -1;
    }

    internal ref ChainPoint PointAt(int index) => ref _points[index];

    private int IndexOf(ReduceLROnPlateau node)
    {
        for (var i = 0; i < _nodes.Length; i++)
        {
            if (ReferenceEquals(_nodes[i], node))
            {
                return i;
            }
        }

        throw new InvalidOperationException("this ReduceLROnPlateau is not part of the scheduler's schedule");
    }
}

/// <summary>
/// One computed point of a chained recurrence: the learning rate after step <see cref="Step"/> (-1: none), for the
/// base learning rate and construction order it was computed with.
/// </summary>
internal struct ChainPoint(long step, double lr, double baseLr, bool initialLrUnset)
{
    internal long Step = step;
    internal double Lr = lr;
    internal double BaseLr = baseLr;
    internal bool InitialLrUnset = initialLrUnset;

    internal readonly bool Continues(long step, in ScheduleContext context) =>
        Step >= 0 && Step <= step && BaseLr.Equals(context.BaseLr) && InitialLrUnset == context.InitialLrUnset;
}
