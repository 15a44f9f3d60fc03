using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Hugging Face <c>constant_with_warmup</c>: <c>lr(t) = base_lr * t / max(1, W)</c> for <c>t &lt; W</c>, then <c>base_lr</c>;
/// at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class ConstantWithWarmup(long numWarmupSteps) : HuggingFaceWarmupSchedule(numWarmupSteps)
{
    /// <inheritdoc />
    public override string TypeName => "constant_with_warmup";

    /// <inheritdoc />
    protected override double Decay(long step, in ScheduleContext context) => 1.0;

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec) => spec["num_warmup_steps"] = NumWarmupSteps;
}

/// <summary>
/// Hugging Face <c>linear</c>: linear warmup over W steps, then linear decay to 0 at T.
/// <c>lr(t) = base_lr * t / max(1, W)</c> for <c>t &lt; W</c>, else <c>base_lr * max(0, (T - t) / max(1, T - W))</c>;
/// at step 0, 0 (or <c>base_lr</c> when W = 0). When W &gt;= T the decay is over at W: 0 from step W on (a warning).
/// </summary>
public sealed class LinearWithWarmup(long numWarmupSteps, long numTrainingSteps) : HuggingFaceDecaySchedule(numWarmupSteps, numTrainingSteps)
{
    /// <inheritdoc />
    public override string TypeName => "linear";

    /// <inheritdoc />
    protected override double Decay(long step, in ScheduleContext context) =>
        Math.Max(0.0, (double)(NumTrainingSteps - step) / Math.Max(1, NumTrainingSteps - NumWarmupSteps));

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings() =>
        HuggingFaceWarnings.WarmupNotShorter(NumWarmupSteps, NumTrainingSteps, $"the learning rate is 0 from step {NumWarmupSteps} on");

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_training_steps"] = NumTrainingSteps;
    }
}

/// <summary>
/// Hugging Face <c>cosine</c>: linear warmup over W steps, then <c>lr = base_lr * max(0, (1 + cos(2 pi c p)) / 2)</c> with
/// <c>p = (t - W) / max(1, T - W)</c> and <c>c = num_cycles</c> (0.5: one half wave down to 0 at T; the wave continues past T);
/// at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class CosineWithWarmup : HuggingFaceDecaySchedule
{
    /// <summary>The default <c>num_cycles</c>: 0.5, one half wave.</summary>
    public const double DefaultNumCycles = 0.5;

    /// <summary>Creates the schedule; W, T &gt;= 0, <paramref name="numCycles"/> &gt;= 0.</summary>
    public CosineWithWarmup(long numWarmupSteps, long numTrainingSteps, double numCycles = DefaultNumCycles)
        : base(numWarmupSteps, numTrainingSteps)
    {
        NumCycles = Preconditions.NonNegative(numCycles, "num_cycles");
    }

    /// <summary>Waves of the cosine (<c>num_cycles</c>).</summary>
    public double NumCycles { get; }

    /// <inheritdoc />
    public override string TypeName => "cosine";

    /// <inheritdoc />
    protected override double Decay(long step, in ScheduleContext context)
    {
        var progress = Progress(step);
        return Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * NumCycles * 2.0 * progress)));
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings() =>
        HuggingFaceWarnings.Cosine(NumWarmupSteps, NumTrainingSteps, NumCycles, "between base_lr and 0");

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_training_steps"] = NumTrainingSteps;
        spec["num_cycles"] = NumCycles;
    }
}

/// <summary>
/// Hugging Face <c>cosine_with_restarts</c>: linear warmup over W steps, then <c>num_cycles</c> hard restarts of a half
/// cosine: <c>lr = base_lr * (1 + cos(pi ((c p) mod 1))) / 2</c> with <c>p = (t - W) / max(1, T - W)</c>, and 0 from
/// <c>p &gt;= 1</c> on; at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class CosineWithHardRestarts : HuggingFaceDecaySchedule
{
    /// <summary>The default <c>num_cycles</c>: 1.</summary>
    public const long DefaultNumCycles = 1;

    /// <summary>Creates the schedule; W, T &gt;= 0, <paramref name="numCycles"/> &gt;= 0.</summary>
    public CosineWithHardRestarts(long numWarmupSteps, long numTrainingSteps, long numCycles = DefaultNumCycles)
        : base(numWarmupSteps, numTrainingSteps)
    {
        NumCycles = Preconditions.NonNegative(numCycles, "num_cycles");
    }

    /// <summary>Number of half-cosine cycles (<c>num_cycles</c>).</summary>
    public long NumCycles { get; }

    /// <inheritdoc />
    public override string TypeName => "cosine_with_restarts";

    /// <inheritdoc />
    protected override double Decay(long step, in ScheduleContext context)
    {
        var progress = Progress(step);
        return progress >= 1.0 ? 0.0 : Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * ((double)NumCycles * progress % 1.0))));
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings() =>
        HuggingFaceWarnings.WarmupNotShorter(NumWarmupSteps, NumTrainingSteps, $"the learning rate is base_lr at step {NumWarmupSteps} and 0 from step {NumWarmupSteps + 1} on")
            .Concat(HuggingFaceWarnings.ZeroCycles(NumCycles, $"the learning rate is base_lr until step {NumTrainingSteps} and 0 after"));

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_training_steps"] = NumTrainingSteps;
        spec["num_cycles"] = NumCycles;
    }
}

