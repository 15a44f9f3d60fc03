using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>CosineAnnealingLR</c> (SGDR without restarts, Loshchilov &amp; Hutter 2017):
/// <c>lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi t / T_max)) / 2</c>; at step 0, <c>base_lr</c>; at
/// <c>T_max</c>, <c>eta_min</c>. Past <c>T_max</c> the cosine continues (rises again), as in PyTorch.
/// Chainable (PyTorch's recursive form): <c>lr_t = eta_min + (lr_{t-1} - eta_min)(1 + cos(pi t/T))/(1 + cos(pi (t-1)/T))</c>,
/// except at <c>t - 1 - T = 0 mod 2T</c>, where the ratio is 0/0 and PyTorch adds
/// <c>(base_lr - eta_min)(1 - cos(pi/T))/2</c> instead.
/// </summary>
public sealed class CosineAnnealingLR : Schedule
{
    /// <summary>PyTorch's default <c>eta_min</c>: 0.</summary>
    public const double DefaultEtaMin = 0;

    /// <summary>Creates the schedule; <paramref name="tMax"/> (<c>T_max</c>) &gt; 0 (PyTorch divides by it), <paramref name="etaMin"/> (<c>eta_min</c>) &gt;= 0.</summary>
    public CosineAnnealingLR(long tMax, double etaMin = DefaultEtaMin)
    {
        TMax = Preconditions.Positive(tMax, "T_max");
        EtaMin = Preconditions.NonNegative(etaMin, "eta_min");
    }

    /// <summary>Half-period of the cosine in steps (<c>T_max</c>).</summary>
    public long TMax { get; }

    /// <summary>The floor, an absolute learning rate (<c>eta_min</c>).</summary>
    public double EtaMin { get; }

    /// <inheritdoc />
    public override string TypeName => "CosineAnnealingLR";

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => TMax;

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => step == 0
        ? context.BaseLr
        : EtaMin + (context.BaseLr - EtaMin) * (1 + Math.Cos(Math.PI * step / TMax)) / 2;

    /// <inheritdoc />
    public override bool IsChainable => true;

    /// <inheritdoc />
    public override double Chain(long step, double currentLr, in ScheduleContext context)
    {
        if (step == 0)
        {
            return currentLr;
        }

        if (IsRecursionPole(step))
        {
            return currentLr + (context.BaseLr - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2;
        }

        return (1 + Math.Cos(Math.PI * step / TMax)) / (1 + Math.Cos(Math.PI * (step - 1) / TMax)) * (currentLr - EtaMin) + EtaMin;
    }

    /// <summary>
    /// From another start: the recursion scales the cosine of <paramref name="startLr"/> up to <c>T_max</c>, where it
    /// reaches <c>eta_min</c>; the additive step at <c>T_max + 1</c> puts it back on the curve of its own base.
    /// </summary>
    internal override double EvaluateFrom(long step, double startLr, in ScheduleContext context) =>
        step <= TMax ? Evaluate(step, context.WithBaseLr(startLr)) : Evaluate(step, context);

    /// <summary>True at <c>t - 1 - T_max = 0 (mod 2 T_max)</c> (Python's modulo, never negative).</summary>
    private bool IsRecursionPole(long step)
    {
        if (TMax > long.MaxValue / 2)
        {
            var wide = ((Int128)step - 1 - TMax) % ((Int128)TMax * 2);
            return wide == 0;
        }

        return (step - 1 - TMax) % (TMax * 2) == 0; // a multiple of 2T is 0 in any sign convention
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["T_max"] = TMax;
        spec["eta_min"] = EtaMin;
    }
}
