using System.Globalization;

namespace Anneal.Training.Laws;

/// <summary>How well a fitted law follows one of the runs it was fitted to.</summary>
public sealed record FitSource
{
    /// <summary>The run (its directory as given).</summary>
    public required string Name { get; init; }

    /// <summary>The run's optimizer steps.</summary>
    public required int Steps { get; init; }

    /// <summary>The run's largest learning rate.</summary>
    public required double PeakLr { get; init; }

    /// <summary>The run's warmup: steps before its first step at the peak.</summary>
    public required int WarmupSteps { get; init; }

    /// <summary>Points fitted (after the burn-in).</summary>
    public required int Points { get; init; }

    /// <summary>Mean of <c>|fitted - observed| / observed</c> over the fitted points.</summary>
    public required double MeanRelativeError { get; init; }

    /// <summary>Largest <c>|fitted - observed| / observed</c> over the fitted points.</summary>
    public required double MaxRelativeError { get; init; }

    /// <summary>The observed loss after the last step, when observed.</summary>
    public double? FinalObserved { get; init; }

    /// <summary>The law's loss after the last step.</summary>
    public required double FinalFitted { get; init; }

    /// <summary>The run's seed, when known.</summary>
    public int? Seed { get; init; }
}

/// <summary>A law's prediction for one schedule.</summary>
/// <param name="Name">The schedule's name.</param>
/// <param name="LearningRates">Its learning rate at every step.</param>
/// <param name="Curve">The predicted loss after 1 .. N steps (element n - 1 after n steps).</param>
/// <param name="Warnings">Why the prediction may be unreliable (empty when the law can speak for the schedule).</param>
public sealed record Prediction(string Name, IReadOnlyList<double> LearningRates, IReadOnlyList<double> Curve, IReadOnlyList<string> Warnings)
{
    /// <summary>The predicted loss after the last step.</summary>
    public double Final => Curve[^1];
}

/// <summary>
/// A law fitted to runs, with what it needs to predict and to know where it cannot speak: the learning-rate unit (the
/// runs' peak), the warmup the runs shared, the longest run. Written to and read from <c>law.json</c> by <see cref="LawFile"/>.
/// </summary>
public sealed record FittedLaw
{
    /// <summary>Predictions further than this many times the longest fitted run get a warning.</summary>
    public const double ExtrapolationFactor = 2.0;

    /// <summary>The law with its fitted parameters (learning rates in units of <see cref="LrUnit"/>).</summary>
    public required LossLaw Law { get; init; }

    /// <summary>The largest learning rate of the fitted runs.</summary>
    public required double PeakLr { get; init; }

    /// <summary>The learning rate that is one unit of the law's sums: <see cref="PeakLr"/> (or 1, raw units).</summary>
    public required double LrUnit { get; init; }

    /// <summary>How the warmup enters the forward area.</summary>
    public required WarmupArea WarmupArea { get; init; }

    /// <summary>The fitted runs' warmup, steps 0 .. W (the first step at the peak), in units of <see cref="PeakLr"/>.</summary>
    public required IReadOnlyList<double> Warmup { get; init; }

    /// <summary>Optimizer steps of the longest fitted run.</summary>
    public required int FittedSteps { get; init; }

    /// <summary>The options of the fit.</summary>
    public required FitOptions Options { get; init; }

    /// <summary>The runs the law was fitted to, with the fit's error on each.</summary>
    public required IReadOnlyList<FitSource> Sources { get; init; }

    /// <summary>The fit's objective at its minimum (Huber loss of the log residuals, per point, over the Huber delta).</summary>
    public double Objective { get; init; }

    /// <summary>Tokens per optimizer step of the fitted runs (0 when unknown), for schedules counted in tokens.</summary>
    public long TokensPerStep { get; init; }

    /// <summary>The fitted runs' training options (the first run's), so that a schedule can be trained like them.</summary>
    public TrainingOptions? TrainingOptions { get; init; }

    /// <summary>Steps beyond which predictions get a warning: <see cref="ExtrapolationFactor"/> x <see cref="FittedSteps"/>.</summary>
    public int ExtrapolationLimit => (int)Math.Round(ExtrapolationFactor * FittedSteps);

