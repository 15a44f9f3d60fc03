using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>ReduceLROnPlateau</c>: the one stateful schedule. After each step's metric, if the metric has not
/// improved on the best seen (by <c>threshold</c>, relative or absolute, in <c>min</c> or <c>max</c> mode) for more than
/// <c>patience</c> steps, every group's learning rate becomes <c>max(lr * factor, min_lr)</c>, unless that changes it by
/// no more than <c>eps</c>; then <c>cooldown</c> steps pass before bad steps count again. At step 0, <c>base_lr</c>.
/// </summary>
/// <remarks>
/// The schedule itself is an immutable value; its state (<see cref="PlateauState"/>) lives in the
/// <see cref="Scheduler"/>, which saves and loads it. Its value is the state's current learning rate, so it composes:
/// a warmup in front of it (<see cref="SequentialLR"/>) feeds it metrics only once it is active.
/// </remarks>
public sealed class ReduceLROnPlateau : Schedule
{
    /// <summary>PyTorch's default <c>mode</c>: min.</summary>
    public const PlateauMode DefaultMode = PlateauMode.Min;

    /// <summary>PyTorch's default <c>threshold_mode</c>: rel.</summary>
    public const ThresholdMode DefaultThresholdMode = ThresholdMode.Rel;

    /// <summary>PyTorch's default <c>factor</c>: 0.1.</summary>
    public const double DefaultFactor = 0.1;

    /// <summary>PyTorch's default <c>patience</c>: 10.</summary>
    public const long DefaultPatience = 10;

    /// <summary>PyTorch's default <c>threshold</c>: 1e-4.</summary>
    public const double DefaultThreshold = 1e-4;

    /// <summary>PyTorch's default <c>cooldown</c>: 0.</summary>
    public const long DefaultCooldown = 0;

    /// <summary>PyTorch's default <c>min_lr</c>: 0.</summary>
    public const double DefaultMinLr = 0;

    /// <summary>PyTorch's default <c>eps</c>: 1e-8.</summary>
    public const double DefaultEps = 1e-8;

    /// <summary>Creates the schedule with PyTorch's defaults; <paramref name="factor"/> in [0, 1).</summary>
    public ReduceLROnPlateau(
        PlateauMode mode = DefaultMode,
        double factor = DefaultFactor,
        long patience = DefaultPatience,
        double threshold = DefaultThreshold,
        ThresholdMode thresholdMode = DefaultThresholdMode,
        long cooldown = DefaultCooldown,
        PerGroup? minLr = null,
        double eps = DefaultEps)
    {
        Mode = Preconditions.Defined(mode, "mode");
        Factor = Preconditions.Finite(factor, "factor") >= 0 && factor < 1
            ? factor
            : throw Preconditions.Fail("factor", $"must be >= 0 and < 1 (was {Preconditions.Format(factor)})");
        Patience = Preconditions.NonNegative(patience, "patience");
        Threshold = Preconditions.NonNegative(threshold, "threshold");
        ThresholdMode = Preconditions.Defined(thresholdMode, "threshold_mode");
        Cooldown = Preconditions.NonNegative(cooldown, "cooldown");
        MinLr = (minLr ?? DefaultMinLr).Check("min_lr", Preconditions.NonNegative);
        Eps = Preconditions.NonNegative(eps, "eps");
    }

    /// <summary>Which direction is an improvement (<c>mode</c>).</summary>
    public PlateauMode Mode { get; }

    /// <summary>Multiplier at each reduction, in [0, 1) (<c>factor</c>).</summary>
    public double Factor { get; }

    /// <summary>Steps without improvement tolerated before a reduction (<c>patience</c>).</summary>
    public long Patience { get; }

    /// <summary>Least improvement that counts (<c>threshold</c>).</summary>
    public double Threshold { get; }

    /// <summary>Relative or absolute improvement (<c>threshold_mode</c>).</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>Steps after a reduction during which bad steps do not count (<c>cooldown</c>).</summary>
    public long Cooldown { get; }

    /// <summary>Floor per group, absolute (<c>min_lr</c>).</summary>
    public PerGroup MinLr { get; }

