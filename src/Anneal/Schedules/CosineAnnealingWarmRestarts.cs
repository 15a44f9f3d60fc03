using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>CosineAnnealingWarmRestarts</c> (SGDR, Loshchilov &amp; Hutter 2017): cosine annealing over cycles of
/// <c>T_0</c>, <c>T_0 T_mult</c>, <c>T_0 T_mult^2</c>, ... steps.
/// <c>lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi T_cur / T_i)) / 2</c>, where <c>T_i</c> is the length of
/// the cycle holding <c>t</c> and <c>T_cur</c> the steps since it began; at step 0 and at each restart, <c>base_lr</c>.
/// PyTorch has no chainable form for it: in a <see cref="ChainedScheduler"/> it sets this value outright.
/// </summary>
public sealed class CosineAnnealingWarmRestarts : Schedule
{
    /// <summary>PyTorch's default <c>T_mult</c>: 1.</summary>
    public const long DefaultTMult = 1;

    /// <summary>PyTorch's default <c>eta_min</c>: 0.</summary>
    public const double DefaultEtaMin = 0;

    /// <summary>Creates the schedule; <c>T_0</c> &gt; 0, <c>T_mult</c> &gt;= 1, <c>eta_min</c> &gt;= 0.</summary>
    public CosineAnnealingWarmRestarts(long t0, long tMult = DefaultTMult, double etaMin = DefaultEtaMin)
    {
        T0 = Preconditions.Positive(t0, "T_0");
        TMult = Preconditions.GreaterOrEqual(tMult, 1, "T_mult");
        EtaMin = Preconditions.NonNegative(etaMin, "eta_min");
    }

    /// <summary>Length of the first cycle (<c>T_0</c>).</summary>
    public long T0 { get; }

    /// <summary>Growth of the cycle length at each restart (<c>T_mult</c>).</summary>
    public long TMult { get; }

    /// <summary>The floor, an absolute learning rate (<c>eta_min</c>).</summary>
    public double EtaMin { get; }

    /// <inheritdoc />
    public override string TypeName => "CosineAnnealingWarmRestarts";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        var (tCur, tI) = Position(step);
        return EtaMin + (context.BaseLr - EtaMin) * (1 + Math.Cos(Math.PI * tCur / tI)) / 2;
    }

    /// <summary>The steps into the current cycle and its length, in exact integer arithmetic.</summary>
    /// <remarks>A cycle too long for a <see cref="long"/> holds every later step; its length is then kept as a double.</remarks>
    internal (long TCur, double TI) Position(long step)
    {
        if (TMult == 1)
        {
            return (step % T0, T0);
        }

        long tI = T0, tCur = step;
        while (tCur >= tI)
        {
            tCur -= tI;
            if (tI > long.MaxValue / TMult)
            {
                return (tCur, (double)tI * TMult);
            }

            tI *= TMult;
        }

        return (tCur, tI);
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["T_0"] = T0;
        spec["T_mult"] = TMult;
        spec["eta_min"] = EtaMin;
    }
}
