using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>CyclicLR</c> (Smith 2017, "Cyclical Learning Rates for Training Neural Networks"). With
/// <c>S = step_size_up + step_size_down</c>, <c>cycle = floor(1 + t/S)</c>, <c>x = 1 + t/S - cycle</c> and
/// <c>h = x / r</c> for <c>x &lt;= r = step_size_up/S</c>, else <c>(x - 1)/(r - 1)</c>:
/// <c>lr(t) = base_lr + (max_lr - base_lr) * h * scale</c>, and when <c>cycle_momentum</c>,
/// <c>momentum(t) = max_momentum - (max_momentum - base_momentum) * h * scale</c> (written into SGD's momentum or
/// Adam's beta1). <c>scale</c> is 1 (<c>triangular</c>), <c>1/2^(cycle-1)</c> (<c>triangular2</c>),
/// <c>gamma^t</c> (<c>exp_range</c>) or a C# function of the cycle or of <c>t</c>. At step 0, <c>base_lr</c> and
/// <c>max_momentum</c>. The optimizer's own learning rate is ignored, as in PyTorch.
/// </summary>
public sealed class CyclicLR : Schedule
{
    private readonly Func<double, double>? _scaleFn;
    private readonly double _total;
    private readonly double _ratio;
    private readonly int _mode;

    /// <summary>Creates the schedule with one of the built-in modes (<c>triangular</c>, <c>triangular2</c>, <c>exp_range</c>).</summary>
    public CyclicLR(
        PerGroup baseLr,
        PerGroup maxLr,
        double stepSizeUp = 2000,
        double? stepSizeDown = null,
        string mode = "triangular",
        double gamma = 1.0,
        bool cycleMomentum = true,
        PerGroup? baseMomentum = null,
        PerGroup? maxMomentum = null)
        : this(baseLr, maxLr, stepSizeUp, stepSizeDown, Preconditions.OneOf(mode, "mode", "triangular", "triangular2", "exp_range"), gamma, null, ScaleMode.Cycle, cycleMomentum, baseMomentum, maxMomentum)
    {
    }

    /// <summary>Creates the schedule with a custom scale function of the cycle number (<c>scale_mode='cycle'</c>) or of the step (<c>'iterations'</c>).</summary>
    public CyclicLR(
        PerGroup baseLr,
        PerGroup maxLr,
        Func<double, double> scaleFn,
        ScaleMode scaleMode,
        double stepSizeUp = 2000,
        double? stepSizeDown = null,
        bool cycleMomentum = true,
        PerGroup? baseMomentum = null,
        PerGroup? maxMomentum = null)
        : this(baseLr, maxLr, stepSizeUp, stepSizeDown, "custom", 1.0, Preconditions.NotNull(scaleFn, "scale_fn"), scaleMode, cycleMomentum, baseMomentum, maxMomentum)
    {
    }

    private CyclicLR(
        PerGroup baseLr,
        PerGroup maxLr,
        double stepSizeUp,
        double? stepSizeDown,
        string mode,
        double gamma,
        Func<double, double>? scaleFn,
        ScaleMode scaleMode,
        bool cycleMomentum,
        PerGroup? baseMomentum,
        PerGroup? maxMomentum)
    {
        BaseLr = baseLr.Check("base_lr", Preconditions.NonNegative);
        MaxLr = maxLr.Check("max_lr", Preconditions.NonNegative);
        StepSizeUp = Preconditions.Positive(stepSizeUp, "step_size_up");
        StepSizeDown = stepSizeDown is { } down ? Preconditions.Positive(down, "step_size_down") : StepSizeUp;
        Mode = mode;
        Gamma = Preconditions.Positive(gamma, "gamma");
        _scaleFn = scaleFn;
        ScaleBy = mode switch
        {
            "exp_range" => ScaleMode.Iterations,
            "custom" => scaleMode,
            _ => ScaleMode.Cycle,
        };
        _total = StepSizeUp + StepSizeDown;
        _ratio = StepSizeUp / _total;
        _mode = mode switch { "triangular" => 0, "triangular2" => 1, "exp_range" => 2, _ => 3 };
        CycleMomentumEnabled = cycleMomentum;
        BaseMomentum = (baseMomentum ?? 0.8).Check("base_momentum", Preconditions.NonNegative);
        MaxMomentum = (maxMomentum ?? 0.9).Check("max_momentum", Preconditions.NonNegative);
    }

    /// <summary>What the scale function of <see cref="CyclicLR"/> is a function of.</summary>
    public enum ScaleMode
    {
        /// <summary>The cycle number, starting at 1 (<c>scale_mode='cycle'</c>).</summary>
        Cycle,

        /// <summary>The step (<c>scale_mode='iterations'</c>).</summary>
        Iterations,
    }

    /// <summary>Lower learning rate of each cycle, absolute (<c>base_lr</c>).</summary>
    public PerGroup BaseLr { get; }

    /// <summary>Upper learning rate of each cycle, absolute (<c>max_lr</c>).</summary>
    public PerGroup MaxLr { get; }

    /// <summary>Steps of the rising half (<c>step_size_up</c>).</summary>
    public double StepSizeUp { get; }

    /// <summary>Steps of the falling half (<c>step_size_down</c>, default <c>step_size_up</c>).</summary>
    public double StepSizeDown { get; }

    /// <summary><c>triangular</c>, <c>triangular2</c>, <c>exp_range</c>, or <c>custom</c> for a C# scale function.</summary>
    public string Mode { get; }

    /// <summary>Base of the <c>exp_range</c> scale (<c>gamma</c>).</summary>
    public double Gamma { get; }

    /// <summary>What the scale function takes.</summary>
    public ScaleMode ScaleBy { get; }

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
    public override double Evaluate(long step, in ScheduleContext context)
    {
        var height = Height(step);
        var lo = BaseLr[context.Group];
        return lo + (MaxLr[context.Group] - lo) * height;
    }

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
        return factor * Scale(ScaleBy == ScaleMode.Cycle ? cycle : step);
    }

    private double Scale(double x) => _mode switch
    {
        0 => 1.0,
        1 => 1 / Math.Pow(2.0, x - 1),
        2 => Math.Pow(Gamma, x),
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
    protected override void WriteSpec(JsonObject spec)
    {
        if (_scaleFn is not null)
        {
            throw new NotSupportedException("CyclicLR with a C# scale_fn has no JSON spec form.");
        }

        spec["base_lr"] = BaseLr.ToJson();
        spec["max_lr"] = MaxLr.ToJson();
        spec["step_size_up"] = StepSizeUp;
        spec["step_size_down"] = StepSizeDown;
        spec["mode"] = Mode;
        spec["gamma"] = Gamma;
        spec["cycle_momentum"] = CycleMomentumEnabled;
        spec["base_momentum"] = BaseMomentum.ToJson();
        spec["max_momentum"] = MaxMomentum.ToJson();
    }
}
