using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Hugging Face <c>warmup_stable_decay</c> (WSD; Hu et al. 2024, Hägele et al. 2024): a join of three
/// <see cref="Ramp"/>s and a constant. With W warmup, S stable, D decay steps and floor <c>r = min_lr_ratio</c>:
/// warmup <c>r + (1 - r) g(t / max(1, W))</c>, then 1 for S steps, then <c>r + (1 - r) d((t - W - S) / max(1, D))</c>,
/// then r, each times <c>base_lr</c>, with g and d the <c>warmup_type</c> and <c>decay_type</c> curves
/// (<c>linear</c>, <c>cosine</c>, <c>1-sqrt</c>). S is <c>num_stable_steps</c>, or <c>T - W - D</c> from
/// <c>num_training_steps</c>. At step 0, <c>base_lr * r</c> (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class WarmupStableDecay : ComposedSchedule
{
    private readonly bool _stableGiven;

    /// <summary>Creates the schedule; give <paramref name="numStableSteps"/> or <paramref name="numTrainingSteps"/> (stable wins when both).</summary>
    public WarmupStableDecay(
        long numWarmupSteps,
        long numDecaySteps,
        long? numTrainingSteps = null,
        long? numStableSteps = null,
        RampShape warmupType = RampShape.Linear,
        RampShape decayType = RampShape.Cosine,
        double minLrRatio = 0,
        double numCycles = 0.5)
    {
        NumWarmupSteps = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");
        NumDecaySteps = Preconditions.NonNegative(numDecaySteps, "num_decay_steps");
        NumTrainingSteps = numTrainingSteps;
        if (numStableSteps is { } stable)
        {
            _stableGiven = true;
            NumStableSteps = Preconditions.NonNegative(stable, "num_stable_steps");
        }
        else if (numTrainingSteps is { } total)
        {
            NumStableSteps = total - numWarmupSteps - numDecaySteps;
            if (NumStableSteps < 0)
            {
                throw Preconditions.Fail("num_training_steps", $"must be >= num_warmup_steps + num_decay_steps ({numWarmupSteps + numDecaySteps}) (was {total})");
            }
        }
        else
        {
            throw Preconditions.Fail("num_training_steps", "or num_stable_steps must be set");
        }

        WarmupType = warmupType;
        DecayType = decayType;
        MinLrRatio = Preconditions.InRange(minLrRatio, 0, 1, "min_lr_ratio");
        NumCycles = Preconditions.Positive(numCycles, "num_cycles");
    }

    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; }

    /// <summary>Decay (cooldown) steps D (<c>num_decay_steps</c>).</summary>
    public long NumDecaySteps { get; }

    /// <summary>Stable steps S.</summary>
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
    protected override Schedule Compose()
    {
        var pieces = new List<Schedule>();
        var milestones = new List<long>();
        var at = 0L;
        void Add(long length, Schedule piece)
        {
            if (pieces.Count > 0)
            {
                milestones.Add(at);
            }

            pieces.Add(piece);
            at += length;
        }

        if (NumWarmupSteps > 0)
        {
            Add(NumWarmupSteps, new Ramp(NumWarmupSteps, MinLrRatio, 1, WarmupType));
        }

        if (NumStableSteps > 0)
        {
            Add(NumStableSteps, new Constant());
        }

        if (NumDecaySteps > 0)
        {
            Add(NumDecaySteps, new Ramp(NumDecaySteps, 1, MinLrRatio, DecayType, NumCycles));
        }

        Add(0, new Constant(MinLrRatio));
        return pieces.Count == 1 ? pieces[0] : new SequentialLR(pieces, milestones);
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

        spec["warmup_type"] = Ramp.ShapeName(WarmupType);
        spec["decay_type"] = Ramp.ShapeName(DecayType);
        spec["min_lr_ratio"] = MinLrRatio;
        spec["num_cycles"] = NumCycles;
    }
}
