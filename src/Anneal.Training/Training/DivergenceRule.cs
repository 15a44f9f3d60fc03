using System.Globalization;
using Anneal.Training.Runs;

namespace Anneal.Training;

/// <summary>
/// When a run has diverged, and which checkpoints are healthy. A step's training loss L diverges when it is NaN or
/// infinite, or when it explodes: <c>L &gt; max(L0, k · S_min)</c>, with L0 the loss of the run's first step (the
/// untrained model's, about ln V), S_min the lowest smoothed loss so far (bias-corrected EMA, β = 0.9, as fastai's
/// <c>AvgSmoothLoss</c>) and k = 2. Above L0 the model has lost everything it learned; the factor k keeps the noisy
/// first steps, when S_min is still near L0, from counting as an explosion. The diverged step is not applied.
/// </summary>
/// <remarks>
/// A checkpoint is healthy when the smoothed loss at the time is at most <see cref="HealthyFactor"/> × S_min and
/// below L0: a checkpoint taken while the loss was already climbing away from its best is not offered as the one to
/// restart from. Measured on the 265 committed runs of <c>docs/reports</c> that start from scratch (119,040 steps of 11
/// schedules at peak LRs up to 3e-2 on two corpora): no step's loss came above 0.84 of the threshold, and every one of
/// their 1,191 checkpoints was taken while healthy, so ordinary training never trips either rule
/// (<c>DivergenceTests.TheRuleNeverFiresOnTheCommittedRunsAndTheirCheckpointsWouldAllBeHealthy</c>).
/// </remarks>
public sealed class DivergenceRule
{
    /// <summary>k: a loss above k times the best smoothed loss (and above the initial loss) has exploded.</summary>
    public const double Factor = 2.0;

    /// <summary>β of the smoothed loss.</summary>
    public const double Beta = 0.9;

    /// <summary>A checkpoint is healthy while the smoothed loss is at most this multiple of its minimum.</summary>
    public const double HealthyFactor = 1.25;

    private readonly LossSmoother _smoother = new(Beta, Factor);

    /// <summary>A rule that has seen no step.</summary>
    public DivergenceRule()
    {
    }

    /// <summary>A rule continuing from a saved <paramref name="state"/>.</summary>
    public DivergenceRule(DivergenceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        InitialLoss = state.InitialLoss;
        _smoother.Restore(state.SmoothedAverage, state.SmoothedCount, state.BestSmoothed);
    }

    /// <summary>L0: the loss of the run's first step, or null before it.</summary>
    public double? InitialLoss { get; private set; }

    /// <summary>The loss above which a step explodes, <c>max(L0, k · S_min)</c>, or null before the first step.</summary>
    public double? Threshold => InitialLoss is { } l0 ? Math.Max(l0, Factor * _smoother.Minimum) : null;

    /// <summary>The current smoothed loss (NaN before the first step).</summary>
    public double SmoothedLoss => _smoother.Value;

    /// <summary>True when a checkpoint now would be healthy (see the remarks).</summary>
    public bool Healthy => _smoother.Count == 0 || (_smoother.Value <= HealthyFactor * _smoother.Minimum && !(_smoother.Value > InitialLoss));

    /// <summary>The state to save in a checkpoint.</summary>
    public DivergenceState State
    {
        get
        {
            var (average, count, minimum) = _smoother.State;
            return new DivergenceState(InitialLoss, average, count, minimum);
        }
    }

    /// <summary>True when <paramref name="loss"/> diverges (it is then not added).</summary>
    public bool Diverges(double loss) => !double.IsFinite(loss) || loss > Threshold;

    /// <summary>Adds the loss of an applied step.</summary>
    public void Add(double loss)
    {
        InitialLoss ??= loss;
        _smoother.Add(loss);
    }

    /// <summary>The rule in words, with its current numbers, for a divergence message.</summary>
    public string Explain(double loss) => !double.IsFinite(loss) || Threshold is not { } t
        ? $"the training loss became {loss.ToString(CultureInfo.InvariantCulture)}"
        : string.Create(CultureInfo.InvariantCulture,
            $"the training loss exploded to {loss:G6}, above max(initial loss {InitialLoss:F4}, {Factor:G} x best smoothed loss {_smoother.Minimum:F4}) = {t:F4}");
}
