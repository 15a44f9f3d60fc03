using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>CosineAnnealingLR</c> (SGDR without restarts, Loshchilov &amp; Hutter 2017):
/// <c>lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi t / T_max)) / 2</c>; at step 0, <c>base_lr</c>; at
/// <c>T_max</c>, <c>eta_min</c>. Past <c>T_max</c> the cosine continues (rises again), as in PyTorch.
/// </summary>
public sealed class CosineAnnealingLR : Schedule
{
    /// <summary>Creates the schedule; <paramref name="tMax"/> (<c>T_max</c>) &gt; 0, <paramref name="etaMin"/> (<c>eta_min</c>) &gt;= 0.</summary>
    public CosineAnnealingLR(long tMax, double etaMin = 0)
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
    public override double Evaluate(long step, in ScheduleContext context) => step == 0
        ? context.BaseLr
        : EtaMin + (context.BaseLr - EtaMin) * (1 + Math.Cos(Math.PI * step / TMax)) / 2;

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["T_max"] = TMax;
        spec["eta_min"] = EtaMin;
    }
}
