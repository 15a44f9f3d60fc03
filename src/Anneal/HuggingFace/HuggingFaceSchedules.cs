using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Hugging Face <c>constant_with_warmup</c>: <c>lr(t) = base_lr * t / max(1, W)</c> for <c>t &lt; W</c>, then <c>base_lr</c>;
/// at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class ConstantWithWarmup(long numWarmupSteps) : ComposedSchedule
{
    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; } = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");

    /// <inheritdoc />
    public override string TypeName => "constant_with_warmup";

    /// <inheritdoc />
    protected override Schedule Compose() => WithLinearWarmup(NumWarmupSteps, new Constant());

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec) => spec["num_warmup_steps"] = NumWarmupSteps;
}

/// <summary>
/// Hugging Face <c>linear</c>: linear warmup over W steps, then linear decay to 0 at T.
/// <c>lr(t) = base_lr * t / max(1, W)</c> for <c>t &lt; W</c>, else <c>base_lr * max(0, (T - t) / max(1, T - W))</c>;
/// at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class LinearWithWarmup(long numWarmupSteps, long numTrainingSteps) : ComposedSchedule
{
    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; } = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");

    /// <summary>Total steps T (<c>num_training_steps</c>), at least W.</summary>
    public long NumTrainingSteps { get; } = HuggingFaceChecks.Training(numTrainingSteps, numWarmupSteps);

    /// <inheritdoc />
    public override string TypeName => "linear";

    /// <inheritdoc />
    protected override Schedule Compose() =>
        WithLinearWarmup(NumWarmupSteps, new Ramp(NumTrainingSteps - NumWarmupSteps, 1, 0));

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
public sealed class CosineWithWarmup(long numWarmupSteps, long numTrainingSteps, double numCycles = 0.5) : ComposedSchedule
{
    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; } = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");

    /// <summary>Total steps T (<c>num_training_steps</c>), at least W.</summary>
    public long NumTrainingSteps { get; } = HuggingFaceChecks.Training(numTrainingSteps, numWarmupSteps);

    /// <summary>Waves of the cosine (<c>num_cycles</c>).</summary>
    public double NumCycles { get; } = Preconditions.Positive(numCycles, "num_cycles");

    /// <inheritdoc />
    public override string TypeName => "cosine";

    /// <inheritdoc />
    protected override Schedule Compose() => WithLinearWarmup(
        NumWarmupSteps, new Ramp(NumTrainingSteps - NumWarmupSteps, 1, 0, RampShape.Cosine, NumCycles));

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
/// cosine: <c>lr = base_lr * (1 + cos(pi ((c p) mod 1))) / 2</c> with <c>p = (t - W) / max(1, T - W)</c>, and 0 from T on;
/// at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class CosineWithHardRestarts(long numWarmupSteps, long numTrainingSteps, long numCycles = 1) : ComposedSchedule
{
    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; } = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");

    /// <summary>Total steps T (<c>num_training_steps</c>), at least W.</summary>
    public long NumTrainingSteps { get; } = HuggingFaceChecks.Training(numTrainingSteps, numWarmupSteps);

    /// <summary>Number of half-cosine cycles (<c>num_cycles</c>).</summary>
    public long NumCycles { get; } = Preconditions.Positive(numCycles, "num_cycles");

    /// <inheritdoc />
    public override string TypeName => "cosine_with_restarts";

    /// <inheritdoc />
    protected override Schedule Compose() =>
        WithLinearWarmup(NumWarmupSteps, new HardRestartsPiece(NumTrainingSteps - NumWarmupSteps, NumCycles));

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_training_steps"] = NumTrainingSteps;
        spec["num_cycles"] = NumCycles;
    }

    private sealed class HardRestartsPiece(long steps, long cycles) : MultiplicativeSchedule
    {
        public override string TypeName => "cosine_with_restarts";

        public override double Factor(long step)
        {
            var progress = (double)step / Math.Max(1, steps);
            return progress >= 1.0 ? 0.0 : Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * (cycles * progress % 1.0))));
        }

        protected override void WriteSpec(JsonObject spec) => throw new NotSupportedException();
    }
}

