using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>ConstantLR</c>: <c>lr(t) = base_lr * factor</c> for <c>t &lt; total_iters</c>, then <c>base_lr</c>;
/// at step 0, <c>base_lr * factor</c> (or <c>base_lr</c> when <c>total_iters</c> is 0).
/// </summary>
public sealed class ConstantLR : MultiplicativeSchedule
{
    /// <summary>Creates the schedule; <paramref name="factor"/> in [0, 1], <paramref name="totalIters"/> &gt;= 0.</summary>
    public ConstantLR(double factor = 1.0 / 3, long totalIters = 5)
    {
        Factor0 = Preconditions.InRange(factor, 0, 1, "factor");
        TotalIters = Preconditions.NonNegative(totalIters, "total_iters");
    }

    /// <summary>The factor before <c>total_iters</c> (<c>factor</c>).</summary>
    public double Factor0 { get; }

    /// <summary>Steps the factor applies for (<c>total_iters</c>).</summary>
    public long TotalIters { get; }

    /// <inheritdoc />
    public override string TypeName => "ConstantLR";

    /// <inheritdoc />
    public override double Factor(long step) => step < TotalIters ? Factor0 : 1.0;

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["factor"] = Factor0;
        spec["total_iters"] = TotalIters;
    }
}
