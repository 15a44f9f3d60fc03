using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// The constant schedule (Hugging Face <c>constant</c>): <c>lr(t) = base_lr * factor</c>, <c>factor</c> defaulting to 1;
/// at step 0, <c>base_lr * factor</c>. Also the stable phase of warmup-stable-decay.
/// </summary>
public sealed class Constant : MultiplicativeSchedule
{
    /// <summary>Creates the schedule; <paramref name="factor"/> &gt;= 0.</summary>
    public Constant(double factor = 1.0)
    {
        Value = Preconditions.NonNegative(factor, "factor");
    }

    /// <summary>The constant factor.</summary>
    public double Value { get; }

    /// <inheritdoc />
    public override string TypeName => "constant";

    /// <inheritdoc />
    public override double Factor(long step) => Value;

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        if (Value != 1.0)
        {
            spec["factor"] = Value;
        }
    }
}
