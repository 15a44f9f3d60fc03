using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>SequentialLR</c>, optax's <c>join_schedules</c>: schedule <c>i</c> runs from <c>milestones[i-1]</c>
/// (0 for the first) with its step re-based to 0 there. <c>lr(t) = s_i(t - m_{i-1})</c> for
/// <c>m_{i-1} &lt;= t &lt; m_i</c>; at step 0, the first schedule's step 0.
/// </summary>
/// <remarks>
/// PyTorch's numbers in every case: the first schedule runs from the group's <c>initial_lr</c> once every schedule is
/// constructed (after a <see cref="OneCycleLR"/> that is <c>max_lr / div_factor</c>), each later schedule starts from
/// its closed form at its milestone (a <see cref="MultiplicativeLR"/> continues from the learning rate there), and each
/// schedule's base is PyTorch's (see <see cref="ScheduleContext.BaseLr"/>).
/// </remarks>
public sealed class SequentialLR : Schedule
{
    private readonly Schedule[] _schedules;
    private readonly long[] _milestones;
    private readonly ConstructionOrder _order;

    /// <summary>Joins <paramref name="schedulers"/> at <paramref name="milestones"/> (one fewer, strictly increasing, &gt; 0).</summary>
    public SequentialLR(IReadOnlyList<Schedule> schedulers, IReadOnlyList<long> milestones)
    {
        Preconditions.NotEmpty(schedulers, "schedulers");
        Preconditions.NotNull(milestones, "milestones");
        if (milestones.Count != schedulers.Count - 1)
        {
            throw Preconditions.Fail(
                "milestones",
                $"must have one element fewer than schedulers: got {schedulers.Count} schedulers and {milestones.Count} milestones");
        }

        for (var i = 0; i < milestones.Count; i++)
        {
            Preconditions.Positive(milestones[i], $"milestones[{i}]");
            if (i > 0 && milestones[i] <= milestones[i - 1])
            {
                throw Preconditions.Fail($"milestones[{i}]", $"must be > milestones[{i - 1}] ({milestones[i - 1]}) (was {milestones[i]})");
            }
        }

        _schedules = [.. schedulers.Select((s, i) => Preconditions.NotNull(s, $"schedulers[{i}]"))];
        _milestones = [.. milestones];
        for (var i = 1; i < _schedules.Length; i++)
        {
            if (_schedules[i].MilestoneStartError() is { } error)
            {
                throw error.WithPrefix($"schedulers[{i}].");
            }
        }

        CheckLengths(0);
        _order = new ConstructionOrder(_schedules);
    }

    /// <summary>The joined schedules.</summary>
    public override IReadOnlyList<Schedule> Children => _schedules;

    /// <summary>The steps at which the next schedule starts.</summary>
    public IReadOnlyList<long> Milestones => _milestones;

    /// <inheritdoc />
    public override string TypeName => "SequentialLR";

