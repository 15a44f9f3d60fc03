using System.Globalization;

namespace Anneal.Training.Experiments;

/// <summary>
/// One run of a comparison: a schedule at one peak learning rate and one seed, trained into
/// <c>runs/NAME/lr-LR/seed-SEED/</c> of the report directory.
/// </summary>
/// <param name="Index">Its place in the plan (<see cref="SweepPlan.Runs"/>), which fixes its shard.</param>
/// <param name="Entry">The schedule.</param>
/// <param name="LearningRate">The peak learning rate (the optimizer's base LR; one-cycle's <c>max_lr</c>).</param>
/// <param name="Seed">The seed: the same initial weights and batches for every schedule.</param>
public sealed record SweepRun(int Index, CompareEntry Entry, double LearningRate, int Seed)
{
    /// <summary>The run directory relative to the report directory, with <c>/</c>: <c>runs/cosine/lr-0.003/seed-1337</c>.</summary>
    public string RelativeDirectory => $"{CompareDirectory.RunsFolder}/{Entry.Name}/lr-{LrText(LearningRate)}/seed-{Seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>How progress lines name it: <c>cosine lr 0.003 seed 1337</c>.</summary>
    public string Label => $"{Entry.Name} lr {LrText(LearningRate)} seed {Seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The shortest round-trip text of a learning rate, lower-case exponent: <c>0.003</c>, <c>1e-05</c>.</summary>
    public static string LrText(double lr) => lr.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');

    /// <summary>The run's options: the comparison's, with this LR and seed, and the entry's optimizer and weight decay where it sets them.</summary>
    public TrainingOptions Options(TrainingOptions training)
    {
        ArgumentNullException.ThrowIfNull(training);
        return training with
        {
            LearningRate = LearningRate,
            Seed = Seed,
            Optimizer = Entry.Optimizer ?? training.Optimizer,
            WeightDecay = Entry.WeightDecay ?? training.WeightDecay,
        };
    }
}

/// <summary>The runs of a comparison in their one fixed order.</summary>
public static class SweepPlan
{
    /// <summary>
    /// Every (schedule, peak LR, seed): schedules in the order given, then the learning rates in the order given, then the
    /// seeds; run k of this list is <see cref="SweepRun.Index"/> k.
    /// </summary>
    public static IReadOnlyList<SweepRun> Runs(IReadOnlyList<CompareEntry> entries, IReadOnlyList<double> learningRates, IReadOnlyList<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(seeds);
        var runs = new List<SweepRun>(entries.Count * learningRates.Count * seeds.Count);
        foreach (var entry in entries)
        {
            foreach (var lr in learningRates)
            {
                foreach (var seed in seeds)
                {
                    runs.Add(new SweepRun(runs.Count, entry, lr, seed));
                }
            }
        }

        return runs;
    }
}
