using Anneal.Training.Laws;

namespace Anneal.Training.Experiments;

/// <summary>One schedule at one peak LR that the law predicted: its predicted and trained final validation loss.</summary>
/// <param name="Name">The schedule's name.</param>
/// <param name="LearningRate">The peak LR.</param>
/// <param name="Predicted">The law's final validation loss for the schedule, not trained.</param>
/// <param name="Trained">The mean final validation loss over the seeds at that LR, or null when a seed diverged.</param>
/// <param name="Warnings">Why the prediction may be unreliable (<see cref="FittedLaw.Warnings"/>), one sentence each.</param>
public sealed record PredictedSchedule(string Name, double LearningRate, double Predicted, double? Trained, IReadOnlyList<string> Warnings)
{
    /// <summary><c>|Predicted - Trained| / Trained</c>, or null without a trained mean.</summary>
    public double? RelativeError => Trained is { } t ? Math.Abs(Predicted - t) / t : null;
}

/// <summary>The law fitted at one peak LR of a comparison and what it predicts there.</summary>
/// <param name="LearningRate">The peak LR.</param>
/// <param name="FittedOn">The runs it was fitted on: the completed warmup-constant and warmup-cosine runs of that LR, every seed.</param>
/// <param name="Law">The fitted law, or null when it could not be fitted (<paramref name="Failure"/>).</param>
/// <param name="Failure">Why there is no law at this LR, or null.</param>
/// <param name="Predictions">Every other schedule of that LR that shares the fitted runs' warmup and optimizer, in plan order.</param>
public sealed record LawAtLearningRate(double LearningRate, IReadOnlyList<CompareRun> FittedOn, FittedLaw? Law, string? Failure, IReadOnlyList<PredictedSchedule> Predictions);

/// <summary>
/// What <c>anneal compare --predict</c> adds to a report: at each peak LR of the grid, a loss law
/// (<see cref="LawFitter.Fit(IReadOnlyList{TrainedRun}, FitOptions)"/> with <see cref="FitOptions"/>' defaults: Tissue et al.'s
/// law, lambda 0.99, validation points after a burn-in of half the run) fitted on the <c>warmup-constant</c> and
/// <c>warmup-cosine</c> runs of that LR (all seeds), and the final validation loss it predicts for every other schedule
/// that shares their warmup and optimizer, next to the trained one.
/// </summary>
/// <param name="Options">The fit's options.</param>
/// <param name="Laws">One per peak LR, in grid order.</param>
public sealed record PredictionReport(FitOptions Options, IReadOnlyList<LawAtLearningRate> Laws)
{
    /// <summary>The prediction for schedule <paramref name="name"/> at peak LR <paramref name="learningRate"/>, or null when it was not predicted there.</summary>
    public PredictedSchedule? At(string name, double? learningRate) =>
        learningRate is { } lr ? Laws.FirstOrDefault(l => l.LearningRate == lr)?.Predictions.FirstOrDefault(p => p.Name == name) : null;

    /// <summary>The predictions at each schedule's own best LR (the ones <c>results.csv</c> shows), in the order of <paramref name="ranked"/>.</summary>
    public IReadOnlyList<PredictedSchedule> AtBest(IReadOnlyList<ScheduleResult> ranked) =>
        [.. ranked.Select(s => At(s.Name, s.BestLearningRate)).OfType<PredictedSchedule>()];
}

/// <summary>Fits and applies the law of <c>anneal compare --predict</c> (<see cref="PredictionReport"/>).</summary>
public static class ComparePrediction
{
    /// <summary>The presets whose runs the law is fitted on: warmup + constant, and warmup + cosine to 10%.</summary>
    public static IReadOnlyList<string> FittedPresets { get; } = ["warmup-constant", "warmup-cosine"];

    /// <summary>The fitted presets missing from <paramref name="entries"/> (with the comparison's optimizer and weight decay): empty when <c>--predict</c> can run.</summary>
    public static IReadOnlyList<string> Missing(IReadOnlyList<CompareEntry> entries, TrainingOptions training) =>
        [.. FittedPresets.Where(p => !entries.Any(e => IsFitted(e, training, p)))];

