using System.Globalization;
using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>OneCycleLR</c> (Smith &amp; Topin 2018, "Super-Convergence"): the learning rate rises from
/// <c>initial = max_lr / div_factor</c> to <c>max_lr</c> over the first <c>pct_start</c> of <c>total_steps</c>, then
/// anneals to <c>min = initial / final_div_factor</c> (with <c>three_phase</c>: back to <c>initial</c>, then to
/// <c>min</c>). Phase k spans steps <c>(e_{k-1}, e_k]</c> with <c>e_0 = pct_start*T - 1</c>, <c>e_last = T - 1</c>
/// (three_phase: <c>e_1 = 2 pct_start T - 2</c>), and inside it <c>lr = anneal(start, end, (t - e_{k-1}) / (e_k - e_{k-1}))</c>,
/// <c>anneal</c> being <c>end + (start - end)(1 + cos(pi p))/2</c> (<see cref="AnnealStrategy.Cos"/>) or
/// <c>start + (end - start) p</c> (<see cref="AnnealStrategy.Linear"/>). Momentum moves inversely between
/// <c>max_momentum</c> and <c>base_momentum</c>. At step 0, <c>max_lr / div_factor</c> and <c>max_momentum</c>. Defined
/// up to step <c>total_steps</c> (PyTorch raises after). The optimizer's own learning rate is ignored, as in PyTorch.
/// </summary>
/// <remarks>
/// A phase that a step falls in must not have zero length (PyTorch divides by it): <c>pct_start * total_steps = 1</c>
/// and a last phase ending where it starts are rejected. PyTorch keeps <c>initial_lr</c>, <c>max_lr</c>,
/// <c>min_lr</c> and the momenta in the optimizer's param groups: in a composite with several one-cycle schedules each
/// reads those of the last one (a warning), and the schedules constructed after one start from its <c>initial_lr</c>.
/// </remarks>
public sealed class OneCycleLR : Schedule
{
    /// <summary>PyTorch's default <c>pct_start</c>: 0.3.</summary>
    public const double DefaultPctStart = 0.3;

    /// <summary>PyTorch's default <c>anneal_strategy</c>: cos.</summary>
    public const AnnealStrategy DefaultAnnealStrategy = AnnealStrategy.Cos;

    /// <summary>PyTorch's default <c>cycle_momentum</c>: true.</summary>
    public const bool DefaultCycleMomentum = true;

    /// <summary>PyTorch's default <c>three_phase</c>: false.</summary>
    public const bool DefaultThreePhase = false;

    /// <summary>PyTorch's default <c>base_momentum</c>: 0.85.</summary>
    public const double DefaultBaseMomentum = 0.85;

    /// <summary>PyTorch's default <c>max_momentum</c>: 0.95.</summary>
    public const double DefaultMaxMomentum = 0.95;

    /// <summary>PyTorch's default <c>div_factor</c>: 25.</summary>
    public const double DefaultDivFactor = 25.0;

    /// <summary>PyTorch's default <c>final_div_factor</c>: 1e4.</summary>
    public const double DefaultFinalDivFactor = 1e4;

    private readonly Phase[] _phases;

    /// <summary>Creates the schedule. Give <paramref name="totalSteps"/>, or <paramref name="epochs"/> and <paramref name="stepsPerEpoch"/>.</summary>
    /// <exception cref="ScheduleArgumentException">A parameter breaks its rule, or a phase a step falls in has zero length.</exception>
    public OneCycleLR(
        PerGroup maxLr,
        long? totalSteps = null,
        long? epochs = null,
        long? stepsPerEpoch = null,
        double pctStart = DefaultPctStart,
        AnnealStrategy annealStrategy = DefaultAnnealStrategy,
        bool cycleMomentum = DefaultCycleMomentum,
        PerGroup? baseMomentum = null,
        PerGroup? maxMomentum = null,
        double divFactor = DefaultDivFactor,
        double finalDivFactor = DefaultFinalDivFactor,
        bool threePhase = DefaultThreePhase)
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
        AnnealStrategy = Preconditions.Defined(annealStrategy, "anneal_strategy");
        CycleMomentumEnabled = cycleMomentum;
        BaseMomentum = (baseMomentum ?? DefaultBaseMomentum).Check("base_momentum", Preconditions.NonNegative);
        MaxMomentum = (maxMomentum ?? DefaultMaxMomentum).Check("max_momentum", Preconditions.NonNegative);
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
        CheckPhaseLengths();
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

