using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// The constant schedule (Hugging Face <c>constant</c>): <c>lr(t) = base_lr * factor</c>, <c>factor</c> defaulting to 1;
/// at step 0, <c>base_lr * factor</c>. Also the stable phase of warmup-stable-decay.
/// </summary>
public sealed class Constant : MultiplicativeSchedule
{
    /// <summary>The default <c>factor</c>: 1, Hugging Face's constant schedule.</summary>
    public const double DefaultFactor = 1.0;

    /// <summary>Creates the schedule; <paramref name="factor"/> &gt;= 0.</summary>
    public Constant(double factor = DefaultFactor)
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
        if (Value != DefaultFactor)
        {
            spec["factor"] = Value;
        }
    }
}
