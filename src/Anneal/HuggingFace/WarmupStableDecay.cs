using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Hugging Face <c>warmup_stable_decay</c> (WSD; Hu et al. 2024, Hägele et al. 2024): a warmup, a stable phase and a
/// decay joined end to end. With W warmup, S stable, D decay steps and floor <c>r = min_lr_ratio</c>:
/// warmup <c>r + (1 - r) g(t / max(1, W))</c> for <c>t &lt; W</c>, then 1 until <c>W + S</c>, then
/// <c>r + (1 - r) d((t - W - S) / max(1, D))</c> until <c>W + S + D</c>, then r, each times <c>base_lr</c> (clamped at 0),
/// with g and d the <c>warmup_type</c> and <c>decay_type</c> curves of <see cref="RampShape"/> (a cosine decay of
/// <c>num_cycles</c> waves). S is <c>num_stable_steps</c>, or <c>T - W - D</c> from <c>num_training_steps</c>; when that
/// is negative the decay starts part-way at step W, as in transformers (a warning). At step 0, <c>base_lr * r</c> (or
/// <c>base_lr</c> when W = 0).
/// </summary>
public sealed class WarmupStableDecay : Schedule
{
    /// <summary>The default <c>warmup_type</c>: linear.</summary>
    public const RampShape DefaultWarmupType = RampShape.Linear;

    /// <summary>The default <c>decay_type</c>: cosine.</summary>
    public const RampShape DefaultDecayType = RampShape.Cosine;

    /// <summary>The default <c>min_lr_ratio</c>: 0.</summary>
    public const double DefaultMinLrRatio = 0;

    /// <summary>The default <c>num_cycles</c>: 0.5, one half wave.</summary>
    public const double DefaultNumCycles = 0.5;

    private readonly bool _stableGiven;

    /// <summary>Creates the schedule; give <paramref name="numStableSteps"/> or <paramref name="numTrainingSteps"/> (stable wins when both).</summary>
    public WarmupStableDecay(
        long numWarmupSteps,
        long numDecaySteps,
        long? numTrainingSteps = null,
        long? numStableSteps = null,
        RampShape warmupType = DefaultWarmupType,
        RampShape decayType = DefaultDecayType,
        double minLrRatio = DefaultMinLrRatio,
        double numCycles = DefaultNumCycles)
    {
        NumWarmupSteps = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");
        NumDecaySteps = Preconditions.NonNegative(numDecaySteps, "num_decay_steps");
        NumTrainingSteps = numTrainingSteps is { } t ? Preconditions.NonNegative(t, "num_training_steps") : null;
        if (numStableSteps is { } stable)
        {
            _stableGiven = true;
            NumStableSteps = Preconditions.NonNegative(stable, "num_stable_steps");
        }
        else if (numTrainingSteps is { } total)
        {
            NumStableSteps = total - numWarmupSteps - numDecaySteps;
        }
        else
        {
            throw Preconditions.Fail("num_training_steps", "or num_stable_steps must be set");
        }

        WarmupType = Preconditions.Defined(warmupType, "warmup_type");
        DecayType = Preconditions.Defined(decayType, "decay_type");
        MinLrRatio = Preconditions.InRange(minLrRatio, 0, 1, "min_lr_ratio");
        NumCycles = Preconditions.NonNegative(numCycles, "num_cycles");
    }

    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; }

    /// <summary>Decay (cooldown) steps D (<c>num_decay_steps</c>).</summary>
    public long NumDecaySteps { get; }

    /// <summary>Stable steps S (negative when <c>num_training_steps</c> is shorter than warmup and decay together).</summary>
    public long NumStableSteps { get; }

    /// <summary>Total steps as given (<c>num_training_steps</c>), or null.</summary>
    public long? NumTrainingSteps { get; }

    /// <summary>Warmup curve (<c>warmup_type</c>).</summary>
    public RampShape WarmupType { get; }

    /// <summary>Decay curve (<c>decay_type</c>).</summary>
    public RampShape DecayType { get; }

    /// <summary>Floor as a fraction of the base learning rate (<c>min_lr_ratio</c>).</summary>
    public double MinLrRatio { get; }

    /// <summary>Waves of a cosine decay (<c>num_cycles</c>).</summary>
    public double NumCycles { get; }

    /// <inheritdoc />
    public override string TypeName => "warmup_stable_decay";

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => NumWarmupSteps + NumStableSteps + NumDecaySteps;

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) => context.BaseLr * Factor(step);

    private double Factor(long step)
    {
        var r = MinLrRatio;
        if (step < NumWarmupSteps)
        {
            var g = Ramp.Rising(WarmupType, (double)step / Math.Max(1, NumWarmupSteps));
            return Math.Max(0.0, g * (1.0 - r) + r);
        }

        if (step < NumWarmupSteps + NumStableSteps)
        {
            return 1.0;
        }

        if (step < NumWarmupSteps + NumStableSteps + NumDecaySteps)
        {
            var d = Ramp.Falling(DecayType, (double)(step - NumWarmupSteps - NumStableSteps) / Math.Max(1, NumDecaySteps), NumCycles);
            return Math.Max(0.0, d * (1.0 - r) + r);
        }

        return r;
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (NumStableSteps < 0)
        {
            var end = NumWarmupSteps + NumStableSteps + NumDecaySteps;
            yield return new ScheduleWarning(
                "num_training_steps",
                $"({NumTrainingSteps}) < num_warmup_steps + num_decay_steps ({NumWarmupSteps + NumDecaySteps}): the stable phase has {NumStableSteps} steps, so " +
                (end > NumWarmupSteps
                    ? $"the decay starts {-NumStableSteps} steps into its curve at step {NumWarmupSteps} and ends at step {end}"
                    : $"there is no decay: the learning rate drops to min_lr_ratio at step {NumWarmupSteps}") +
                " (Hugging Face's formula)");
        }

        if (DecayType == RampShape.Cosine && NumCycles == 0 && NumDecaySteps > 0)
        {
            yield return new ScheduleWarning("num_cycles", "is 0: the cosine decay never leaves its peak, so the learning rate drops to min_lr_ratio at the end of the decay (Hugging Face's formula)");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_decay_steps"] = NumDecaySteps;
        if (NumTrainingSteps is { } total)
        {
            spec["num_training_steps"] = total;
        }

        if (_stableGiven)
        {
            spec["num_stable_steps"] = NumStableSteps;
        }

        spec["warmup_type"] = SpecNames.Of(WarmupType);
        spec["decay_type"] = SpecNames.Of(DecayType);
        spec["min_lr_ratio"] = MinLrRatio;
        spec["num_cycles"] = NumCycles;
    }
}
