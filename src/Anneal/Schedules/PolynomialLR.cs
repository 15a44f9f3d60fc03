using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>PolynomialLR</c>: <c>lr(t) = base_lr * (1 - min(t, total_iters) / total_iters)^power</c>;
/// at step 0, <c>base_lr</c>; 0 from <c>total_iters</c> on.
/// </summary>
public sealed class PolynomialLR : MultiplicativeSchedule
{
    /// <summary>Creates the schedule; <paramref name="totalIters"/> &gt; 0, <paramref name="power"/> &gt;= 0.</summary>
    public PolynomialLR(long totalIters = 5, double power = 1.0)
    {
        TotalIters = Preconditions.Positive(totalIters, "total_iters");
        Power = Preconditions.NonNegative(power, "power");
    }

    /// <summary>Steps to reach 0 (<c>total_iters</c>).</summary>
    public long TotalIters { get; }

    /// <summary>Exponent of the decay (<c>power</c>).</summary>
    public double Power { get; }

    /// <inheritdoc />
    public override string TypeName => "PolynomialLR";

    /// <inheritdoc />
    public override double Factor(long step) =>
        Math.Pow(1.0 - (double)Math.Min(TotalIters, step) / TotalIters, Power);

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["total_iters"] = TotalIters;
        spec["power"] = Power;
    }
}
