using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>StepLR</c>: decays by <c>gamma</c> every <c>step_size</c> steps.
/// <c>lr(t) = base_lr * gamma^floor(t / step_size)</c>; at step 0, <c>base_lr</c>.
/// </summary>
public sealed class StepLR : MultiplicativeSchedule
{
    /// <summary>Creates the schedule. <paramref name="stepSize"/> (<c>step_size</c>) must be &gt; 0; <paramref name="gamma"/> &gt; 0.</summary>
    public StepLR(long stepSize, double gamma = 0.1)
    {
        StepSize = Preconditions.Positive(stepSize, "step_size");
        Gamma = Preconditions.Positive(gamma, "gamma");
    }

    /// <summary>Steps between decays (<c>step_size</c>).</summary>
    public long StepSize { get; }

    /// <summary>Multiplicative decay (<c>gamma</c>).</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override string TypeName => "StepLR";

    /// <inheritdoc />
    public override double Factor(long step) => Math.Pow(Gamma, step / StepSize);

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["step_size"] = StepSize;
        spec["gamma"] = Gamma;
    }
}
