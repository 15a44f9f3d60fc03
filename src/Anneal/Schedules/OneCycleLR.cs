using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>OneCycleLR</c> (Smith &amp; Topin 2018, "Super-Convergence"): the learning rate rises from
/// <c>initial = max_lr / div_factor</c> to <c>max_lr</c> over the first <c>pct_start</c> of <c>total_steps</c>, then
/// anneals to <c>min = initial / final_div_factor</c> (with <c>three_phase</c>: back to <c>initial</c>, then to
/// <c>min</c>). Phase k spans steps <c>(e_{k-1}, e_k]</c> with <c>e_0 = pct_start*T - 1</c>, <c>e_last = T - 1</c>
/// (three_phase: <c>e_1 = 2 pct_start T - 2</c>), and inside it <c>lr = anneal(start, end, (t - e_{k-1}) / (e_k - e_{k-1}))</c>,
/// <c>anneal</c> being <c>end + (start - end)(1 + cos(pi p))/2</c> (<c>cos</c>) or <c>start + (end - start) p</c>
/// (<c>linear</c>). Momentum moves inversely between <c>max_momentum</c> and <c>base_momentum</c>.
/// At step 0, <c>max_lr / div_factor</c> and <c>max_momentum</c>. Defined up to step <c>total_steps</c> (PyTorch raises after).
/// The optimizer's own learning rate is ignored, as in PyTorch.
/// </summary>
public sealed class OneCycleLR : Schedule
{
    private readonly Phase[] _phases;

    /// <summary>Creates the schedule. Give <paramref name="totalSteps"/>, or <paramref name="epochs"/> and <paramref name="stepsPerEpoch"/>.</summary>
    public OneCycleLR(
        PerGroup maxLr,
        long? totalSteps = null,
        long? epochs = null,
        long? stepsPerEpoch = null,
        double pctStart = 0.3,
        string annealStrategy = "cos",
        bool cycleMomentum = true,
        PerGroup? baseMomentum = null,
        PerGroup? maxMomentum = null,
        double divFactor = 25.0,
        double finalDivFactor = 1e4,
        bool threePhase = false)
    {
        MaxLr = maxLr.Check("max_lr", Preconditions.Positive);
        if (totalSteps is { } total)
        {
            TotalSteps = Preconditions.Positive(total, "total_steps");
        }
        else if (epochs is { } e && stepsPerEpoch is { } s)
        {
            TotalSteps = Preconditions.Positive(e, "epochs") * Preconditions.Positive(s, "steps_per_epoch");
            Epochs = e;
            StepsPerEpoch = s;
        }
        else
        {
            throw Preconditions.Fail("total_steps", "must be given, or both epochs and steps_per_epoch");
        }

        PctStart = Preconditions.InRange(pctStart, 0, 1, "pct_start");
        AnnealStrategy = Preconditions.OneOf(annealStrategy, "anneal_strategy", "cos", "linear");
        CycleMomentumEnabled = cycleMomentum;
        BaseMomentum = (baseMomentum ?? 0.85).Check("base_momentum", Preconditions.NonNegative);
        MaxMomentum = (maxMomentum ?? 0.95).Check("max_momentum", Preconditions.NonNegative);
        DivFactor = Preconditions.Positive(divFactor, "div_factor");
        FinalDivFactor = Preconditions.Positive(finalDivFactor, "final_div_factor");
        ThreePhase = threePhase;

        var t = (double)TotalSteps;
        _phases = threePhase
            ? [
                new(PctStart * t - 1, Point.Initial, Point.Max, Point.Max, Point.Base),
                new(2 * PctStart * t - 2, Point.Max, Point.Initial, Point.Base, Point.Max),
                new(t - 1, Point.Initial, Point.Min, Point.Max, Point.Max),
            ]
            : [
                new(PctStart * t - 1, Point.Initial, Point.Max, Point.Max, Point.Base),
                new(t - 1, Point.Max, Point.Min, Point.Base, Point.Max),
            ];
    }

    private enum Point
    {
        Initial,
        Max,
        Min,
        Base,
    }

    /// <summary>Peak learning rate, absolute (<c>max_lr</c>).</summary>
    public PerGroup MaxLr { get; }

    /// <summary>Length of the cycle (<c>total_steps</c>).</summary>
    public long TotalSteps { get; }

