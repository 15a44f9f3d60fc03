namespace Anneal.Training.Experiments;

/// <summary>One suggested learning rate.</summary>
/// <param name="Name"><c>valley</c>, <c>steep</c> or <c>minimum/10</c>.</param>
/// <param name="Step">The sweep step the rule picked (for <c>minimum/10</c>, the step of the minimum).</param>
/// <param name="LearningRate">The suggested learning rate (for <c>minimum/10</c>, a tenth of the learning rate at <paramref name="Step"/>).</param>
/// <param name="SmoothedLoss">The smoothed loss at <paramref name="Step"/>.</param>
public sealed record LrSuggestion(string Name, int Step, double LearningRate, double SmoothedLoss);

/// <summary>The three suggestions of an LR range test and the window of steps they were read from.</summary>
/// <param name="Valley">fastai's default: the middle of the longest valley (<see cref="LrFinderSuggestions.Valley"/>).</param>
/// <param name="Steep">The steepest descent (<see cref="LrFinderSuggestions.Steep"/>).</param>
/// <param name="Minimum">A tenth of the learning rate at the minimum (<see cref="LrFinderSuggestions.Minimum"/>).</param>
/// <param name="WindowStart">First step analysed.</param>
/// <param name="WindowEnd">One past the last step analysed.</param>
public sealed record LrSuggestions(LrSuggestion Valley, LrSuggestion Steep, LrSuggestion Minimum, int WindowStart, int WindowEnd)
{
    /// <summary>The three, in the order valley, steep, minimum/10.</summary>
    public IReadOnlyList<LrSuggestion> All => [Valley, Steep, Minimum];
}

/// <summary>
/// The analysis of an LR range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks", section 3.3;
/// fastai's <c>lr_find</c>): pure functions of the recorded learning rates and smoothed losses, the same rules as fastai's
/// <c>fastai.callback.schedule</c> (<c>valley</c>, <c>steep</c>, <c>minimum</c>) so the numbers users know carry over.
/// </summary>
public static class LrFinderSuggestions
{
    /// <summary>fastai's smoothing weight of the past (<c>Recorder(beta=0.98)</c>).</summary>
    public const double Beta = 0.98;

    /// <summary>fastai's divergence rule: stop once the smoothed loss exceeds 4 × its minimum.</summary>
    public const double DivergenceFactor = 4;

    /// <summary>fastai leaves out the last 5 recorded steps (the divergence) from the analysis.</summary>
    public const int SkipEnd = 5;