    /// <summary>Smallest change of learning rate that is applied (<c>eps</c>).</summary>
    public double Eps { get; }

    /// <inheritdoc />
    public override string TypeName => "ReduceLROnPlateau";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        if (context.States is null)
        {
            throw new InvalidOperationException(
                "ReduceLROnPlateau has state: drive it with a Scheduler, which holds and saves that state.");
        }

        return context.States.Get(this).LearningRates[context.Group];
    }

    /// <summary>True when <paramref name="metric"/> improves on <paramref name="best"/> by more than the threshold.</summary>
    public bool IsBetter(double metric, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => metric < best * (1 - Threshold),
        (PlateauMode.Min, _) => metric < best - Threshold,
        (_, ThresholdMode.Rel) => metric > best * (Threshold + 1),
        _ => metric > best + Threshold,
    };

    /// <summary>The state before the first metric: every group at its base learning rate.</summary>
    public PlateauState InitialState(IReadOnlyList<double> baseLrs) =>
        new(Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity, 0, 0, 0, [.. baseLrs]);

    /// <summary>The state after seeing <paramref name="metric"/>: PyTorch's <c>step(metrics)</c> as a pure function.</summary>
    public PlateauState Next(PlateauState state, double metric)
    {
        var best = state.Best;
        var bad = state.NumBadEpochs;
        if (IsBetter(metric, best))
        {
            best = metric;
            bad = 0;
        }
        else
        {
            bad++;
        }

        var cooldown = state.CooldownCounter;
        if (cooldown > 0)
        {
            cooldown--;
            bad = 0;
        }

        var lrs = state.LearningRates;
        if (bad > Patience)
        {
            lrs = [.. lrs];
            for (var i = 0; i < lrs.Length; i++)
            {
                var reduced = Math.Max(lrs[i] * Factor, MinLr[i]);
                if (lrs[i] - reduced > Eps)
                {
                    lrs[i] = reduced;
                }
            }

            cooldown = Cooldown;
            bad = 0;
        }

        return new PlateauState(best, bad, cooldown, state.LastEpoch + 1, lrs);
    }

    internal override void Observe(long step, double metric, StateStore states) =>
        states.Set(this, Next(states.Get(this), metric));

    /// <inheritdoc />
    public override void ValidateGroups(IReadOnlyList<double> baseLrs) => MinLr.CheckCount(baseLrs.Count, "min_lr");

    /// <inheritdoc />
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (Factor == 0)
        {
            yield return new ScheduleWarning("factor", "is 0: the first reduction sets the learning rate to min_lr");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["mode"] = SpecNames.Of(Mode);
        spec["factor"] = Factor;
        spec["patience"] = Patience;
        spec["threshold"] = Threshold;
        spec["threshold_mode"] = SpecNames.Of(ThresholdMode);
        spec["cooldown"] = Cooldown;
        spec["min_lr"] = MinLr.ToJson();
        spec["eps"] = Eps;
    }
}

/// <summary>
/// The saveable state of a <see cref="ReduceLROnPlateau"/>: the best metric so far, the count of bad steps, the
/// cooldown left, the number of metrics seen and the current learning rate of each group.
/// </summary>
/// <param name="Best">Best metric so far (+inf in <c>min</c> mode, -inf in <c>max</c> mode before any).</param>
/// <param name="NumBadEpochs">Consecutive steps without improvement.</param>
/// <param name="CooldownCounter">Steps of cooldown left.</param>
/// <param name="LastEpoch">Metrics seen so far.</param>
/// <param name="LearningRates">Current learning rate of each group.</param>
public sealed record PlateauState(double Best, long NumBadEpochs, long CooldownCounter, long LastEpoch, double[] LearningRates)
{
    /// <inheritdoc />
    public bool Equals(PlateauState? other) =>
        other is not null && Best.Equals(other.Best) && NumBadEpochs == other.NumBadEpochs &&
        CooldownCounter == other.CooldownCounter && LastEpoch == other.LastEpoch &&
        LearningRates.SequenceEqual(other.LearningRates);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Best, NumBadEpochs, CooldownCounter, LastEpoch, LearningRates.Length);
}
