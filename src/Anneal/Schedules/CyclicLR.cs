using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>CyclicLR</c> (Smith 2017, "Cyclical Learning Rates for Training Neural Networks"). With
/// <c>S = step_size_up + step_size_down</c>, <c>cycle = floor(1 + t/S)</c>, <c>x = 1 + t/S - cycle</c> and
/// <c>h = x / r</c> for <c>x &lt;= r = step_size_up/S</c>, else <c>(x - 1)/(r - 1)</c>:
/// <c>lr(t) = base_lr + (max_lr - base_lr) * h * scale</c>, and when <c>cycle_momentum</c>,
/// <c>momentum(t) = max_momentum - (max_momentum - base_momentum) * h * scale</c> (written into SGD's momentum or
/// Adam's beta1). <c>scale</c> is 1 (<see cref="CyclicMode.Triangular"/>), <c>1/2^(cycle-1)</c>
/// (<see cref="CyclicMode.Triangular2"/>), <c>gamma^t</c> (<see cref="CyclicMode.ExpRange"/>) or a C# function of the
/// cycle or of <c>t</c> (<see cref="CyclicScaleMode"/>). At step 0, <c>base_lr</c> and <c>max_momentum</c>. The
/// optimizer's own learning rate is ignored, as in PyTorch; in a <see cref="ChainedScheduler"/> after another
/// scheduler, PyTorch's construction step writes the group's <c>initial_lr</c> instead of <c>base_lr</c> at step 0.
/// <c>step_size_down = 0</c> gives a sawtooth (a rise, then a drop in one step).
/// </summary>
public sealed class CyclicLR : Schedule
{
    /// <summary>PyTorch's default <c>step_size_up</c>: 2000.</summary>
    public const double DefaultStepSizeUp = 2000;

    /// <summary>PyTorch's default <c>mode</c>: triangular.</summary>
    public const CyclicMode DefaultMode = CyclicMode.Triangular;

    /// <summary>PyTorch's default <c>gamma</c>: 1.</summary>
    public const double DefaultGamma = 1.0;

    /// <summary>PyTorch's default <c>cycle_momentum</c>: true.</summary>
    public const bool DefaultCycleMomentum = true;

    /// <summary>PyTorch's default <c>scale_mode</c> for a scale function: cycle.</summary>
    public const CyclicScaleMode DefaultScaleMode = CyclicScaleMode.Cycle;

    /// <summary>PyTorch's default <c>base_momentum</c>: 0.8.</summary>
    public const double DefaultBaseMomentum = 0.8;

    /// <summary>PyTorch's default <c>max_momentum</c>: 0.9.</summary>
    public const double DefaultMaxMomentum = 0.9;

    private readonly Func<double, double>? _scaleFn;
    private readonly CyclicScaleMode? _scaleModeGiven;
    private readonly double _total;
    private readonly double _ratio;

    /// <summary>
    /// Creates the schedule with one of the built-in modes. <paramref name="scaleMode"/> is accepted as PyTorch accepts
    /// it and, as in PyTorch, has no effect without a scale function (a warning says so).
    /// </summary>
    public CyclicLR(
        PerGroup baseLr,
        PerGroup maxLr,
        double stepSizeUp = DefaultStepSizeUp,
        double? stepSizeDown = null,
        CyclicMode mode = DefaultMode,
        double gamma = DefaultGamma,
        bool cycleMomentum = DefaultCycleMomentum,
        PerGroup? baseMomentum = null,
        PerGroup? maxMomentum = null,
        CyclicScaleMode? scaleMode = null)
        : this(baseLr, maxLr, stepSizeUp, stepSizeDown, Preconditions.Defined(mode, "mode"), gamma, null, scaleMode, cycleMomentum, baseMomentum, maxMomentum)
    {
    }

    /// <summary>Creates the schedule with a custom scale function (PyTorch's <c>scale_fn</c>; <c>mode</c> is then ignored) of the cycle number or of the step.</summary>
    public CyclicLR(
        PerGroup baseLr,
        PerGroup maxLr,
        Func<double, double> scaleFn,
        CyclicScaleMode scaleMode = DefaultScaleMode,
        double stepSizeUp = DefaultStepSizeUp,
        double? stepSizeDown = null,
        bool cycleMomentum = DefaultCycleMomentum,
        PerGroup? baseMomentum = null,
        PerGroup? maxMomentum = null)
        : this(baseLr, maxLr, stepSizeUp, stepSizeDown, null, DefaultGamma, Preconditions.NotNull(scaleFn, "scale_fn"), Preconditions.Defined(scaleMode, "scale_mode"), cycleMomentum, baseMomentum, maxMomentum)
    {
    }

    private CyclicLR(
        PerGroup baseLr,
        PerGroup maxLr,
        double stepSizeUp,
        double? stepSizeDown,
        CyclicMode? mode,
        double gamma,
        Func<double, double>? scaleFn,
        CyclicScaleMode? scaleMode,
        bool cycleMomentum,
        PerGroup? baseMomentum,
        PerGroup? maxMomentum)
    {
        BaseLr = baseLr.Check("base_lr", Preconditions.NonNegative);
        MaxLr = maxLr.Check("max_lr", Preconditions.NonNegative);
        StepSizeUp = Preconditions.Positive(stepSizeUp, "step_size_up");
        StepSizeDown = stepSizeDown is { } down ? Preconditions.NonNegative(down, "step_size_down") : StepSizeUp;
        Mode = mode;
        Gamma = Preconditions.NonNegative(gamma, "gamma");
        _scaleFn = scaleFn;
        _scaleModeGiven = scaleMode is { } given ? Preconditions.Defined(given, "scale_mode") : null;
        ScaleMode = mode switch
        {
            null => scaleMode!.Value,
            CyclicMode.ExpRange => CyclicScaleMode.Iterations,
            _ => CyclicScaleMode.Cycle,
        };
        _total = StepSizeUp + StepSizeDown;
        _ratio = StepSizeUp / _total;
        CycleMomentumEnabled = cycleMomentum;
        BaseMomentum = (baseMomentum ?? DefaultBaseMomentum).Check("base_momentum", Preconditions.NonNegative);
        MaxMomentum = (maxMomentum ?? DefaultMaxMomentum).Check("max_momentum", Preconditions.NonNegative);
    }

