using System.CommandLine;
using Anneal.Cli.Inputs;
using Anneal.Cli.Rendering;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal schedule SPEC --steps N</c>: drives the schedule over in-memory parameter groups and prints the learning
/// rate (and cycled momentum) of every step as a table, CSV or JSON; optionally plots it and saves or resumes the
/// scheduler state.
/// </summary>
internal static class ScheduleCommand
{
    /// <summary>The most steps one run drives: every row is kept in memory for the table summary and the plot.</summary>
    internal const long MaxSteps = 10_000_000;

    /// <summary>The schedule printed when no SPEC is given: a modern LLM schedule (linear warmup, cosine to 10%).</summary>
    internal const string DefaultSpec =
        """{"type":"cosine_with_min_lr","num_warmup_steps":10,"num_training_steps":100,"min_lr_rate":0.1}""";

    /// <summary>The last step printed when <c>--steps</c> is not given.</summary>
    internal const long DefaultSteps = 100;

    private static readonly string[] Formats = ["table", "csv", "json"];

    internal static Command Create(CliContext context)
    {
        var spec = new Argument<string>("spec")
        {
            Description = "The schedule: inline JSON such as '{\"type\":\"StepLR\",\"step_size\":10}', or the path of a .json file holding it [default: linear warmup + cosine to 10%].",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => DefaultSpec,
        };
        var steps = new Option<long>("--steps")
        {
            HelpName = "N",
            Description = "The last step to print; rows are steps 0..N (row k is the value after k scheduler steps) [default: 100].",
            DefaultValueFactory = _ => DefaultSteps,
            CustomParser = r => OptionValues.NonNegativeLong(r, "--steps"),
        };
        var lr = new Option<string>("--lr")
        {
            HelpName = "LR[,LR...]",
            Description = "Base learning rate of each parameter group, comma-separated [default: 0.1].",
        };
        var momentum = new Option<double?>("--momentum")
        {
            HelpName = "M",
            Description = "SGD with this momentum [default: SGD with momentum 0].",
            CustomParser = r => OptionValues.FiniteDouble(r, "--momentum"),
        };
        var betas = new Option<string>("--betas") { HelpName = "B1,B2", Description = "Adam with these betas (a cycled momentum sets beta1)." };
        var metrics = new Option<string>("--metrics")
        {
            HelpName = "FILE",
            Description = "One number per line; line k is the metric ReduceLROnPlateau sees at step k. Needed by ReduceLROnPlateau.",
        };
        var format = new Option<string>("--format")
        {
            HelpName = string.Join('|', Formats),
            Description = "Output format: a terminal table, or every row as CSV or JSON.",
            DefaultValueFactory = _ => "table",
        };
        var plot = new Option<string>("--plot") { HelpName = "FILE.png|FILE.svg", Description = "Also write a plot of the curve(s)." };
        var stateOut = new Option<string>("--state-out") { HelpName = "FILE", Description = "Save the scheduler state after the last row (a new file; see --force)." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing --state-out file." };
        var stateIn = new Option<string>("--state-in")
        {
            HelpName = "FILE",
            Description = "Resume from a state saved by --state-out (same SPEC and --lr); rows start at its step.",
        };

        var tokensPerStep = new Option<long>("--tokens-per-step")
        {
            HelpName = "N",
            Description = "Tokens one step consumes (batch x context x accumulation), for a schedule measured in tokens ({\"type\":\"tokens\",...}).",
            CustomParser = r => OptionValues.NonNegativeLong(r, "--tokens-per-step"),
        };

        var recipe = new RecipeOptions();
        var verbose = new Option<bool>("--verbose") { Description = "With a recipe: print what it became and the keys that were ignored (to standard error)." };

        var command = new Command("schedule", Description())
        {
            spec, steps, lr, momentum, betas, metrics, format, plot, stateOut, stateIn, tokensPerStep, verbose, force,
        };
        foreach (var option in recipe.All)
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => Execute(context, new ScheduleRequest(
            parse.GetRequiredValue(spec),
            parse.GetValue(steps),
            parse.GetValue(lr),
            parse.GetValue(momentum),
            parse.GetValue(betas),
            parse.GetValue(metrics),
            parse.GetValue(format) ?? "table",
            parse.GetValue(plot),
            parse.GetValue(stateOut),
            parse.GetValue(stateIn),
            parse.GetValue(tokensPerStep),
            parse.GetResult(spec) is { Tokens.Count: > 0 },
            parse.GetResult(steps) is { Implicit: false },
            recipe.Read(parse),
            parse.GetValue(verbose),
            parse.GetValue(force))));
        return command;
    }

    private static string Description() =>
        "Print the learning rate of every step of a schedule (a JSON spec in PyTorch / Hugging Face spelling), " +
        "optionally plot it and save or resume the scheduler state. " +
        $"Types: {string.Join(", ", ScheduleSpec.TypeNames)}.";

