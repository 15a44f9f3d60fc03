namespace Anneal;

/// <summary>The states of the stateful schedules in one schedule tree, in tree order, found by reference.</summary>
internal sealed class StateStore
{
    private readonly ReduceLROnPlateau[] _nodes;
    private readonly PlateauState[] _states;

    internal StateStore(Schedule root, IReadOnlyList<double> baseLrs)
    {
        _nodes = [.. Collect(root)];
        if (_nodes.Distinct(ReferenceEqualityComparer.Instance).Count() != _nodes.Length)
        {
            throw new ArgumentException("the same ReduceLROnPlateau instance appears twice in the schedule; create one per use");
        }

        _states = [.. _nodes.Select(n => n.InitialState(baseLrs))];
    }

    internal IReadOnlyList<PlateauState> States => _states;

    internal static IEnumerable<ReduceLROnPlateau> Collect(Schedule node) =>
        node is ReduceLROnPlateau plateau ? [plateau] : node.Children.SelectMany(Collect);

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
    }

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