    /// <inheritdoc />
    public override long? MaxStepFor(long tokensPerStep) =>
        _schedules[^1].MaxStepFor(tokensPerStep) is { } max ? max + LastMilestone : null;

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) =>
        _schedules[^1].HorizonFor(tokensPerStep) is { } horizon ? horizon + LastMilestone : null;

    private long LastMilestone => _milestones.Length == 0 ? 0 : _milestones[^1];

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        var i = MultiStepLR.CountAtOrBefore(_milestones, step);
        var child = _order.For(context, i);
        if (i == 0)
        {
            return _schedules[0].EvaluateFrom(step, _order.InitialLrAfterAll(context), child);
        }

        var lrAtMilestone = _schedules[i].ReadsLrAtMilestone ? Evaluate(_milestones[i - 1] - 1, context) : double.NaN;
        return _schedules[i].AfterMilestone(step - _milestones[i - 1], lrAtMilestone, child);
    }

    /// <summary>
    /// As a member of a <see cref="ChainedScheduler"/>: PyTorch resets the group to <c>initial_lr</c> when the
    /// SequentialLR is constructed (step 0), starts each schedule from its closed form at its milestone, and steps the
    /// active schedule's chainable form on <paramref name="currentLr"/> in between.
    /// </summary>
    public override double Chain(long step, double currentLr, in ScheduleContext context)
    {
        var i = MultiStepLR.CountAtOrBefore(_milestones, step);
        var child = _order.For(context, i);
        if (i == 0)
        {
            return step == 0
                ? _schedules[0].EvaluateFrom(0, _order.InitialLrAfterAll(context), child)
                : _schedules[0].Chain(step, currentLr, child);
        }

        var local = step - _milestones[i - 1];
        return local == 0 ? _schedules[i].AfterMilestone(0, currentLr, child) : _schedules[i].Chain(local, currentLr, child);
    }

    /// <summary>The active schedule's momentum; at step 0, the construction's (see <see cref="Schedule.Momentum"/>).</summary>
    public override double Momentum(long step, in ScheduleContext context)
    {
        if (step == 0)
        {
            return InitialMomentum(context);
        }

        var i = MultiStepLR.CountAtOrBefore(_milestones, step);
        return _schedules[i].Momentum(i == 0 ? step : step - _milestones[i - 1], _order.For(context, i));
    }

    /// <summary>The first schedule's step-0 momentum, else the last one written while constructing the schedules.</summary>
    internal override double InitialMomentum(in ScheduleContext context)
    {
        var first = _schedules[0].Momentum(0, _order.For(context, 0));
        return double.IsNaN(first) ? _order.LastInitialMomentum(_schedules, context) : first;
    }

    /// <summary>What the active schedule writes, else what the one before wrote last (or the construction's).</summary>
    internal override double HeldMomentum(long step, in ScheduleContext context)
    {
        var written = Momentum(step, context);
        if (!double.IsNaN(written))
        {
            return written;
        }

        var i = MultiStepLR.CountAtOrBefore(_milestones, step);
        return i == 0 ? InitialMomentum(context) : HeldMomentum(_milestones[i - 1] - 1, context);
    }

    internal override void Observe(long step, double metric, StateStore states)
    {
        var i = MultiStepLR.CountAtOrBefore(_milestones, step);
        _schedules[i].Observe(i == 0 ? step : step - _milestones[i - 1], metric, states);
    }

    internal override void ValidateTokens(long tokensPerStep)
    {
        base.ValidateTokens(tokensPerStep);
        CheckLengths(tokensPerStep);
    }

    /// <summary>Fails when a schedule defined for fewer steps (a <see cref="OneCycleLR"/>) runs past its end before the next milestone.</summary>
    private void CheckLengths(long tokensPerStep)
    {
        for (var i = 0; i < _milestones.Length; i++)
        {
            var length = _milestones[i] - (i == 0 ? 0 : _milestones[i - 1]);
            if (_schedules[i].MaxStepFor(tokensPerStep) is { } max && length > max)
            {
                throw Preconditions.Fail(
                    $"schedulers[{i}]",
                    $"is defined for {max} steps but runs for {length} steps before milestones[{i}]");
            }
        }
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (_order.SharesOneCycleFields)
        {
            yield return OneCycleLR.SharedFieldsWarning(_order);
        }

        for (var i = 0; i < _schedules.Length; i++)
        {
            var child = _schedules[i];
            var setter = i == 0 ? (child.IsChainable ? _order.BaseSetter(_schedules.Length) : null) : _order.BaseSetter(i);
            if (setter is null || child is OneCycleLR or CyclicLR || !ConstructionOrder.Leaves(child).Any(l => l is not (OneCycleLR or CyclicLR)))
            {
                continue;
            }

            var index = Array.FindIndex(_schedules, s => ConstructionOrder.Leaves(s).Contains(setter));
            yield return new ScheduleWarning(
                $"schedulers[{i}]",
                setter is OneCycleLR
                    ? $"({child.TypeName}) starts from max_lr / div_factor of the OneCycleLR schedulers[{index}], not from the optimizer's learning rate: PyTorch's OneCycleLR overwrites the group's initial_lr" +
                      (i == 0 ? ", and SequentialLR resets the group to it" : "")
                    : $"({child.TypeName}) starts from base_lr of the CyclicLR schedulers[{index}], not from the optimizer's learning rate: PyTorch's CyclicLR writes base_lr into the group before the group's initial_lr is set");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["schedulers"] = new JsonArray([.. _schedules.Select(s => (JsonNode)SpecOf(s))]);
        spec["milestones"] = new JsonArray([.. _milestones.Select(m => (JsonNode)m)]);
    }
}