    /// <summary>Steps of the fitted warmup (its first step at the peak).</summary>
    public int WarmupSteps => Warmup.Count - 1;

    /// <summary>The law's sums of a schedule given as absolute learning rates, one per step.</summary>
    public LrSums Sums(IReadOnlyList<double> learningRates) => new(learningRates, LrUnit, WarmupArea);

    /// <summary>The predicted loss after 1 .. N steps of the schedule (element n - 1 after n steps).</summary>
    public double[] Curve(IReadOnlyList<double> learningRates) => Law.Curve(Sums(learningRates));

    /// <summary>The predicted loss after all steps of the schedule.</summary>
    public double Final(IReadOnlyList<double> learningRates) => Law.Loss(Sums(learningRates), learningRates.Count);

    /// <summary>
    /// The predicted loss curve of <paramref name="schedule"/> over <paramref name="steps"/> steps at base learning rate
    /// <paramref name="baseLr"/> (null: the fitted peak), with the warnings that apply: what a comparison calls to put a
    /// predicted loss next to a trained one.
    /// </summary>
    /// <exception cref="LawInputException">The schedule follows validation losses (reduce-on-plateau) or is invalid.</exception>
    public Prediction Predict(string name, Schedule schedule, int steps, double? baseLr = null)
    {
        var rates = ScheduleRates.Of(schedule, steps, baseLr ?? PeakLr, TokensPerStep);
        return Predict(name, rates);
    }

    /// <summary>The predicted loss curve of a schedule given as its learning rate at every step.</summary>
    public Prediction Predict(string name, IReadOnlyList<double> learningRates) =>
        new(name, learningRates, Curve(learningRates), Warnings(learningRates));

    /// <summary>
    /// Why a prediction for this schedule is unreliable, one sentence each (empty when the law can speak for it): a
    /// warmup other than the fitted runs', a peak above theirs, a rate that rises again after the warmup, or more steps
    /// than <see cref="ExtrapolationLimit"/>.
    /// </summary>
    public IReadOnlyList<string> Warnings(IReadOnlyList<double> learningRates)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        var warnings = new List<string>();
        // The warmup's shape is compared in fractions of each one's own peak: a higher peak is its own warning.
        var max = learningRates.Max();
        var u = learningRates.Select(lr => max > 0 ? lr / max : 0).ToArray();
        var w = WarmupSteps;
        var fittedPeak = Warmup[w];
        var sameWarmup = u.Length > w && Enumerable.Range(0, w + 1).All(i => Math.Abs(u[i] - Warmup[i] / fittedPeak) <= 1e-6);
        var peakIndex = Array.IndexOf(u, 1.0);
        if (!sameWarmup || peakIndex != w)
        {
            warnings.Add($"its warmup ({DescribeWarmup(u)}) is not the fitted runs' ({DescribeWarmup(Warmup)}): the law was fitted on that warmup only");
        }

        if (max > PeakLr * (1 + 1e-9))
        {
            warnings.Add($"its peak learning rate {F(max)} is above the fitted runs' peak {F(PeakLr)}: the law was fitted at or below that peak");
        }

        for (var k = peakIndex + 1; k < u.Length; k++)
        {
            if (u[k] > u[k - 1] * (1 + 1e-9) + 1e-12)
            {
                warnings.Add($"its learning rate rises again after the warmup (at step {k}): both laws describe schedules that only decay after the warmup");
                break;
            }
        }

        var final = Final(learningRates);
        if (!(final > 0) || !double.IsFinite(final))
        {
            warnings.Add($"the law predicts a final loss of {F(final)}: the fit is degenerate for this schedule (refit with more runs, a later --burn-in or --fix)");
        }

        if (learningRates.Count > ExtrapolationLimit)
        {
            warnings.Add($"{learningRates.Count} steps is more than {F(ExtrapolationFactor)}x the longest fitted run ({FittedSteps} steps): the law was not checked that far");
        }

        return warnings;
    }

    private static string DescribeWarmup(IReadOnlyList<double> u)
    {
        var peak = u.Max();
        var w = 0;
        while (u[w] < peak * (1 - 1e-12))
        {
            w++;
        }

        return w == 0 ? "none, it starts at its peak" : $"{w} steps from {F(u[0] / peak)} to the peak";
    }

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