    /// <summary><c>epochs</c> when the cycle length was given as epochs x steps per epoch.</summary>
    public long? Epochs { get; }

    /// <summary><c>steps_per_epoch</c> when the cycle length was given as epochs x steps per epoch.</summary>
    public long? StepsPerEpoch { get; }

    /// <summary>Fraction of the cycle spent rising (<c>pct_start</c>).</summary>
    public double PctStart { get; }

    /// <summary><c>cos</c> or <c>linear</c> (<c>anneal_strategy</c>).</summary>
    public string AnnealStrategy { get; }

    /// <summary>True when momentum cycles inversely to the learning rate (<c>cycle_momentum</c>).</summary>
    public bool CycleMomentumEnabled { get; }

    /// <summary>Momentum at the learning-rate peak (<c>base_momentum</c>).</summary>
    public PerGroup BaseMomentum { get; }

    /// <summary>Momentum at the start and the end (<c>max_momentum</c>).</summary>
    public PerGroup MaxMomentum { get; }

    /// <summary><c>initial_lr = max_lr / div_factor</c>.</summary>
    public double DivFactor { get; }

    /// <summary><c>min_lr = initial_lr / final_div_factor</c>.</summary>
    public double FinalDivFactor { get; }

    /// <summary>True for the three-phase variant (<c>three_phase</c>).</summary>
    public bool ThreePhase { get; }

    /// <inheritdoc />
    public override string TypeName => "OneCycleLR";

    /// <inheritdoc />
    public override bool CyclesMomentum => CycleMomentumEnabled;

    /// <inheritdoc />
    public override long? MaxStep => TotalSteps;

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        var (phase, pct) = Locate(step);
        return Anneal(LrAt(phase.LrStart, context.Group), LrAt(phase.LrEnd, context.Group), pct);
    }

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context)
    {
        if (!CycleMomentumEnabled)
        {
            return double.NaN;
        }

        var (phase, pct) = Locate(step);
        return Anneal(MomentumAt(phase.MomentumStart, context.Group), MomentumAt(phase.MomentumEnd, context.Group), pct);
    }

    private (Phase Phase, double Pct) Locate(long step)
    {
        var start = 0.0;
        for (var i = 0; i < _phases.Length; i++)
        {
            var end = _phases[i].EndStep;
            if (step <= end || i == _phases.Length - 1)
            {
                return (_phases[i], end > start ? (step - start) / (end - start) : 1.0);
            }

            start = end;
        }

        throw new InvalidOperationException("unreachable");
    }

    private double Anneal(double start, double end, double pct) => AnnealStrategy == "cos"
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    private double LrAt(Point point, int group)
    {
        var initial = MaxLr[group] / DivFactor;
        return point switch
        {
            Point.Initial => initial,
            Point.Max => MaxLr[group],
            _ => initial / FinalDivFactor,
        };
    }

    private double MomentumAt(Point point, int group) =>
        point == Point.Max ? MaxMomentum[group] : BaseMomentum[group];

    /// <inheritdoc />
    public override void ValidateGroups(IReadOnlyList<double> baseLrs)
    {
        MaxLr.CheckCount(baseLrs.Count, "max_lr");
        BaseMomentum.CheckCount(baseLrs.Count, "base_momentum");
        MaxMomentum.CheckCount(baseLrs.Count, "max_momentum");
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["max_lr"] = MaxLr.ToJson();
        if (Epochs is { } e && StepsPerEpoch is { } s)
        {
            spec["epochs"] = e;
            spec["steps_per_epoch"] = s;
        }
        else
        {
            spec["total_steps"] = TotalSteps;
        }

        spec["pct_start"] = PctStart;
        spec["anneal_strategy"] = AnnealStrategy;
        spec["cycle_momentum"] = CycleMomentumEnabled;
        spec["base_momentum"] = BaseMomentum.ToJson();
        spec["max_momentum"] = MaxMomentum.ToJson();
        spec["div_factor"] = DivFactor;
        spec["final_div_factor"] = FinalDivFactor;
        spec["three_phase"] = ThreePhase;
    }

    private readonly record struct Phase(double EndStep, Point LrStart, Point LrEnd, Point MomentumStart, Point MomentumEnd);
}
