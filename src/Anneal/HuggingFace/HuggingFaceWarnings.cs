namespace Anneal;

/// <summary>The warnings shared by Hugging Face's schedules.</summary>
internal static class HuggingFaceWarnings
{
    /// <summary>The warning when the warmup is as long as training or longer (<paramref name="effect"/>: what then happens).</summary>
    internal static IEnumerable<ScheduleWarning> WarmupNotShorter(long numWarmupSteps, long numTrainingSteps, string effect)
    {
        if (numWarmupSteps >= numTrainingSteps)
        {
            yield return new ScheduleWarning(
                "num_warmup_steps",
                $"({numWarmupSteps}) >= num_training_steps ({numTrainingSteps}): the decay ends before the warmup does; {effect} (Hugging Face's formula)");
        }
    }

    /// <summary>
    /// A cosine's warnings: a warmup not shorter than training (the wave then jumps every step, <paramref name="between"/>
    /// naming its two ends), and zero cycles.
    /// </summary>
    internal static IEnumerable<ScheduleWarning> Cosine(long numWarmupSteps, long numTrainingSteps, double numCycles, string between) =>
        WarmupNotShorter(
                numWarmupSteps,
                numTrainingSteps,
                $"from step {numWarmupSteps} the cosine's progress grows by 1 per step (it divides by max(1, num_training_steps - num_warmup_steps) = 1), so the learning rate jumps every step ({between} for num_cycles 0.5)")
            .Concat(ZeroCycles(numCycles, $"the learning rate is base_lr from step {numWarmupSteps} on"));

    /// <summary>The warning for <c>num_cycles = 0</c> (<paramref name="effect"/>: what the learning rate does).</summary>
    internal static IEnumerable<ScheduleWarning> ZeroCycles(double numCycles, string effect)
    {
        if (numCycles == 0)
        {
            yield return new ScheduleWarning("num_cycles", $"is 0: the cosine never leaves its peak, so {effect} (Hugging Face's formula)");
        }
    }
}
