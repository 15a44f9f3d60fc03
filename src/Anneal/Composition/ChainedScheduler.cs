using System.Buffers;
using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>ChainedScheduler</c>: every member steps at every step, in order, on the group's current learning rate
/// (PyTorch's chainable form, <see cref="Schedule.Chain"/>). With <c>lr_{-1}</c> the optimizer's learning rate,
/// <c>lr_t = m_n.Chain(t, ... m_1.Chain(t, lr_{t-1}))</c>; step 0 is the members' construction steps in order. Multiplicative
/// members (<c>StepLR</c>, <c>ExponentialLR</c>, <c>LinearLR</c>, ...) multiply; <c>CosineAnnealingLR</c> applies its
/// recursive ratio and, past <c>T_max</c>, its additive step; members without a chainable form (<c>OneCycleLR</c>,
/// <c>CyclicLR</c>, <c>CosineAnnealingWarmRestarts</c>, <c>LambdaLR</c>, every Hugging Face schedule) set their value
/// outright, so the members before them have no effect (a warning says so). Each member's <c>base_lr</c> is what PyTorch's
/// would be, given the construction order (see <see cref="ScheduleContext.BaseLr"/>). The last member that cycles
/// momentum at a step sets it. Nested chains are flattened, as stepping them is the same.
/// </summary>
/// <remarks>
/// After a member that sets its value outright the chain has no history: its value at any step costs O(members).
/// Otherwise the value at step t is the recurrence replayed from step 0: O(t x members) for <see cref="Schedule.LearningRate"/>;
/// a <see cref="Scheduler"/> keeps the last point and advances it one step per step, and after
/// <see cref="Scheduler.LoadState"/> replays once to the saved step, so resuming is bit-exact without saving the
/// chained value. ReduceLROnPlateau cannot be a member (PyTorch steps members without a metric) and a chain cannot
/// be measured in tokens (its recurrence advances one step at a time).
/// </remarks>
public sealed class ChainedScheduler : Schedule
{
    private readonly Schedule[] _schedules;
    private readonly Schedule[] _members;
    private readonly ConstructionOrder _order;
    private readonly int _lastOutright;

    /// <summary>Chains <paramref name="schedulers"/> (at least one).</summary>
    /// <exception cref="ScheduleArgumentException">A member is null or contains a <see cref="ReduceLROnPlateau"/>.</exception>
    public ChainedScheduler(IReadOnlyList<Schedule> schedulers)
    {
        Preconditions.NotEmpty(schedulers, "schedulers");
        _schedules = [.. schedulers.Select((s, i) => Preconditions.NotNull(s, $"schedulers[{i}]"))];
        for (var i = 0; i < _schedules.Length; i++)
        {
            if (_schedules[i].NeedsMetric)
            {
                throw Preconditions.Fail(
                    $"schedulers[{i}]",
                    $"must not be or contain ReduceLROnPlateau (was {_schedules[i].TypeName}): PyTorch's ChainedScheduler steps its members without a metric; put a warmup in front of a plateau schedule with warmup or SequentialLR instead");
            }
        }

        _members = [.. _schedules.SelectMany(Flatten)];
        _order = new ConstructionOrder(_members);
        _lastOutright = Array.FindLastIndex(_members, SetsOutright);
    }

    /// <summary>The chained schedules, as given.</summary>
    public override IReadOnlyList<Schedule> Children => _schedules;

    /// <inheritdoc />
    public override string TypeName => "ChainedScheduler";

    /// <inheritdoc />
    public override long? MaxStepFor(long tokensPerStep) => _schedules.Min(s => s.MaxStepFor(tokensPerStep));

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => _schedules.Max(s => s.HorizonFor(tokensPerStep));

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        if (_lastOutright >= 0)
        {
            // A member that sets its value outright ends the history: the chain is the members from it on, at this step.
            return Fold(step, double.NaN, context, _lastOutright);
        }

        var index = context.States?.PointIndex(this, context.Group) ?? -1;
        if (index < 0)
        {
            return Replay(0, context.BaseLr, step, context);
        }

