using System.Globalization;

namespace Anneal.Cli.Inputs;

/// <summary>
/// <c>--hf-args FILE.json [--steps-per-epoch N]</c> and <c>--nanogpt-config FILE.json</c>: a training recipe read by the
/// core's <see cref="ScheduleSpec.FromHuggingFaceArgs"/> / <see cref="ScheduleSpec.FromNanoGptConfig"/>, with errors
/// that name the option and the file.
/// </summary>
internal static class RecipeInput
{
    /// <summary>The recipe the options name, or null when neither is given.</summary>
    /// <exception cref="UsageException">Both recipes, a stray --steps-per-epoch, an unreadable file, or a recipe the reader rejects.</exception>
    internal static ScheduleRecipe? Read(string? hfArgs, string? nanoGptConfig, long? stepsPerEpoch)
    {
        if (hfArgs is not null && nanoGptConfig is not null)
        {
            throw new UsageException("--hf-args and --nanogpt-config are two recipes; give one");
        }

        if (stepsPerEpoch is not null && hfArgs is null)
        {
            throw new UsageException("--steps-per-epoch turns --hf-args' num_train_epochs into steps; it needs --hf-args FILE.json");
        }

        if (hfArgs is not null)
        {
            var text = InputFiles.ReadText(hfArgs, "--hf-args file");
            try
            {
                return ScheduleSpec.FromHuggingFaceArgs(text, stepsPerEpoch);
            }
            catch (ScheduleArgumentException e) when (e.Parameter == "steps_per_epoch")
            {
                throw new UsageException(stepsPerEpoch is null
                    ? $"--hf-args {hfArgs}: max_steps is not set, so the step count is num_train_epochs x steps per epoch: pass --steps-per-epoch N (optimizer steps per epoch), or set max_steps in the file"
                    : $"--steps-per-epoch {e.Rule}");
            }
            catch (ScheduleArgumentException e)
            {
                throw new UsageException($"--hf-args {hfArgs}: {e.Message}");
            }
        }

        if (nanoGptConfig is not null)
        {
            var text = InputFiles.ReadText(nanoGptConfig, "--nanogpt-config file");
            try
            {
                return ScheduleSpec.FromNanoGptConfig(text);
            }
            catch (ScheduleArgumentException e)
            {
                throw new UsageException($"--nanogpt-config {nanoGptConfig}: {e.Message}");
            }
        }

        return null;
    }

    /// <summary>What the recipe became, for <c>--verbose</c>: the numbers, the spec, the rules applied and the ignored keys.</summary>
    internal static void Describe(ScheduleRecipe recipe, TextWriter writer)
    {
        var source = recipe.Source == RecipeSource.HuggingFace ? "Hugging Face TrainingArguments" : "nanoGPT config";
        writer.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"recipe ({source}): learning rate {recipe.LearningRate:R}, {recipe.TrainingSteps} steps, {recipe.WarmupSteps} warmup steps"));
        writer.WriteLine($"schedule: {SpecText(recipe.Schedule)}");
        foreach (var note in recipe.Notes)
        {
            writer.WriteLine($"note: {note}");
        }

        writer.WriteLine(recipe.IgnoredKeys.Count == 0
            ? "ignored: nothing (every key sets the schedule)"
            : $"ignored (they do not change the schedule): {string.Join(", ", recipe.IgnoredKeys)}");
    }

    private static string SpecText(Schedule schedule)
    {
        try
        {
            return ScheduleSpec.Write(schedule);
        }
        catch (NotSupportedException)
        {
            return schedule.TypeName;
        }
    }
}
