using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>SequentialLR</c>, optax's <c>join_schedules</c>: schedule <c>i</c> runs from <c>milestones[i-1]</c>
/// (0 for the first) with its step re-based to 0 there. <c>lr(t) = s_i(t - m_{i-1})</c> for
/// <c>m_{i-1} &lt;= t &lt; m_i</c>; at step 0, the first schedule's step 0.
/// </summary>
public sealed class SequentialLR : Schedule
{
    private readonly Schedule[] _schedules;
    private readonly long[] _milestones;

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
        for (var i = 0; i < _milestones.Length; i++)
        {
            var length = _milestones[i] - (i == 0 ? 0 : _milestones[i - 1]);
            if (_schedules[i].MaxStep is { } max && length > max)
            {
                throw Preconditions.Fail(
                    $"schedulers[{i}]",
                    $"is defined for {max} steps but runs for {length} steps before milestones[{i}]");
            }
        }
    }

    /// <summary>The joined schedules.</summary>
    public override IReadOnlyList<Schedule> Children => _schedules;

    /// <summary>The steps at which the next schedule starts.</summary>
    public IReadOnlyList<long> Milestones => _milestones;

    /// <inheritdoc />
    public override string TypeName => "SequentialLR";

    /// <inheritdoc />
    public override long? MaxStep =>
        _schedules[^1].MaxStep is { } max ? max + (_milestones.Length == 0 ? 0 : _milestones[^1]) : null;

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        var i = MultiStepLR.CountAtOrBefore(_milestones, step);
        return _schedules[i].Evaluate(i == 0 ? step : step - _milestones[i - 1], context);
    }

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context)
    {
        var i = MultiStepLR.CountAtOrBefore(_milestones, step);
        return _schedules[i].Momentum(i == 0 ? step : step - _milestones[i - 1], context);
    }

    internal override void Observe(long step, double metric, StateStore states)
    {
        var i = MultiStepLR.CountAtOrBefore(_milestones, step);
        _schedules[i].Observe(i == 0 ? step : step - _milestones[i - 1], metric, states);
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["schedulers"] = new JsonArray([.. _schedules.Select(s => (JsonNode)s.ToSpec())]);
        spec["milestones"] = new JsonArray([.. _milestones.Select(m => (JsonNode)m)]);
    }
}
