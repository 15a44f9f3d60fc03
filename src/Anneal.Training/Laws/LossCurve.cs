namespace Anneal.Training.Laws;

/// <summary>
/// An observed loss: the mean loss over the states after <see cref="FirstSteps"/> .. <see cref="LastSteps"/> optimizer
/// steps (one state for a validation point, a bin of consecutive steps for averaged training losses). A law is compared
/// with it through its own mean over the same states.
/// </summary>
/// <param name="FirstSteps">Steps done at the first state (&gt;= 1).</param>
/// <param name="LastSteps">Steps done at the last state (&gt;= <paramref name="FirstSteps"/>).</param>
/// <param name="Loss">The observed mean loss (&gt; 0).</param>
public readonly record struct CurvePoint(int FirstSteps, int LastSteps, double Loss)
{
    /// <summary>A point at one state: the loss after <paramref name="steps"/> steps.</summary>
    public static CurvePoint At(int steps, double loss) => new(steps, steps, loss);
}

/// <summary>
/// A loss curve to fit a law to: the learning rate of every optimizer step of one run (absolute, as the optimizer used
/// them) and the observed points. Curves of several seeds of one schedule share the same learning rates.
/// </summary>
/// <param name="Name">The run's name, for reports.</param>
/// <param name="LearningRates">The learning rate of each optimizer step, step 0 first.</param>
/// <param name="Points">The observations, by steps done.</param>
public sealed record LossCurve(string Name, IReadOnlyList<double> LearningRates, IReadOnlyList<CurvePoint> Points)
{
    /// <summary>The largest learning rate of the run.</summary>
    public double PeakLr => LearningRates.Count == 0 ? 0 : LearningRates.Max();

    /// <summary>Checks the curve: rates finite and &gt;= 0, points inside the run with a loss &gt; 0.</summary>
    /// <exception cref="ArgumentException">What is wrong, naming the curve.</exception>
    public void Validate()
    {
        if (LearningRates.Count == 0 || !(PeakLr > 0))
        {
            throw new ArgumentException($"{Name}: the run has no step with a learning rate > 0");
        }

        foreach (var p in Points)
        {
            if (p.FirstSteps < 1 || p.LastSteps < p.FirstSteps || p.LastSteps > LearningRates.Count)
            {
                throw new ArgumentException($"{Name}: a point covers steps {p.FirstSteps}..{p.LastSteps}, outside the run's 1..{LearningRates.Count}");
            }

            if (!(p.Loss > 0) || !double.IsFinite(p.Loss))
            {
                throw new ArgumentException($"{Name}: the loss after {p.LastSteps} steps must be a finite number > 0 (was {p.Loss})");
            }
        }
    }
}