    /// <summary>Lower learning rate of each cycle, absolute (<c>base_lr</c>).</summary>
    public PerGroup BaseLr { get; }

    /// <summary>Upper learning rate of each cycle, absolute (<c>max_lr</c>).</summary>
    public PerGroup MaxLr { get; }

    /// <summary>Steps of the rising half (<c>step_size_up</c>).</summary>
    public double StepSizeUp { get; }

    /// <summary>Steps of the falling half (<c>step_size_down</c>, default <c>step_size_up</c>).</summary>
    public double StepSizeDown { get; }

    /// <summary>The built-in amplitude policy (<c>mode</c>), or null for a C# scale function.</summary>
    public CyclicMode? Mode { get; }

    /// <summary>Base of the <c>exp_range</c> scale (<c>gamma</c>).</summary>
    public double Gamma { get; }

    /// <summary>What the scale function takes: the cycle (<c>triangular</c>, <c>triangular2</c>), the step (<c>exp_range</c>), or as given with a scale function.</summary>
    public CyclicScaleMode ScaleMode { get; }

    /// <summary>True when momentum cycles inversely to the learning rate (<c>cycle_momentum</c>).</summary>
    public bool CycleMomentumEnabled { get; }

    /// <summary>Momentum at the learning-rate peak (<c>base_momentum</c>).</summary>
    public PerGroup BaseMomentum { get; }

    /// <summary>Momentum at the learning-rate trough (<c>max_momentum</c>).</summary>
    public PerGroup MaxMomentum { get; }

    /// <inheritdoc />
    public override string TypeName => "CyclicLR";

    /// <inheritdoc />
    public override bool CyclesMomentum => CycleMomentumEnabled;

    /// <inheritdoc />
    protected override string? CodeOnlyReason => _scaleFn is null ? null : "holds a C# scale_fn";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        var height = Height(step);
        var lo = BaseLr[context.Group];
        return lo + (MaxLr[context.Group] - lo) * height;
    }

    /// <summary>In a chain PyTorch's construction step reads the group's <c>initial_lr</c>: <c>base_lr</c> only when this is the first scheduler.</summary>
    public override double Chain(long step, double currentLr, in ScheduleContext context) =>
        step == 0 && !context.InitialLrUnset ? context.BaseLr : Evaluate(step, context);

    /// <inheritdoc />
    public override double Momentum(long step, in ScheduleContext context)
    {
        if (!CycleMomentumEnabled)
        {
            return double.NaN;
        }

        var hi = MaxMomentum[context.Group];
        return hi - (hi - BaseMomentum[context.Group]) * Height(step);
    }

    /// <summary>The scaled position in the cycle, 0 at the trough and at most 1 at the peak.</summary>
    private double Height(long step)
    {
        var cycle = Math.Floor(1 + step / _total);
        var x = 1.0 + step / _total - cycle;
        var factor = x <= _ratio ? x / _ratio : (x - 1) / (_ratio - 1);
        return factor * Scale(ScaleMode == CyclicScaleMode.Cycle ? cycle : step);
    }

    private double Scale(double x) => Mode switch
    {
        CyclicMode.Triangular => 1.0,
        CyclicMode.Triangular2 => 1 / Math.Pow(2.0, x - 1),
        CyclicMode.ExpRange => Math.Pow(Gamma, x),
        _ => _scaleFn!(x),
    };

    /// <inheritdoc />
    public override void ValidateGroups(IReadOnlyList<double> baseLrs)
    {
        BaseLr.CheckCount(baseLrs.Count, "base_lr");
        MaxLr.CheckCount(baseLrs.Count, "max_lr");
        BaseMomentum.CheckCount(baseLrs.Count, "base_momentum");
        MaxMomentum.CheckCount(baseLrs.Count, "max_momentum");
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (Mode is { } mode && _scaleModeGiven is not null)
        {
            yield return new ScheduleWarning(
                "scale_mode",
                $"has no effect with mode '{SpecNames.Of(mode)}': PyTorch uses scale_mode only with a scale_fn (a C# function), and '{SpecNames.Of(mode)}' scales by the {(ScaleMode == CyclicScaleMode.Cycle ? "cycle" : "step")}");
        }

        if (Mode == CyclicMode.ExpRange && Gamma == 0)
        {
            yield return new ScheduleWarning("gamma", "is 0: exp_range scales the amplitude by gamma^t, so the learning rate stays at base_lr from step 1 on");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["base_lr"] = BaseLr.ToJson();
        spec["max_lr"] = MaxLr.ToJson();
        spec["step_size_up"] = StepSizeUp;
        spec["step_size_down"] = StepSizeDown;
        if (Mode is { } mode)
        {
            spec["mode"] = SpecNames.Of(mode);
            spec["gamma"] = Gamma;
        }
        else
        {
            spec["scale_fn"] = "C# function";
        }

        if (_scaleModeGiven is { } scaleMode)
        {
            spec["scale_mode"] = SpecNames.Of(scaleMode);
        }

        spec["cycle_momentum"] = CycleMomentumEnabled;
        spec["base_momentum"] = BaseMomentum.ToJson();
        spec["max_momentum"] = MaxMomentum.ToJson();
    }
}