    /// <summary>The bias-corrected moving average of <paramref name="losses"/> (see <see cref="LossSmoother"/>), one value per loss.</summary>
    public static double[] Smooth(IReadOnlyList<double> losses, double beta = Beta)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var smoother = new LossSmoother(beta);
        return [.. losses.Select(smoother.Add)];
    }

    /// <summary>
    /// The step at which a sweep recording <paramref name="losses"/> stops, or null if it runs to the end: the first step
    /// whose loss is NaN or infinite (the step is not applied), or whose smoothed loss exceeds
    /// <see cref="DivergenceFactor"/> × the smallest smoothed loss so far (the step is recorded, then the sweep stops).
    /// </summary>
    public static int? StopStep(IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var smoother = new LossSmoother();
        for (var i = 0; i < losses.Count; i++)
        {
            if (!double.IsFinite(losses[i]))
            {
                return i;
            }

            smoother.Add(losses[i]);
            if (smoother.HasDiverged)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>
    /// The steps the suggestions are read from, as fastai's <c>lr_find</c>: <c>[requestedSteps / 10, recorded - 5)</c>
    /// (integer division; the first tenth of the sweep is left out, and so are the last 5 recorded steps), ended
    /// earlier at the first smoothed loss that is NaN or infinite. <c>End &lt;= Start</c> when nothing is left.
    /// </summary>
    public static (int Start, int End) Window(int requestedSteps, IReadOnlyList<double> smoothed)
    {
        ArgumentNullException.ThrowIfNull(smoothed);
        var start = requestedSteps / 10;
        var end = smoothed.Count - SkipEnd;
        for (var i = start; i < end; i++)
        {
            if (!double.IsFinite(smoothed[i]))
            {
                end = i;
                break;
            }
        }

        return (start, end);
    }

    /// <summary>
    /// The three suggestions read from the <see cref="Window"/> of a sweep of <paramref name="requestedSteps"/> steps that
    /// recorded <paramref name="learningRates"/> and <paramref name="smoothed"/> losses; null when the window holds fewer
    /// than 2 steps (the sweep diverged too early). Steps are those of the whole sweep.
    /// </summary>
    /// <exception cref="ArgumentException">The two lists differ in length.</exception>
    public static LrSuggestions? Suggest(IReadOnlyList<double> learningRates, IReadOnlyList<double> smoothed, int requestedSteps)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(smoothed);
        if (learningRates.Count != smoothed.Count)
        {
            throw new ArgumentException($"learning rates and losses must have the same length ({learningRates.Count} and {smoothed.Count})");
        }

        var (start, end) = Window(requestedSteps, smoothed);
        if (end - start < 2)
        {
            return null;
        }

        double[] lrs = [.. learningRates.Skip(start).Take(end - start)], losses = [.. smoothed.Skip(start).Take(end - start)];
        var valley = start + Valley(losses);
        var steep = start + Steep(lrs, losses);
        var minimum = start + Minimum(losses);
        return new LrSuggestions(
            new LrSuggestion("valley", valley, learningRates[valley], smoothed[valley]),
            new LrSuggestion("steep", steep, learningRates[steep], smoothed[steep]),
            new LrSuggestion("minimum/10", minimum, learningRates[minimum] / 10, smoothed[minimum]),
            start,
            end);
    }

    /// <summary>
    /// fastai's <c>valley</c> (fastai 2.4+, the default suggestion): the index about half way down the longest valley.
    /// With <c>n</c> losses <c>L</c>:
    /// <list type="number">
    /// <item><c>lds[i]</c> is the length of the longest strictly decreasing subsequence of <c>L[0..i]</c> that ends at i:
    /// <c>lds[i] = 1 + max{ lds[j] : j &lt; i, L[j] &gt; L[i] }</c>, or 1 when no earlier loss is higher.</item>
    /// <item><c>e</c> is the first index with the largest <c>lds</c>; <c>s = e - lds[e]</c> (one before the first index a
    /// contiguous run of that length would have; -1 when the losses fall all the way from index 0 to e).</item>
    /// <item>The suggestion is index <c>s + ⌊lds[e] / 3⌋ + ⌊lds[e] / 6⌋</c>: about half way from s to e.</item>
    /// </list>
    /// When no loss is below an earlier one, <c>e = s = 0</c> (fastai never moves them from their start) and the index is 0.
    /// One departure: when the index comes out as -1 (the first two losses fall and no longer decreasing run follows:
    /// <c>s = -1</c>, <c>lds[e] = 2</c>), Python's <c>lrs[-1]</c> gives fastai the <i>last</i>, highest learning rate; here it is 0,
    /// the lowest, since such a curve gives no reason to go high. O(n²), as fastai.
    /// </summary>
    /// <returns>An index into <paramref name="losses"/>.</returns>
    /// <exception cref="ArgumentException">No losses.</exception>
    public static int Valley(IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Count == 0)
        {
            throw new ArgumentException("valley needs at least one loss", nameof(losses));
        }

        var n = losses.Count;
        var lds = new int[n];
        int end = 0, longest = 1;
        for (var i = 0; i < n; i++)
        {
            lds[i] = 1;
            for (var j = 0; j < i; j++)
            {
                if (losses[i] < losses[j] && lds[j] + 1 > lds[i])
                {
                    lds[i] = lds[j] + 1;
                }
            }

            if (lds[i] > longest)
            {
                (end, longest) = (i, lds[i]);
            }
        }

        var start = end - longest;
        return Math.Max(0, start + (longest / 3) + (longest / 6));
    }

    /// <summary>
    /// fastai's <c>steep</c>: the index i of the steepest descent of the loss against log learning rate, the smallest
    /// <c>(L[i+1] - L[i]) / (ln lr[i+1] - ln lr[i])</c> (the first on ties; the left end of the steepest segment). As in
    /// fastai, when the loss never falls this is the least steep rise.
    /// </summary>
    /// <returns>An index into the lists, at most <c>Count - 2</c>.</returns>
    /// <exception cref="ArgumentException">Fewer than 2 points, lists of different lengths, or learning rates that do not increase.</exception>
    public static int Steep(IReadOnlyList<double> learningRates, IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(losses);
        if (learningRates.Count != losses.Count || losses.Count < 2)
        {
            throw new ArgumentException($"steep needs at least 2 points and as many learning rates as losses (got {learningRates.Count} and {losses.Count})");
        }

        var best = 0;
        var steepest = double.PositiveInfinity;
        for (var i = 0; i + 1 < losses.Count; i++)
        {
            var run = Math.Log(learningRates[i + 1]) - Math.Log(learningRates[i]);
            if (!(run > 0))
            {
                throw new ArgumentException($"learning rates must increase (lr[{i}] = {learningRates[i]}, lr[{i + 1}] = {learningRates[i + 1]})", nameof(learningRates));
            }

            var slope = (losses[i + 1] - losses[i]) / run;
            if (slope < steepest)
            {
                (best, steepest) = (i, slope);
            }
        }

        return best;
    }

    /// <summary>
    /// fastai's <c>minimum</c>: the index of the smallest loss (the first on ties); the suggestion is a tenth of the
    /// learning rate there, one decade before the loss stops improving.
    /// </summary>
    /// <exception cref="ArgumentException">No losses.</exception>
    public static int Minimum(IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Count == 0)
        {
            throw new ArgumentException("minimum needs at least one loss", nameof(losses));
        }

        var best = 0;
        for (var i = 1; i < losses.Count; i++)
        {
            if (losses[i] < losses[best])
            {
                best = i;
            }
        }

        return best;
    }
}
