using System.CommandLine;
using System.Globalization;
using Anneal.Cli.Inputs;
using Anneal.Training;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal train --hf-args FILE.json [--steps-per-epoch N]</c> / <c>--nanogpt-config FILE.json</c>: the recipe's
/// schedule, peak learning rate and step count (<see cref="RecipeInput"/>) in place of <c>--schedule</c>, <c>--lr</c>
/// and <c>--steps</c>. The recipe's other settings (optimizer, batch, model) are not taken over; they are listed.
/// </summary>
internal sealed class TrainRecipeOptions
{
    private readonly Option<string> _hfArgs = new("--hf-args")
    {
        HelpName = "FILE.json",
        Description = "Train under a Hugging Face TrainingArguments recipe: its schedule, learning_rate and step count (instead of --schedule, --lr, --steps).",
    };

    private readonly Option<string> _nanoGpt = new("--nanogpt-config")
    {
        HelpName = "FILE.json",
        Description = "Train under nanoGPT's get_lr from its settings (learning_rate, max_iters, warmup_iters, lr_decay_iters, min_lr, decay_lr).",
    };

    private readonly Option<long?> _stepsPerEpoch = new("--steps-per-epoch")
    {
        HelpName = "N",
        Description = "Optimizer steps per epoch, for --hf-args without max_steps.",
        CustomParser = r => OptionValues.NonNegativeLong(r, "--steps-per-epoch"),
    };

    /// <summary>The options, for the command and for the --resume check.</summary>
    internal Option[] All => [_hfArgs, _nanoGpt, _stepsPerEpoch];

    /// <summary>
    /// <paramref name="options"/> with the recipe's schedule, learning rate and steps, when one is given; prints what
    /// it became. The options the recipe replaces must not be given too.
    /// </summary>
    /// <exception cref="UsageException">A replaced option is given too, or the recipe is rejected.</exception>
    internal TrainingOptions Apply(ParseResult parse, TrainingOptions options, TextWriter output, params Option[] replaced)
    {
        var recipe = RecipeInput.Read(parse.GetValue(_hfArgs), parse.GetValue(_nanoGpt), parse.GetValue(_stepsPerEpoch));
        if (recipe is null)
        {
            return options;
        }

        var name = parse.GetValue(_hfArgs) is not null ? "--hf-args" : "--nanogpt-config";
        if (replaced.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } clash)
        {
            throw new UsageException($"{clash.Name} cannot be given with {name}: the recipe sets the schedule, the learning rate and the step count");
        }

        if (recipe.TrainingSteps > int.MaxValue)
        {
            throw new UsageException($"{name}: {recipe.TrainingSteps.ToString(CultureInfo.InvariantCulture)} steps are more than anneal train runs (at most {int.MaxValue})");
        }

        RecipeInput.Describe(recipe, output);
        return options with
        {
            Schedule = ScheduleSpec.Write(recipe.Schedule),
            LearningRate = recipe.LearningRate,
            Steps = (int)recipe.TrainingSteps,
        };
    }
}