/// <summary>
/// Hugging Face <c>polynomial</c>: linear warmup over W steps, then
/// <c>lr = base_lr * ((L - lr_end) (1 - (t - W)/(T - W))^power + lr_end) / L</c> up to T and <c>base_lr * lr_end / L</c>
/// after, where L is the optimizer's default learning rate (group 0's); at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class PolynomialDecayWithWarmup(long numWarmupSteps, long numTrainingSteps, double lrEnd = 1e-7, double power = 1.0) : ComposedSchedule
{
    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; } = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");

    /// <summary>Total steps T (<c>num_training_steps</c>), greater than W.</summary>
    public long NumTrainingSteps { get; } = HuggingFaceChecks.Training(numTrainingSteps, numWarmupSteps, strict: true);

    /// <summary>Final learning rate, absolute (<c>lr_end</c>).</summary>
    public double LrEnd { get; } = Preconditions.NonNegative(lrEnd, "lr_end");

    /// <summary>Exponent (<c>power</c>).</summary>
    public double Power { get; } = Preconditions.NonNegative(power, "power");

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
    protected override Schedule Compose() =>
        WithLinearWarmup(NumWarmupSteps, new PolynomialPiece(NumTrainingSteps - NumWarmupSteps, LrEnd, Power));

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["num_training_steps"] = NumTrainingSteps;
        spec["lr_end"] = LrEnd;
        spec["power"] = Power;
    }

    private sealed class PolynomialPiece(long steps, double lrEnd, double power) : Schedule
    {
        public override string TypeName => "polynomial";

        public override double Evaluate(long step, in ScheduleContext context)
        {
            var lrInit = context.DefaultLr;
            if (step > steps)
            {
                return context.BaseLr * (lrEnd / lrInit);
            }

            var remaining = 1 - (double)step / steps;
            return context.BaseLr * (((lrInit - lrEnd) * Math.Pow(remaining, power) + lrEnd) / lrInit);
        }

        protected override void WriteSpec(JsonObject spec) => throw new NotSupportedException();
    }
}

/// <summary>
/// Hugging Face <c>inverse_sqrt</c>: linear warmup over W steps, then <c>lr = base_lr / sqrt((t + s - W) / s)</c> with
/// timescale <c>s</c> (default W, or 10000 when W = 0); at step 0, 0 (or <c>base_lr</c> when W = 0).
/// </summary>
public sealed class InverseSqrt(long numWarmupSteps, long? timescale = null) : ComposedSchedule
{
    /// <summary>Warmup steps W (<c>num_warmup_steps</c>).</summary>
    public long NumWarmupSteps { get; } = Preconditions.NonNegative(numWarmupSteps, "num_warmup_steps");

    /// <summary>Time scale s (<c>timescale</c>).</summary>
    public long Timescale { get; } = Preconditions.Positive(timescale ?? (numWarmupSteps > 0 ? numWarmupSteps : 10_000), "timescale");

    /// <inheritdoc />
    public override string TypeName => "inverse_sqrt";

    /// <inheritdoc />
    protected override Schedule Compose() => WithLinearWarmup(NumWarmupSteps, new InverseSqrtPiece(Timescale));

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_warmup_steps"] = NumWarmupSteps;
        spec["timescale"] = Timescale;
    }

    private sealed class InverseSqrtPiece(long timescale) : MultiplicativeSchedule
    {
        public override string TypeName => "inverse_sqrt";

        public override double Factor(long step) => 1.0 / Math.Sqrt((double)(step + timescale) / timescale);

        protected override void WriteSpec(JsonObject spec) => throw new NotSupportedException();
    }
}

internal static class HuggingFaceChecks
{
    /// <summary>Checks <c>num_training_steps</c> against the warmup: at least W, or more than W when <paramref name="strict"/>.</summary>
    internal static long Training(long numTrainingSteps, long numWarmupSteps, bool strict = false)
    {
        Preconditions.NonNegative(numTrainingSteps, "num_training_steps");
        return strict ? numTrainingSteps > numWarmupSteps
                ? numTrainingSteps
                : throw Preconditions.Fail("num_training_steps", $"must be > num_warmup_steps ({numWarmupSteps}) (was {numTrainingSteps})")
            : numTrainingSteps >= numWarmupSteps
                ? numTrainingSteps
                : throw Preconditions.Fail("num_training_steps", $"must be >= num_warmup_steps ({numWarmupSteps}) (was {numTrainingSteps})");
    }
}