    /// <summary>The curve of each phase (<c>anneal_strategy</c>).</summary>
    public AnnealStrategy AnnealStrategy { get; }

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
    public override long? MaxStepFor(long tokensPerStep) => TotalSteps;

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => TotalSteps;

    /// <summary>The learning rate the cycle starts from for group <paramref name="group"/>: <c>max_lr / div_factor</c> (PyTorch's <c>initial_lr</c>).</summary>
    public double InitialLr(int group) => MaxLr[group] / DivFactor;

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        var (phase, pct) = Locate(step);
        var fields = context.OneCycleLrFields ?? this;
        return Anneal(fields.LrAt(phase.LrStart, context.Group), fields.LrAt(phase.LrEnd, context.Group), pct);
    }

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context)
    {
        if (!CycleMomentumEnabled)
        {
            return double.NaN;
        }

        var (phase, pct) = Locate(step);
        var fields = context.OneCycleMomentumFields ?? this;
        return Anneal(fields.MomentumAt(phase.MomentumStart, context.Group), fields.MomentumAt(phase.MomentumEnd, context.Group), pct);
    }

    private (Phase Phase, double Pct) Locate(long step)
    {
        var start = 0.0;
        for (var i = 0; i < _phases.Length; i++)
        {
            var end = _phases[i].EndStep;
            if (step <= end || i == _phases.Length - 1)
            {
                return (_phases[i], (step - start) / (end - start));
            }

            start = end;
        }

        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Rejects a zero-length phase that a step in 0..total_steps falls in (PyTorch divides by its length there).</summary>
    private void CheckPhaseLengths()
    {
        var values = $"(was pct_start {Preconditions.Format(PctStart)}, total_steps {Preconditions.Format(TotalSteps)})";
        if (_phases[0].EndStep == 0)
        {
            throw Preconditions.Fail(
                "pct_start",
                $"must not make pct_start * total_steps equal 1: the warm-up phase would end at step 0 with zero length, and PyTorch divides by that length at step 0 {values}");
        }

        if (_phases[^1].EndStep == _phases[^2].EndStep)
        {
            throw Preconditions.Fail(
                "pct_start",
                ThreePhase
                    ? $"must not make 2 * pct_start * total_steps - 2 equal total_steps - 1 with three_phase: the last phase would have zero length, and PyTorch divides by that length at step total_steps {values}"
                    : $"must be < 1 without three_phase: the annealing phase would have zero length, and PyTorch divides by that length at step total_steps {values}");
        }
    }

    private double Anneal(double start, double end, double pct) => AnnealStrategy == AnnealStrategy.Cos
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
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        var values = $"{Preconditions.Format(PctStart)} with total_steps {TotalSteps}";
        if (_phases[0].EndStep < 0)
        {
            yield return new ScheduleWarning(
                "pct_start",
                $"{values} gives pct_start * total_steps < 1: there is no warm-up phase, so the learning rate starts near max_lr rather than at max_lr / div_factor (PyTorch's phases)");
        }

        var lastStart = _phases[^2].EndStep;
        if (_phases[^1].EndStep < lastStart && lastStart < TotalSteps)
        {
            yield return new ScheduleWarning(
                "pct_start",
                $"{values} and three_phase makes the last phase run backwards (it starts at step {lastStart.ToString("R", CultureInfo.InvariantCulture)} and ends at {TotalSteps - 1}): PyTorch extrapolates its curve after step {lastStart.ToString("R", CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>The warning for several one-cycle schedules in one tree, which share the group's fields.</summary>
    internal static ScheduleWarning SharedFieldsWarning(ConstructionOrder order)
    {
        var last = order.LastOneCycle!;
        return new ScheduleWarning(
            "schedulers",
            $"hold {order.OneCycleCount} OneCycleLR schedules: PyTorch's OneCycleLR keeps initial_lr, max_lr, min_lr and the momenta in the optimizer's param groups, so each one uses those of the last one constructed (max_lr {last.MaxLr.ToJson().ToJsonString()}, div_factor {Preconditions.Format(last.DivFactor)}, final_div_factor {Preconditions.Format(last.FinalDivFactor)})");
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
        spec["anneal_strategy"] = SpecNames.Of(AnnealStrategy);
        spec["cycle_momentum"] = CycleMomentumEnabled;
        spec["base_momentum"] = BaseMomentum.ToJson();
        spec["max_momentum"] = MaxMomentum.ToJson();
        spec["div_factor"] = DivFactor;
        spec["final_div_factor"] = FinalDivFactor;
        spec["three_phase"] = ThreePhase;
    }

    private readonly record struct Phase(double EndStep, Point LrStart, Point LrEnd, Point MomentumStart, Point MomentumEnd);
}