    private static int Execute(CliContext context, ScheduleRequest request)
    {
        if (!Formats.Contains(request.Format))
        {
            throw new UsageException($"--format '{request.Format}' is not one of {string.Join(", ", Formats)}");
        }

        if (request.StateOut is { } stateOut && File.Exists(stateOut) && !request.Force)
        {
            throw new UsageException($"--state-out '{stateOut}' already exists; pass --force to overwrite it, or choose another file");
        }

        PlotRenderer.CheckPath(request.PlotPath);

        ScheduleRecipe? recipe = null;
        if (request.Recipe is ({ } given, var option))
        {
            recipe = given;
            if (request.SpecGiven)
            {
                throw new UsageException($"give SPEC or {option}, not both: the recipe is the schedule");
            }

            if (request.Lr is not null)
            {
                throw new UsageException($"{option} sets the learning rate (learning_rate = {recipe.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}); drop --lr or change the file");
            }

            request = request with { Steps = request.StepsGiven ? request.Steps : recipe.TrainingSteps };
            if (request.Verbose)
            {
                RecipeInput.Describe(recipe, context.Error);
            }
        }
        else if (request.Verbose)
        {
            throw new UsageException("--verbose describes a recipe; it needs --hf-args FILE.json or --nanogpt-config FILE.json");
        }

        if (request.Steps > MaxSteps)
        {
            throw new UsageException($"--steps {request.Steps} is more than anneal schedule can hold (at most {MaxSteps})");
        }

        var lrs = recipe is not null ? [recipe.LearningRate] : request.Lr is null ? [OptimizerGroups.DefaultLr] : Numbers.ParseList(request.Lr, "--lr", "0.1,0.01");
        var betas = request.Betas is null ? null : Numbers.ParseList(request.Betas, "--betas", "0.9,0.999");
        var groups = OptimizerGroups.Create(lrs, request.Momentum, betas);
        var schedule = recipe?.Schedule ?? SpecInput.Parse(request.Spec);
        CheckMaxStep(schedule, request.Steps, request.TokensPerStep);
        var metrics = request.MetricsPath is null ? null : MetricsFile.Read(request.MetricsPath);
        var start = request.StateIn is null ? null : StateFile.Read(request.StateIn, schedule, lrs, request.Steps);
        CheckMetrics(schedule, request, metrics, start?.Step ?? 0);

        var trace = ScheduleTrace.Run(schedule, groups, request.Steps, metrics, start, request.TokensPerStep);
        foreach (var warning in schedule.Warnings)
        {
            context.Error.WriteLine($"warning: {warning}");
        }

        var files = new OutputFiles();
        if (request.PlotPath is not null)
        {
            files.Add("--plot", request.PlotPath, PlotRenderer.Render(trace, request.PlotPath));
        }

        if (request.StateOut is not null)
        {
            files.Add("--state-out", request.StateOut, SchedulerStateJson.Write(trace.Scheduler));
        }

        files.Commit();
        switch (request.Format)
        {
            case "csv":
                CsvRenderer.Write(trace, context.Out);
                break;
            case "json":
                JsonRenderer.Write(trace, context.Out);
                break;
            default:
                TableRenderer.Write(trace, context);
                break;
        }

        return 0;
    }

    private static void CheckMaxStep(Schedule schedule, long steps, long tokensPerStep)
    {
        if (schedule.MaxStepFor(tokensPerStep) is not { } max || steps <= max)
        {
            return;
        }

        var inTokens = schedule.MaxStep != max ? $" at --tokens-per-step {tokensPerStep}" : "";
        throw new UsageException(schedule is OneCycleLR
            ? $"--steps {steps} exceeds OneCycleLR's total_steps ({max}); pass --steps {max} or less, or raise total_steps"
            : $"--steps {steps} exceeds the last step {schedule.TypeName} is defined for ({max}, set by a OneCycleLR's total_steps{inTokens}); pass --steps {max} or less");
    }

    private static void CheckMetrics(Schedule schedule, ScheduleRequest request, double[]? metrics, long start)
    {
        if (!schedule.NeedsMetric || request.Steps <= start)
        {
            return;
        }

        var who = schedule is ReduceLROnPlateau ? "ReduceLROnPlateau needs" : $"{schedule.TypeName} contains ReduceLROnPlateau, which needs";
        if (metrics is null)
        {
            throw new UsageException(
                $"{who} a metric at every step: pass --metrics FILE with one number per line ({request.Steps} lines for --steps {request.Steps})");
        }

        if (metrics.Length < request.Steps)
        {
            throw new UsageException(
                $"metrics file '{request.MetricsPath}' has {metrics.Length} lines but --steps {request.Steps} needs {request.Steps} (line k is the metric for step k)");
        }
    }

    private sealed record ScheduleRequest(
        string Spec,
        long Steps,
        string? Lr,
        double? Momentum,
        string? Betas,
        string? MetricsPath,
        string Format,
        string? PlotPath,
        string? StateOut,
        string? StateIn,
        long TokensPerStep,
        bool SpecGiven,
        bool StepsGiven,
        (ScheduleRecipe Recipe, string Option)? Recipe,
        bool Verbose,
        bool Force);
}
