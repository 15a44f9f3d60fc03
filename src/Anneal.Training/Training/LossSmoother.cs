using Anneal.Training.Experiments;

namespace Anneal.Training;

/// <summary>
/// A smoothed training loss, as fastai's <c>AvgSmoothLoss</c> (the LR range test's, and <see cref="DivergenceRule"/>'s): an exponential moving average with
/// bias correction, <c>avg_k = β·avg_(k-1) + (1-β)·loss_k</c> with <c>avg_0 = 0</c>, reported as
/// <c>smoothed_k = avg_k / (1 - β^k)</c> after k losses (so the first value is the first loss itself). Also tracks the
/// smallest smoothed loss, for the divergence rule.
/// </summary>
public sealed class LossSmoother
{
    private double _average;

    /// <summary>Creates an empty smoother.</summary>
    /// <param name="beta">The weight of the past, in [0, 1); fastai's 0.98 by default.</param>
    /// <param name="divergenceFactor">The sweep has diverged once the smoothed loss exceeds this multiple of its minimum (fastai: 4).</param>
    /// <exception cref="ArgumentOutOfRangeException">β outside [0, 1) or a factor not &gt; 1.</exception>
    public LossSmoother(double beta = LrFinderSuggestions.Beta, double divergenceFactor = LrFinderSuggestions.DivergenceFactor)
    {
        if (!(beta >= 0 && beta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"beta must be in [0, 1) (was {beta})");
        }

        if (!(divergenceFactor > 1) || !double.IsFinite(divergenceFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(divergenceFactor), divergenceFactor, $"divergence factor must be a finite number > 1 (was {divergenceFactor})");
        }

        Beta = beta;
        DivergenceFactor = divergenceFactor;
    }

    /// <summary>β, the weight of the past.</summary>
    public double Beta { get; }

    /// <summary>The multiple of the minimum smoothed loss above which the sweep has diverged.</summary>
    public double DivergenceFactor { get; }

    /// <summary>Losses added.</summary>
    public int Count { get; private set; }

    /// <summary>The bias-corrected smoothed loss after the last <see cref="Add"/> (NaN before the first).</summary>
    public double Value { get; private set; } = double.NaN;

    /// <summary>The smallest <see cref="Value"/> so far (+∞ before the first).</summary>
    public double Minimum { get; private set; } = double.PositiveInfinity;

    /// <summary>True when <see cref="Value"/> &gt; <see cref="DivergenceFactor"/> × <see cref="Minimum"/> (fastai's <c>stop_div</c> rule).</summary>
    public bool HasDiverged => Value > DivergenceFactor * Minimum;

    /// <summary>The state to save: the running average before bias correction, the count and the minimum.</summary>
    public (double Average, int Count, double Minimum) State => (_average, Count, Minimum);

    /// <summary>Restores a saved <see cref="State"/>: the smoother continues as if it had seen the same losses.</summary>
    public void Restore(double average, int count, double minimum)
    {
        _average = average;
        Count = count;
        Minimum = minimum;
        Value = count > 0 ? average / (1 - Math.Pow(Beta, count)) : double.NaN;
    }

    /// <summary>Adds one training loss and returns the new smoothed value.</summary>
    public double Add(double loss)
    {
        Count++;
        _average = (Beta * _average) + ((1 - Beta) * loss);
        Value = _average / (1 - Math.Pow(Beta, Count));
        if (Value < Minimum)
        {
            Minimum = Value;
        }

        return Value;
    }
}