    /// <summary>True for the entry the law is fitted on for <paramref name="preset"/>: that preset under the comparison's optimizer and weight decay (the first such entry).</summary>
    private static bool IsFitted(CompareEntry entry, TrainingOptions training, string preset) =>
        entry.Schedule == preset && SameOptimizer(entry, training);

    private static bool SameOptimizer(CompareEntry entry, TrainingOptions training) =>
        (entry.Optimizer ?? training.Optimizer) == training.Optimizer && (entry.WeightDecay ?? training.WeightDecay) == training.WeightDecay;

    /// <summary>Fits a law at each LR and predicts the schedules it can speak for; a law that cannot be fitted is recorded as a failure, not thrown.</summary>
    internal static PredictionReport Run(CompareSettings settings, IReadOnlyList<Job> jobs, IReadOnlyList<CompareRun> runs, IReadOnlyList<ScheduleResult> ranked)
    {
        var options = new FitOptions();
        var training = settings.Training;
        var fittedNames = FittedPresets.Select(p => settings.Entries.First(e => IsFitted(e, training, p)).Name).ToList();
        var laws = new List<LawAtLearningRate>();
        foreach (var lr in settings.LearningRates)
        {
            var fitting = runs.Where(r => r.LearningRate == lr && fittedNames.Contains(r.Name)).ToList();
            var completed = fitting.Where(r => r.Status == TrainingStatus.Completed).ToList();
            var absent = fittedNames.Where(n => !completed.Any(r => r.Name == n)).ToList();
            if (absent.Count > 0)
            {
                laws.Add(new LawAtLearningRate(lr, completed, null, $"{string.Join(" and ", absent)} diverged at every seed", []));
                continue;
            }

            FittedLaw law;
            try
            {
                law = LawFitter.Fit([.. completed.Select(r => TrainedRuns.Read(r.Directory, r.History))], options);
            }
            catch (Exception e) when (e is LawInputException or TrainingInputException)
            {
                laws.Add(new LawAtLearningRate(lr, completed, null, e.Message, []));
                continue;
            }

            var predictions = new List<PredictedSchedule>();
            foreach (var entry in settings.Entries.Where(e => !fittedNames.Contains(e.Name) && SameOptimizer(e, training)))
            {
                var job = jobs.First(j => j.Run.Entry.Name == entry.Name && j.Run.LearningRate == lr);
                if (job.Schedule.Schedule.NeedsMetric)
                {
                    continue; // reduce-on-plateau follows the validation losses, which a law does not know
                }

                var rates = ScheduleRates.Of(job.Schedule.Schedule, job.Options.Steps, lr, settings.Training.TokensPerStep);
                if (!SharesWarmup(law, rates, lr))
                {
                    continue;
                }

                var p = law.Predict(entry.Name, rates);
                var trained = ranked.First(s => s.Name == entry.Name).ByLearningRate.First(b => b.LearningRate == lr).Final?.Mean;
                predictions.Add(new PredictedSchedule(entry.Name, lr, p.Final, trained, p.Warnings));
            }

            laws.Add(new LawAtLearningRate(lr, completed, law, null, predictions));
        }

        return new PredictionReport(options, laws);
    }

    /// <summary>True when the schedule's first steps, up to and including the first at the peak, are the fitted warmup's (within 1e-9 of the peak).</summary>
    internal static bool SharesWarmup(FittedLaw law, IReadOnlyList<double> rates, double peak)
    {
        var w = law.WarmupSteps;
        if (rates.Count <= w || rates.Max() > peak * (1 + 1e-12))
        {
            return false;
        }

        var fittedPeak = law.Warmup[w];
        return Enumerable.Range(0, w + 1).All(i => Math.Abs((rates[i] / peak) - (law.Warmup[i] / fittedPeak)) <= 1e-9);
    }
}
