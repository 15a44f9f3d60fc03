namespace Anneal;

/// <summary>Where a <see cref="ScheduleRecipe"/> was read from.</summary>
public enum RecipeSource
{
    /// <summary>Hugging Face <c>transformers</c> <c>TrainingArguments</c> (<see cref="ScheduleSpec.FromHuggingFaceArgs"/>).</summary>
    HuggingFace,

    /// <summary>nanoGPT's <c>train.py</c> configuration (<see cref="ScheduleSpec.FromNanoGptConfig"/>).</summary>
    NanoGpt,
}

/// <summary>
/// A training recipe's learning-rate schedule as the recipe's own trainer computes it: the schedule (a factor of
/// <see cref="LearningRate"/>), the peak learning rate, and the number of optimizer steps the recipe takes.
/// Drive it with <c>new Scheduler(recipe.Schedule, groups)</c> over groups whose learning rate is
/// <see cref="LearningRate"/>; step k's value is the one the recipe's trainer uses for its k-th optimizer step.
/// </summary>
/// <param name="Source">Which trainer's rules were applied.</param>
/// <param name="Schedule">The schedule, relative to the base learning rate.</param>
/// <param name="LearningRate">The base (peak) learning rate: <c>learning_rate</c>.</param>
/// <param name="TrainingSteps">Optimizer steps the recipe takes (steps 0 to TrainingSteps - 1).</param>
/// <param name="WarmupSteps">Warmup steps as the trainer computes them (0 when there is none).</param>
/// <param name="IgnoredKeys">Keys of the input that do not affect the schedule and were ignored, in input order.</param>
/// <param name="Notes">How a rule of the trainer decided between keys (for example <c>max_steps</c> over epochs).</param>
public sealed record ScheduleRecipe(
    RecipeSource Source,
    Schedule Schedule,
    double LearningRate,
    long TrainingSteps,
    long WarmupSteps,
    IReadOnlyList<string> IgnoredKeys,
    IReadOnlyList<string> Notes);
