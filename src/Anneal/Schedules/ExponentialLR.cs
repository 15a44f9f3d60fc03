using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>ExponentialLR</c>: <c>lr(t) = base_lr * gamma^t</c>; at step 0, <c>base_lr</c>.
/// The article's form <c>lr(t) = lr0 * exp(-k t)</c> is <see cref="FromDecayRate"/> (JSON <c>"k"</c>), i.e. <c>gamma = e^-k</c>,
/// evaluated as <c>exp(-k t)</c> so that rounding in <c>e^-k</c> does not grow with t. Chainable: multiplies by
/// <c>gamma</c> at every step after 0. <c>gamma = 0</c> gives 0 from step 1 on (a warning).
/// </summary>
public sealed class ExponentialLR : MultiplicativeSchedule
{
    /// <summary>Creates the schedule; <paramref name="gamma"/> must be &gt;= 0.</summary>
    public ExponentialLR(double gamma)
    {
        Gamma = Preconditions.NonNegative(gamma, "gamma");
    }

    private ExponentialLR(double gamma, double k)
        : this(gamma)
    {
        DecayRate = k;
    }

    /// <summary>The article's exponential decay <c>lr(t) = lr0 * exp(-k t)</c>: <c>gamma = e^-k</c>; <paramref name="k"/> &gt;= 0.</summary>
    public static ExponentialLR FromDecayRate(double k) =>
        new(Math.Exp(-Preconditions.NonNegative(k, "k")), k);

    /// <summary>Multiplicative decay per step (<c>gamma</c>).</summary>
    public double Gamma { get; }

    /// <summary>The decay rate <c>k</c> when built with <see cref="FromDecayRate"/>, else null.</summary>
    public double? DecayRate { get; }

    /// <inheritdoc />
    public override string TypeName => "ExponentialLR";

    /// <inheritdoc />
    public override double Factor(long step) => DecayRate is { } k ? Math.Exp(-k * step) : Math.Pow(Gamma, step);

    /// <inheritdoc />
    public override bool IsChainable => true;

    /// <inheritdoc />
    public override double Chain(long step, double currentLr, in ScheduleContext context) =>
        step == 0 ? currentLr : currentLr * Gamma;

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (Gamma == 0)
        {
            yield return new ScheduleWarning("gamma", "is 0: the learning rate is base_lr at step 0 and 0 from step 1 on");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        if (DecayRate is { } k)
        {
            spec["k"] = k;
        }
        else
        {
            spec["gamma"] = Gamma;
        }
    }
}
