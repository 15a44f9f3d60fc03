using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>ChainedScheduler</c>, a product of schedules: every schedule applies its factor at every step.
/// <c>lr(t) = base_lr * prod_i (s_i(t) / base_lr)</c>; at step 0, the product of the factors at step 0. For
/// multiplicative schedules (and cosine annealing to 0) this is PyTorch's number; for schedules with an absolute floor
/// (<c>eta_min</c> &gt; 0) it is the product of closed forms, not PyTorch's order-dependent recursion.
/// The last schedule that cycles momentum sets it.
/// </summary>
public sealed class ChainedScheduler : Schedule
{
    private readonly Schedule[] _schedules;

    /// <summary>Chains <paramref name="schedulers"/> (at least one).</summary>
    public ChainedScheduler(IReadOnlyList<Schedule> schedulers)
    {
        Preconditions.NotEmpty(schedulers, "schedulers");
        _schedules = [.. schedulers.Select((s, i) => Preconditions.NotNull(s, $"schedulers[{i}]"))];
    }

    /// <summary>The chained schedules.</summary>
    public override IReadOnlyList<Schedule> Children => _schedules;

    /// <inheritdoc />
    public override string TypeName => "ChainedScheduler";

    /// <inheritdoc />
    public override long? MaxStep => _schedules.Min(s => s.MaxStep);

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        var lr = context.BaseLr;
        if (lr == 0)
        {
            return 0;
        }

        foreach (var schedule in _schedules)
        {
            lr *= schedule.Evaluate(step, context) / context.BaseLr;
        }

        return lr;
    }

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context)
    {
        for (var i = _schedules.Length - 1; i >= 0; i--)
        {
            if (_schedules[i].CyclesMomentum)
            {
                return _schedules[i].Momentum(step, context);
            }
        }

        return double.NaN;
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec) =>
        spec["schedulers"] = new JsonArray([.. _schedules.Select(s => (JsonNode)s.ToSpec())]);
}