        ref var point = ref context.States!.PointAt(index);
        var lr = point.Continues(step, context)
            ? Replay(point.Step + 1, point.Lr, step, context)
            : Replay(0, context.BaseLr, step, context);
        point = new ChainPoint(step, lr, context.BaseLr, context.InitialLrUnset);
        return lr;
    }

    /// <summary>The chained recurrence from step <paramref name="from"/> (learning rate <paramref name="lr"/> before it) to <paramref name="to"/>.</summary>
    private double Replay(long from, double lr, long to, in ScheduleContext context)
    {
        if (to - from < 4)
        {
            for (var t = from; t <= to; t++)
            {
                lr = Fold(t, lr, context, 0);
            }

            return lr;
        }

        // A long replay: derive each member's context once.
        var contexts = ArrayPool<ScheduleContext>.Shared.Rent(_members.Length);
        try
        {
            for (var i = 0; i < _members.Length; i++)
            {
                contexts[i] = _order.For(context, i);
            }

            for (var t = from; t <= to; t++)
            {
                for (var i = 0; i < _members.Length; i++)
                {
                    lr = _members[i].Chain(t, lr, contexts[i]);
                }
            }

            return lr;
        }
        finally
        {
            ArrayPool<ScheduleContext>.Shared.Return(contexts, clearArray: true);
        }
    }

    private double Fold(long step, double lr, in ScheduleContext context, int first)
    {
        for (var i = first; i < _members.Length; i++)
        {
            lr = _members[i].Chain(step, lr, _order.For(context, i));
        }

        return lr;
    }

    /// <summary>As a member of an outer chain (through a <see cref="SequentialLR"/>): one step of this chain on <paramref name="currentLr"/>.</summary>
    public override double Chain(long step, double currentLr, in ScheduleContext context) => Fold(step, currentLr, context, 0);

    /// <inheritdoc />
    public override bool IsChainable => true;

    /// <inheritdoc />
    internal override double EvaluateFrom(long step, double startLr, in ScheduleContext context) => Evaluate(step, context);

    /// <summary>The momentum of the last member that writes one at <paramref name="step"/>; at step 0, the construction's last.</summary>
    public override double Momentum(long step, in ScheduleContext context)
    {
        if (step == 0)
        {
            return InitialMomentum(context);
        }

        for (var i = _members.Length - 1; i >= 0; i--)
        {
            if (_members[i].CyclesMomentum)
            {
                var momentum = _members[i].Momentum(step, _order.For(context, i));
                if (!double.IsNaN(momentum))
                {
                    return momentum;
                }
            }
        }

        return double.NaN;
    }

    /// <summary>The last momentum written while constructing the members, in order.</summary>
    internal override double InitialMomentum(in ScheduleContext context) => _order.LastInitialMomentum(_members, context);

    /// <summary>The last momentum written at or before <paramref name="step"/> (walks back over steps where no member writes one).</summary>
    internal override double HeldMomentum(long step, in ScheduleContext context)
    {
        for (var t = step; t > 0; t--)
        {
            var written = Momentum(t, context);
            if (!double.IsNaN(written))
            {
                return written;
            }
        }

        return InitialMomentum(context);
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        var lastOutright = Array.FindLastIndex(_schedules, SetsOutright);
        if (lastOutright > 0)
        {
            var before = lastOutright == 1 ? "schedulers[0] has" : $"schedulers[0] to schedulers[{lastOutright - 1}] have";
            yield return new ScheduleWarning(
                $"schedulers[{lastOutright}]",
                $"({_schedules[lastOutright].TypeName}) sets the learning rate outright at every step, so {before} no effect (it has no chainable form in PyTorch)");
        }

        if (lastOutright >= 0)
        {
            for (var i = lastOutright + 1; i < _schedules.Length; i++)
            {
                if (_schedules[i] is SequentialLR)
                {
                    continue; // its own warning below
                }

                var name = _schedules[i].TypeName;
                yield return new ScheduleWarning(
                    $"schedulers[{i}]",
                    $"({name}) follows {_schedules[lastOutright].TypeName}, which sets the learning rate outright at every step: PyTorch applies only {name}'s change from one step to the next to that value, not {name}'s own curve");
            }
        }

        for (var i = 1; i < _schedules.Length; i++)
        {
            if (_schedules[i] is SequentialLR)
            {
                yield return new ScheduleWarning(
                    $"schedulers[{i}]",
                    "(SequentialLR) resets the learning rate to the initial lr at step 0 and starts each of its schedules from its closed form at its milestone, discarding there what the schedulers before it did (PyTorch's SequentialLR)");
            }
        }

        if (_order.SharesOneCycleFields)
        {
            yield return OneCycleLR.SharedFieldsWarning(_order);
        }
    }

    /// <summary>True for a member whose chainable form ignores the current learning rate.</summary>
    private static bool SetsOutright(Schedule member) => !member.IsChainable && member is not SequentialLR;

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec) =>
        spec["schedulers"] = new JsonArray([.. _schedules.Select(s => (JsonNode)SpecOf(s))]);

    private static IEnumerable<Schedule> Flatten(Schedule schedule) =>
        schedule is ChainedScheduler chain ? chain._members : [schedule];
}
