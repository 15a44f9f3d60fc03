using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Hugging Face <c>cosine_with_min_lr</c>: linear warmup over W steps, then a cosine from 1 down to the floor
/// <c>r = min_lr_rate</c> (or <c>min_lr / L</c>, L the optimizer's default learning rate):
/// <c>lr = base_lr * max(0, r + (1 - r)(1 + cos(2 pi c p))/2)</c>, <c>p = (t - W) / max(1, T - W)</c>;
/// at step 0, 0 (or <c>base_lr</c> when W = 0). Give exactly one of <c>min_lr</c> and <c>min_lr_rate</c>.
/// </summary>
public sealed class CosineWithMinLr : HuggingFaceDecaySchedule
{
    /// <summary>The default <c>num_cycles</c>: 0.5, one half wave.</summary>
    public const double DefaultNumCycles = 0.5;

    /// <summary>Creates the schedule.</summary>
    public CosineWithMinLr(long numWarmupSteps, long numTrainingSteps, double numCycles = DefaultNumCycles, double? minLr = null, double? minLrRate = null)
        : base(numWarmupSteps, numTrainingSteps)
    {
        NumCycles = Preconditions.NonNegative(numCycles, "num_cycles");
        (MinLr, MinLrRate) = MinLrChecks.ExactlyOne(minLr, minLrRate);
    }

    /// <summary>Waves of the cosine (<c>num_cycles</c>).</summary>
    public double NumCycles { get; }

    /// <summary>The floor as an absolute learning rate (<c>min_lr</c>), or null.</summary>
    public double? MinLr { get; }

    /// <summary>The floor as a fraction of the initial learning rate (<c>min_lr_rate</c>), or null.</summary>
    public double? MinLrRate { get; }

    /// <inheritdoc />
    public override string TypeName => "cosine_with_min_lr";

    /// <inheritdoc />
    protected override double Decay(long step, in ScheduleContext context)
    {
        var progress = Progress(step);
        return MinLrChecks.CosineToFloor(progress, NumCycles, MinLrChecks.Rate(MinLr, MinLrRate, context));
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings() =>
        HuggingFaceWarnings.Cosine(NumWarmupSteps, NumTrainingSteps, NumCycles, "between base_lr and the floor");

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_training_steps"] = NumTrainingSteps;
        spec["num_cycles"] = NumCycles;
        MinLrChecks.Write(spec, MinLr, MinLrRate);
    }
}

/// <summary>
/// Hugging Face <c>cosine_warmup_with_min_lr</c>: a warmup that starts above 0, then a cosine to the floor
/// <c>r</c> (<c>min_lr_rate</c>, or <c>min_lr / L</c>). For <c>t &lt; W</c>: <c>(t + 1) / max(1, W)</c>, or with
/// <c>warmup_lr_rate</c> w: <c>w + (1 - w) t / max(1, W - 1)</c>. Then <c>max(0, r + (1 - r)(1 + cos(2 pi c p))/2)</c> with
/// <c>p = (t - W + 1) / max(1, T - W)</c>. At step 0, <c>base_lr / max(1, W)</c> (or <c>base_lr * w</c>).
/// </summary>
public sealed class CosineWarmupWithMinLr : Schedule
{
    /// <summary>The default <c>num_cycles</c>: 0.5, one half wave.</summary>
    public const double DefaultNumCycles = 0.5;

    /// <summary>Creates the schedule.</summary>
    public CosineWarmupWithMinLr(long numWarmupSteps, long numTrainingSteps, double numCycles = DefaultNumCycles, double? minLr = null, double? minLrRate = null, double? warmupLrRate = null)
    {
        NumWarmupSteps = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");
        NumTrainingSteps = Preconditions.NonNegative(numTrainingSteps, "num_training_steps");
        NumCycles = Preconditions.NonNegative(numCycles, "num_cycles");
        (MinLr, MinLrRate) = MinLrChecks.ExactlyOne(minLr, minLrRate);
        WarmupLrRate = warmupLrRate is { } w ? Preconditions.InRange(w, 0, 1, "warmup_lr_rate") : null;
    }

    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; }

    /// <summary>Total steps T (<c>num_training_steps</c>).</summary>
    public long NumTrainingSteps { get; }

    /// <summary>Waves of the cosine (<c>num_cycles</c>).</summary>
    public double NumCycles { get; }

    /// <summary>The floor as an absolute learning rate (<c>min_lr</c>), or null.</summary>
    public double? MinLr { get; }

    /// <summary>The floor as a fraction of the initial learning rate (<c>min_lr_rate</c>), or null.</summary>
    public double? MinLrRate { get; }

    /// <summary>Starting fraction of the warmup (<c>warmup_lr_rate</c>), or null for <c>1 / W</c>.</summary>
    public double? WarmupLrRate { get; }

    /// <inheritdoc />
    public override string TypeName => "cosine_warmup_with_min_lr";

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => NumTrainingSteps;

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        double t = step, w = NumWarmupSteps, total = NumTrainingSteps;
        if (t < w)
        {
            return context.BaseLr * (WarmupLrRate is { } rate0
                ? rate0 + (1.0 - rate0) * t / Math.Max(1, w - 1)
                : (t + 1.0) / Math.Max(1.0, w));
        }

        var progress = (t - w + 1.0) / Math.Max(1.0, total - w);
        return context.BaseLr * MinLrChecks.CosineToFloor(progress, NumCycles, MinLrChecks.Rate(MinLr, MinLrRate, context));
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings() =>
        HuggingFaceWarnings.Cosine(NumWarmupSteps, NumTrainingSteps, NumCycles, "between the floor and base_lr");

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_training_steps"] = NumTrainingSteps;
        spec["num_cycles"] = NumCycles;
        MinLrChecks.Write(spec, MinLr, MinLrRate);
        if (WarmupLrRate is { } w)
        {
            spec["warmup_lr_rate"] = w;
        }
    }
}

internal static class MinLrChecks
{
    /// <summary>The floor as a fraction: <c>min_lr_rate</c>, or <c>min_lr</c> over the optimizer's default learning rate.</summary>
    internal static double Rate(double? minLr, double? minLrRate, in ScheduleContext context) =>
        minLrRate ?? minLr!.Value / context.DefaultLr;

    /// <summary>Hugging Face's cosine to a floor: <c>max(0, r + (1 - r)(1 + cos(2 pi c p))/2)</c>, in its order of operations.</summary>
    internal static double CosineToFloor(double progress, double numCycles, double rate)
    {
        var factor = 0.5 * (1.0 + Math.Cos(Math.PI * numCycles * 2.0 * progress));
        return Math.Max(0, factor * (1 - rate) + rate);
    }

    internal static (double? MinLr, double? MinLrRate) ExactlyOne(double? minLr, double? minLrRate) => (minLr, minLrRate) switch
    {
        ({ }, { }) => throw Preconditions.Fail("min_lr", "and min_lr_rate must not both be set (set one)"),
        (null, null) => throw Preconditions.Fail("min_lr", "or min_lr_rate must be set"),
        ({ } lr, null) => (Preconditions.NonNegative(lr, "min_lr"), null),
        (null, { } rate) => (null, Preconditions.InRange(rate, 0, 1, "min_lr_rate")),
    };

    internal static void Write(JsonObject spec, double? minLr, double? minLrRate)
    {
        if (minLr is { } lr)
        {
            spec["min_lr"] = lr;
        }
        else
        {
            spec["min_lr_rate"] = minLrRate!.Value;
        }
    }
}
