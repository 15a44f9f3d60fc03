using Anneal.Training.Experiments;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary>
/// The suggestion rules on synthetic curves whose answers are known (worked out by hand below, and the same as fastai's
/// <c>valley</c> / <c>steep</c> / <c>minimum</c> give on these lists in Python).
/// </summary>
public sealed class LrFinderSuggestionsTests
{
    /// <summary>The learning rates of fastai's default sweep: 100 steps from 1e-7 towards 10, log10(lr_i) = -7 + 0.08 i.</summary>
    private static readonly double[] Lrs = [.. Enumerable.Range(0, 100).Select(i => 1e-7 * Math.Pow(1e8, i / 100.0))];

    private static double[] Curve(Func<int, double> f) => [.. Enumerable.Range(0, 100).Select(f)];

    [Fact]
    public void QuadraticInLogLr()
    {
        // loss = 2 + (log10(lr) + 3)^2: minimum at lr = 1e-3 (step 50). The window is steps 10..94 (100/10, and 5 before the end).
        var loss = Curve(i => 2 + Math.Pow(0.08 * (i - 50), 2));
        var s = LrFinderSuggestions.Suggest(Lrs, loss, 100)!;

        Assert.Equal((10, 95), (s.WindowStart, s.WindowEnd));
        Assert.Equal(50, s.Minimum.Step);
        Assert.Equal(1e-4, s.Minimum.LearningRate, 1e-16);
        Assert.Equal(2.0, s.Minimum.SmoothedLoss);

        // A parabola is steepest at the left end of the window.
        Assert.Equal(10, s.Steep.Step);
        Assert.Equal(Lrs[10], s.Steep.LearningRate);

        // Valley: steps 10..50 fall (41 in a row, window index 40) -> s = 40 - 41 = -1, index -1 + 41/3 + 41/6 = 18, step 28.
        Assert.Equal(28, s.Valley.Step);
        Assert.Equal(Lrs[28], s.Valley.LearningRate);
        Assert.Equal(Math.Pow(10, -4.76), s.Valley.LearningRate, 1e-17);
    }

    [Fact]
    public void TanhDescentThenBlowUp()
    {
        // loss = 3 - tanh((log10(lr) - xs) / 0.5), with xs half way between steps 40 and 41; past step 80 a steep rise.
        var xs = -7 + (0.08 * 40.5);
        var loss = Curve(i => 3 - Math.Tanh((-7 + (0.08 * i) - xs) / 0.5) + (i > 80 ? 10 * Math.Pow(0.08 * (i - 80), 2) : 0));
        var s = LrFinderSuggestions.Suggest(Lrs, loss, 100)!;

        Assert.Equal(40, s.Steep.Step); // the segment 40 -> 41 straddles the inflection
        Assert.Equal(80, s.Minimum.Step);
        Assert.Equal(Lrs[80] / 10, s.Minimum.LearningRate);

        // Steps 10..80 fall (71 long, ending at window index 70): s = -1, index -1 + 23 + 11 = 33, step 43.
        Assert.Equal(43, s.Valley.Step);
    }

    [Fact]
    public void ValleyPrefersTheLongValleyToTheDeepShortOne()
    {
        // Steps 0-9: a deep, short dip (5.0 down to 1.4); 10-19: back up to 4.9; 20-79: a long gentle valley (4.85 down to
        // 1.9); then a rise. The longest strictly decreasing subsequence is 5.0 (0), 4.9 (19), 4.85 ... 1.9 (20-79):
        // 62 long, ending at 79 -> s = 79 - 62 = 17, index 17 + 62/3 + 62/6 = 17 + 20 + 10 = 47.
        var loss = Curve(i => i switch
        {
            < 10 => 5 - (0.4 * i),
            < 20 => 1.4 + (0.35 * (i - 9)),
            < 80 => 4.85 - (0.05 * (i - 20)),
            _ => 1.9 + (0.2 * (i - 79)),
        });

        Assert.Equal(47, LrFinderSuggestions.Valley(loss));
        Assert.Equal(9, LrFinderSuggestions.Minimum(loss)); // the minimum is in the short dip
        Assert.InRange(LrFinderSuggestions.Steep(Lrs, loss), 0, 8); // slopes of the first segment are equal up to rounding
    }

    [Fact]
    public void SmoothingIgnoresAnOutlierAndAlternatingNoise()
    {
        // A flat parabola (minimum at step 50) with +-0.3 alternating noise and one outlier 3.5 below the curve at step 20.
        var raw = Curve(i => 2 + (0.5 * Math.Pow(0.08 * (i - 50), 2)) + (i % 2 == 0 ? 0.3 : -0.3) - (i == 20 ? 3.5 : 0));
        var smoothed = LrFinderSuggestions.Smooth(raw);

        Assert.Equal(20, LrFinderSuggestions.Minimum(raw)); // the outlier
        Assert.Equal(19, LrFinderSuggestions.Steep(Lrs, raw)); // the fall into the outlier
        var s = LrFinderSuggestions.Suggest(Lrs, smoothed, 100)!;

        // The moving average (beta 0.98: a memory of about 50 steps) smooths both out; its minimum lags the true one.
        Assert.Equal(69, s.Minimum.Step);
        Assert.Equal(40, s.Valley.Step);
        Assert.Equal(69, LrFinderSuggestions.Minimum(smoothed));
    }

