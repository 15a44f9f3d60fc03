using System.CommandLine;
using System.Globalization;
using Anneal.Cli.Inputs;
using Anneal.Training;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>--hf-args FILE.json [--steps-per-epoch N]</c> and <c>--nanogpt-config FILE.json</c>, for <c>anneal schedule</c> and
/// <c>anneal train</c>: a recipe's schedule, peak learning rate and step count (<see cref="RecipeInput"/>) in place of
/// the spec or <c>--schedule</c>, <c>--lr</c> and <c>--steps</c>.
/// </summary>
internal sealed class RecipeOptions
{
    private readonly Option<string> _hfArgs = new("--hf-args")
    {
        HelpName = "FILE.json",
        Description = "A Hugging Face TrainingArguments JSON: the schedule, learning rate and step count transformers' Trainer would use.",
    };

    private readonly Option<string> _nanoGpt = new("--nanogpt-config")
    {
        HelpName = "FILE.json",
        Description = "nanoGPT train.py settings as JSON (learning_rate, max_iters, decay_lr, warmup_iters, lr_decay_iters, min_lr): its get_lr.",
    };

    private readonly Option<long?> _stepsPerEpoch = new("--steps-per-epoch")
    {
        HelpName = "N",
        Description = "Optimizer steps per epoch, for --hf-args without max_steps (num_train_epochs x N steps).",
        CustomParser = r => OptionValues.NonNegativeLong(r, "--steps-per-epoch"),
    };

    /// <summary>The options, to add to a command (and, for train, to refuse with --resume).</summary>
    internal Option[] All => [_hfArgs, _nanoGpt, _stepsPerEpoch];

    /// <summary>The recipe given, with the name of its option; null when none is.</summary>
    /// <exception cref="UsageException">Both recipes, a stray --steps-per-epoch, an unreadable file, or a recipe the reader rejects.</exception>
    internal (ScheduleRecipe Recipe, string Option)? Read(ParseResult parse)
    {
        var hfArgs = parse.GetValue(_hfArgs);
        var recipe = RecipeInput.Read(hfArgs, parse.GetValue(_nanoGpt), parse.GetValue(_stepsPerEpoch));
        return recipe is null ? null : (recipe, hfArgs is not null ? "--hf-args" : "--nanogpt-config");
    }

    /// <summary>
    /// <c>anneal train</c>: <paramref name="options"/> and <paramref name="schedule"/> (the <c>--schedule</c> value) with the
    /// recipe's learning rate, steps and schedule spec when one is given, after printing what it became;
    /// <paramref name="replaced"/> must not be given too.
    /// </summary>
    /// <exception cref="UsageException">A replaced option is given too, or the recipe is rejected.</exception>
    internal (TrainingOptions Options, string? Schedule) ApplyTo(TrainingOptions options, string? schedule, ParseResult parse, TextWriter output, params Option[] replaced)
    {
        if (Read(parse) is not ({ } recipe, var name))
        {
            return (options, schedule);
        }

        if (replaced.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } clash)
        {
            throw new UsageException($"{clash.Name} cannot be given with {name}: the recipe sets the schedule, the learning rate and the step count");
        }

        if (recipe.TrainingSteps > int.MaxValue)
        {
            throw new UsageException($"{name}: {recipe.TrainingSteps.ToString(CultureInfo.InvariantCulture)} steps are more than anneal train runs (at most {int.MaxValue})");
        }

        RecipeInput.Describe(recipe, output);
        return (options with { LearningRate = recipe.LearningRate, Steps = (int)recipe.TrainingSteps }, ScheduleSpec.Write(recipe.Schedule));
    }
}
