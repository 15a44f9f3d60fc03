using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>LinearLR</c>: the factor moves linearly from <c>start_factor</c> to <c>end_factor</c> over
/// <c>total_iters</c> steps, then stays. <c>lr(t) = base_lr * (s + (e - s) * min(t, total_iters) / total_iters)</c>;
/// at step 0, <c>base_lr * start_factor</c>.
/// </summary>
public sealed class LinearLR : MultiplicativeSchedule
{
    /// <summary>Creates the schedule; <paramref name="startFactor"/> in (0, 1], <paramref name="endFactor"/> in [0, 1], <paramref name="totalIters"/> &gt; 0.</summary>
    public LinearLR(double startFactor = 1.0 / 3, double endFactor = 1.0, long totalIters = 5)
    {
        StartFactor = Preconditions.InOpenClosed(startFactor, 0, 1, "start_factor");
        EndFactor = Preconditions.InRange(endFactor, 0, 1, "end_factor");
        TotalIters = Preconditions.Positive(totalIters, "total_iters");
    }

    /// <summary>Factor at step 0 (<c>start_factor</c>).</summary>
    public double StartFactor { get; }

    /// <summary>Factor from <c>total_iters</c> on (<c>end_factor</c>).</summary>
    public double EndFactor { get; }

    /// <summary>Length of the ramp (<c>total_iters</c>).</summary>
    public long TotalIters { get; }

    /// <inheritdoc />
    public override string TypeName => "LinearLR";

    /// <inheritdoc />
    public override double Factor(long step) =>
        StartFactor + (EndFactor - StartFactor) * Math.Min(step, TotalIters) / TotalIters;

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["start_factor"] = StartFactor;
        spec["end_factor"] = EndFactor;
        spec["total_iters"] = TotalIters;
    }
}