/// <summary>
/// Hugging Face <c>polynomial</c>: linear warmup over W steps, then
/// <c>lr = base_lr * ((L - lr_end) (1 - (t - W)/(T - W))^power + lr_end) / L</c> up to T and <c>base_lr * lr_end / L</c>
/// after, where L is the optimizer's default learning rate (group 0's); at step 0, 0 (or <c>base_lr</c> when W = 0).
/// T = W is rejected (transformers divides by T - W at step W); with W &gt; T the warmup ends at <c>lr_end / L</c> (a warning).
/// </summary>
public sealed class PolynomialDecayWithWarmup : HuggingFaceDecaySchedule
{
    /// <summary>The default <c>lr_end</c>: 1e-7.</summary>
    public const double DefaultLrEnd = 1e-7;

    /// <summary>The default <c>power</c>: 1, a linear decay.</summary>
    public const double DefaultPower = 1.0;

    /// <summary>Creates the schedule; W, T &gt;= 0 and T != W, <paramref name="lrEnd"/> and <paramref name="power"/> &gt;= 0.</summary>
    public PolynomialDecayWithWarmup(long numWarmupSteps, long numTrainingSteps, double lrEnd = DefaultLrEnd, double power = DefaultPower)
        : base(numWarmupSteps, numTrainingSteps)
    {
        if (numTrainingSteps == numWarmupSteps)
        {
            throw Preconditions.Fail(
                "num_training_steps",
                $"must differ from num_warmup_steps ({numWarmupSteps}): Hugging Face's polynomial decay divides by num_training_steps - num_warmup_steps at step num_warmup_steps (was {numTrainingSteps})");
        }

        LrEnd = Preconditions.NonNegative(lrEnd, "lr_end");
        Power = Preconditions.NonNegative(power, "power");
    }

    /// <summary>Final learning rate, absolute (<c>lr_end</c>).</summary>
    public double LrEnd { get; }

    /// <summary>Exponent (<c>power</c>).</summary>
    public double Power { get; }

    /// <inheritdoc />
    public override string TypeName => "polynomial";

    /// <inheritdoc />
    public override void ValidateGroups(IReadOnlyList<double> baseLrs)
    {
        if (baseLrs.Count > 0 && !(baseLrs[0] > LrEnd))
        {
            throw Preconditions.Fail("lr_end", $"must be smaller than the initial lr {Preconditions.Format(baseLrs[0])} (was {Preconditions.Format(LrEnd)})");
        }
    }

    /// <inheritdoc />
    protected override double Decay(long step, in ScheduleContext context)
    {
        var lrInit = context.DefaultLr;
        if (step > NumTrainingSteps)
        {
            return LrEnd / lrInit;
        }

        var pctRemaining = 1 - (double)(step - NumWarmupSteps) / (NumTrainingSteps - NumWarmupSteps);
        return ((lrInit - LrEnd) * Math.Pow(pctRemaining, Power) + LrEnd) / lrInit;
    }

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings() =>
        HuggingFaceWarnings.WarmupNotShorter(NumWarmupSteps, NumTrainingSteps, $"from step {NumWarmupSteps} the learning rate is base_lr * lr_end / lr (lr: group 0's)");

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_training_steps"] = NumTrainingSteps;
        spec["lr_end"] = LrEnd;
        spec["power"] = Power;
    }
}

/// <summary>
/// Hugging Face <c>inverse_sqrt</c>: linear warmup over W steps, then <c>lr = base_lr / sqrt((t + s - W) / s)</c> with
/// timescale <c>s</c> (default W, or 10000 when W = 0); at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class InverseSqrt : HuggingFaceWarmupSchedule
{
    /// <summary>The timescale when neither it nor a warmup is given: 10000.</summary>
    public const long DefaultTimescale = 10_000;

    /// <summary>Creates the schedule; W &gt;= 0, <paramref name="timescale"/> &gt; 0 (default W, or 10000 when W = 0).</summary>
    public InverseSqrt(long numWarmupSteps, long? timescale = null)
        : base(numWarmupSteps)
    {
        Timescale = Preconditions.Positive(timescale ?? (numWarmupSteps > 0 ? numWarmupSteps : DefaultTimescale), "timescale");
    }

    /// <summary>Time scale s (<c>timescale</c>).</summary>
    public long Timescale { get; }

    /// <inheritdoc />
    public override string TypeName => "inverse_sqrt";

    /// <inheritdoc />
    protected override double Decay(long step, in ScheduleContext context)
    {
        var shift = Timescale - NumWarmupSteps;
        return 1.0 / Math.Sqrt((double)(step + shift) / Timescale);
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["timescale"] = Timescale;
    }
}