    [Fact]
    public void SmoothingIsTheBiasCorrectedMovingAverage()
    {
        var smoothed = LrFinderSuggestions.Smooth([4.0, 2.0, 3.0]);

        Assert.Equal(4.0, smoothed[0], 1e-15); // the first value is the first loss
        Assert.Equal(((0.98 * 0.02 * 4) + (0.02 * 2)) / (1 - (0.98 * 0.98)), smoothed[1], 1e-14);
        var avg = (0.98 * ((0.98 * 0.02 * 4) + (0.02 * 2))) + (0.02 * 3);
        Assert.Equal(avg / (1 - Math.Pow(0.98, 3)), smoothed[2], 1e-14);
        Assert.Equal(3.0, LrFinderSuggestions.Smooth([3.0, 3.0, 3.0, 3.0])[3], 1e-14);
    }

    [Fact]
    public void DivergenceStopsWhenTheSmoothedLossPassesFourTimesItsMinimum()
    {
        double[] ten = [.. Enumerable.Repeat(1.0, 10)];

        // After ten losses of 1, a loss of 100 lifts the smoothed loss to (0.98 (1 - 0.98^10) + 2) / (1 - 0.98^11) = 10.9 > 4.
        Assert.Equal(10, LrFinderSuggestions.StopStep([.. ten, 100]));
        // 30 lifts it only to 3.91; a second 30 to 6.6.
        Assert.Null(LrFinderSuggestions.StopStep([.. ten, 30]));
        Assert.Equal(11, LrFinderSuggestions.StopStep([.. ten, 30, 30]));
        // NaN or infinity stops at once, whatever the smoothed loss.
        Assert.Equal(3, LrFinderSuggestions.StopStep([1, 1, 1, double.NaN, 1]));
        Assert.Equal(2, LrFinderSuggestions.StopStep([1, 1, double.PositiveInfinity]));

        var smoother = new LossSmoother();
        foreach (var loss in ten)
        {
            smoother.Add(loss);
        }

        Assert.False(smoother.HasDiverged);
        smoother.Add(100);
        Assert.True(smoother.HasDiverged);
        Assert.Equal(1.0, smoother.Minimum, 1e-14);
    }

    [Fact]
    public void EarlyDivergenceLeavesTooFewStepsToSuggest()
    {
        // Flat at 3 for 8 steps, then 30, 300, ...: stops at step 9, so only 10 steps are recorded and the window
        // [100/10, 10 - 5) is empty.
        var loss = Curve(i => i < 8 ? 3.0 : 3 * Math.Pow(10, i - 7));
        var stop = LrFinderSuggestions.StopStep(loss);
        Assert.Equal(9, stop);
        var recorded = LrFinderSuggestions.Smooth(loss[..(stop!.Value + 1)]);
        Assert.Null(LrFinderSuggestions.Suggest(Lrs[..recorded.Length], recorded, 100));
        Assert.Equal((10, 5), LrFinderSuggestions.Window(100, recorded));
    }

    [Fact]
    public void DivergenceJustPastTheWindowStillSuggests()
    {
        // Falls slowly for 12 steps then doubles every step: stops at step 16; the window is steps 10 and 11.
        var loss = Curve(i => i < 12 ? 3 - (0.01 * i) : 3 * Math.Pow(2, i - 11));
        Assert.Equal(16, LrFinderSuggestions.StopStep(loss));
        var recorded = LrFinderSuggestions.Smooth(loss[..17]);
        var s = LrFinderSuggestions.Suggest(Lrs[..17], recorded, 100)!;

        Assert.Equal((10, 12), (s.WindowStart, s.WindowEnd));
        Assert.Equal(10, s.Steep.Step);
        Assert.Equal(11, s.Minimum.Step);
        // Two falling points: s = -1, index -1 + 0 + 0 = -1, which Python reads as the last point; here it is the first.
        Assert.Equal(10, s.Valley.Step);
    }

    [Fact]
    public void WindowEndsAtTheFirstNonFiniteSmoothedLoss()
    {
        var smoothed = Curve(i => i == 40 ? double.NaN : 3.0 - (0.001 * i));
        Assert.Equal((10, 40), LrFinderSuggestions.Window(100, smoothed));
        Assert.Equal(39, LrFinderSuggestions.Suggest(Lrs, smoothed, 100)!.Minimum.Step);
    }

    [Fact]
    public void ValleyOfShortAndFlatCurves()
    {
        Assert.Equal(0, LrFinderSuggestions.Valley([1.0, 2, 3, 4])); // never falls: fastai 0 too
        Assert.Equal(0, LrFinderSuggestions.Valley([5.0]));
        Assert.Equal(0, LrFinderSuggestions.Valley([2.0, 2, 2, 2])); // not strictly decreasing
        Assert.Equal(0, LrFinderSuggestions.Valley([2.0, 1, 3, 4])); // s = 1 - 2 = -1, index -1: fastai's lrs[-1] is the last
        Assert.Equal(2, LrFinderSuggestions.Valley([6.0, 5, 4, 3, 2, 1, 0])); // s = -1, index -1 + 7/3 + 7/6 = 2
        Assert.Equal(3, LrFinderSuggestions.Valley([9.0, 9, 6, 5, 4, 3, 2, 1, 0])); // 8 long ending at 8: s = 0, index 0 + 8/3 + 8/6 = 3
    }

    [Fact]
    public void BadArguments()
    {
        Assert.Throws<ArgumentException>(() => LrFinderSuggestions.Valley([]));
        Assert.Throws<ArgumentException>(() => LrFinderSuggestions.Minimum([]));
        Assert.Throws<ArgumentException>(() => LrFinderSuggestions.Steep([1.0], [1.0]));
        Assert.Throws<ArgumentException>(() => LrFinderSuggestions.Steep([1.0, 1.0], [1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => LrFinderSuggestions.Suggest([1.0, 2.0], [1.0], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LossSmoother(beta: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LossSmoother(divergenceFactor: 1));
    }
}
