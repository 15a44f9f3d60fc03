using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>StepLR</c>: decays by <c>gamma</c> every <c>step_size</c> steps.
/// <c>lr(t) = base_lr * gamma^floor(t / step_size)</c>; at step 0, <c>base_lr</c>. Chainable: multiplies by
/// <c>gamma</c> at every multiple of <c>step_size</c> after 0. <c>gamma = 0</c> gives 0 from <c>step_size</c> on (a warning).
/// </summary>
public sealed class StepLR : MultiplicativeSchedule
{
    /// <summary>PyTorch's default <c>gamma</c>: 0.1.</summary>
    public const double DefaultGamma = 0.1;

    /// <summary>Creates the schedule. <paramref name="stepSize"/> (<c>step_size</c>) must be &gt; 0 (PyTorch divides by it); <paramref name="gamma"/> &gt;= 0.</summary>
    public StepLR(long stepSize, double gamma = DefaultGamma)
    {
        StepSize = Preconditions.Positive(stepSize, "step_size");
        Gamma = Preconditions.NonNegative(gamma, "gamma");
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
    public override bool IsChainable => true;

    /// <inheritdoc />
    public override double Chain(long step, double currentLr, in ScheduleContext context) =>
        step == 0 || step % StepSize != 0 ? currentLr : currentLr * Gamma;

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (Gamma == 0)
        {
            yield return new ScheduleWarning("gamma", $"is 0: the learning rate drops to 0 at step {StepSize} and stays there");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["step_size"] = StepSize;
        spec["gamma"] = Gamma;
    }
}
