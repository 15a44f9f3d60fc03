using System.CommandLine;
using System.Globalization;
using Anneal.Training;
using Anneal.Training.Data;
using Spectre.Console;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal train</c>: trains a small GPT (Anneal.Training) on the built-in corpus or <c>--data FILE</c> under any
/// schedule and optimizer, writing a run directory; <c>--resume DIR</c> continues one. Ctrl-C finishes the current
/// step, writes a checkpoint and exits 130.
/// </summary>
/// <remarks>Building this command touches no TorchSharp type, so <c>anneal schedule</c> never loads native libraries.</remarks>
internal static class TrainCommand
{
    /// <summary>Exit code after Ctrl-C (checkpoint written), as shells report SIGINT.</summary>
    internal const int Interrupted = 130;

    internal static Command Create(CliContext context)
    {
        var d = new TrainingOptions();
        var schedule = new Option<string>("--schedule")
        {
            HelpName = "SPEC|FILE|PRESET",
            Description = $"The schedule: inline JSON spec, a .json file, or a preset ({string.Join(", ", SchedulePresets.Names)}) [default: {SchedulePresets.Default}].",
        };
        var lr = Double("--lr", "LR", $"Base (peak) learning rate of both parameter groups [default: {Show(d.LearningRate)}].");
        var steps = Int("--steps", "N", $"Optimizer steps [default: {d.Steps}].");
        var tokens = new Option<long?>("--tokens")
        {
            HelpName = "N",
            Description = "Token budget instead of --steps: trains ceil(N / (batch size x context x accumulation)) steps.",
        };
        var output = new Option<string>("--out") { HelpName = "DIR", Description = "The run directory [default: runs/train-<UTC time>]." };
        var evalEvery = Int("--eval-every", "K", $"Evaluate on validation data every K steps [default: {d.EvalEvery}].");
        var checkpointEvery = Int("--checkpoint-every", "K", $"Write a checkpoint every K steps, 0 only at the end [default: {d.CheckpointEvery}].");
        var resume = new Option<string>("--resume") { HelpName = "DIR", Description = "Continue the run in DIR from its checkpoint (only --steps and --device may change)." };

        var model = new ModelOptions(d);
        var device = model.Device;
        var recipe = new RecipeOptions();
        Option[] training = [schedule, lr, evalEvery, checkpointEvery, .. model.RunDefining, .. recipe.All];
        var command = new Command("train", "Train a small GPT under a schedule and optimizer; writes metrics.csv, TensorBoard events, curves.png, run.json, summary.json and a checkpoint.");
        foreach (var option in training.Concat([steps, tokens, output, resume, device]))
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                var changed = training.Concat([output, tokens]).FirstOrDefault(o => parse.GetResult(o) is not null);
                if (changed is not null)
                {
                    throw new UsageException($"{changed.Name} cannot be given with --resume: a resumed run keeps its options (only --steps and --device may change)");
                }

                return Execute(context, null, resumeDir, parse.GetValue(steps), parse.GetValue(device));
            }

            var options = model.Apply(parse, d) with
            {
                Schedule = parse.GetValue(schedule),
                LearningRate = parse.GetValue(lr) ?? d.LearningRate,
                Steps = parse.GetValue(steps) ?? d.Steps,
                EvalEvery = parse.GetValue(evalEvery) ?? d.EvalEvery,
                CheckpointEvery = parse.GetValue(checkpointEvery) ?? d.CheckpointEvery,
            };
            if (parse.GetValue(tokens) is { } budget)
            {
                if (parse.GetValue(steps) is not null)
                {
                    throw new UsageException("--steps and --tokens cannot both be given: --tokens N trains ceil(N / (batch size x context x accumulation)) steps");
                }

                if (budget <= 0)
                {
                    throw new UsageException($"--tokens must be > 0 (was {budget})");
                }

                var perStep = (long)options.BatchSize * options.Context * options.GradientAccumulation;
                var budgetSteps = (budget + perStep - 1) / perStep;
                options = options with { Steps = budgetSteps > int.MaxValue ? int.MaxValue : (int)budgetSteps };
            }

            options = recipe.ApplyTo(options, parse, context.Out, schedule, lr, steps, tokens);
            var outDir = parse.GetValue(output) ?? Path.Combine("runs", "train-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            return Execute(context, options, outDir, null, null);
        });
        return command;
    }

    private static int Execute(CliContext context, TrainingOptions? options, string directory, int? steps, string? device)
    {
        using var interruption = new Interruption();
        try
        {
            var result = context.OutIsTerminal
                ? RunWithProgressBar(options, directory, steps, device, interruption.Token)
                : Run(options, directory, steps, device, new PlainProgress(context.Out), interruption.Token);
            return Report(context, result);
        }
        catch (Exception e) when (e is TrainingInputException or Anneal.TorchSharp.TorchNativeLibraryException)
        {
            throw new UsageException(e.Message);
        }
    }

    private static TrainingResult Run(TrainingOptions? options, string directory, int? steps, string? device, ITrainingProgress progress, CancellationToken cancel) =>
        options is null
            ? Trainer.Resume(directory, steps, device, progress, cancel)
            : Trainer.Run(options, directory, progress, cancel);

    private static TrainingResult RunWithProgressBar(TrainingOptions? options, string directory, int? steps, string? device, CancellationToken cancel)
    {
        TrainingResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var bar = new BarProgress(ctx);
                result = Run(options, directory, steps, device, bar, cancel);
            });
        return result!;
    }

    private static int Report(CliContext context, TrainingResult r)
    {
        var o = context.Out;
        string F(double? v) => v?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";
        o.WriteLine($"validation loss: final {F(r.FinalValidationLoss)}, best {F(r.BestValidationLoss)} (after step {(r.BestStep + 1)?.ToString(CultureInfo.InvariantCulture) ?? "-"}); " +
                    $"unigram baseline {F(r.UnigramBaseline)}; entropy floor {F(r.EntropyFloor)}; excess {F(r.FinalValidationLoss - r.EntropyFloor)} nats/token");
        o.WriteLine($"{r.StepsDone} steps, {r.TokensPerSecond.ToString("F0", CultureInfo.InvariantCulture)} tokens/s, {r.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s; run directory: {r.OutputDirectory}");
        switch (r.Status)
        {
            case TrainingStatus.Cancelled:
                o.WriteLine($"interrupted: checkpoint written; continue with: anneal train --resume {r.OutputDirectory}");
                return Interrupted;
            case TrainingStatus.Diverged:
                context.Error.WriteLine($"error: {r.Message}");
                return Program.InternalError;
            default:
                return 0;
        }
    }

    internal static Option<int?> Int(string name, string helpName, string description) => new(name)
    {
        HelpName = helpName,
        Description = description,
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            r.AddError($"{name} '{text}' is not a whole number");
            return null;
        },
    };

    internal static Option<double?> Double(string name, string helpName, string description) => new(name)
    {
        HelpName = helpName,
        Description = description,
        CustomParser = r => OptionValues.FiniteDouble(r, name),
    };

    /// <summary>A default value as help text shows it.</summary>
    internal static string Show(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    private static string Line(StepReport r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"step {r.Step + 1}/{r.TotalSteps}  loss {r.Loss:F4}  lr {r.LearningRates[0]:G4}  {r.TokensPerSecond:F0} tok/s  ETA {r.Eta:hh\\:mm\\:ss}");

    private static string Header(RunInfo i) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{(i.StartStep > 0 ? $"resuming at step {i.StartStep}" : "training")}: {i.Parameters:N0} parameters, {i.TokensPerStep} tokens/step, vocabulary {i.VocabularySize}; data: {i.DataSource}; " +
            $"unigram baseline {i.UnigramBaseline:F4}{(i.EntropyFloor is { } f ? $", entropy floor {f:F4}" : "")} nats/token; schedule {i.ScheduleSpec}; out: {i.OutputDirectory}");

    /// <summary>Plain lines (not a terminal): every 10th step, every evaluation and checkpoint.</summary>
    internal sealed class PlainProgress(TextWriter output) : ITrainingProgress
    {
        public void Started(RunInfo info)
        {
            output.WriteLine(Header(info));
            output.Flush();
        }

        public void Stepped(StepReport report)
        {
            if (report.Step % 10 == 0 || report.Step == report.TotalSteps - 1)
            {
                output.WriteLine(Line(report));
                output.Flush();
            }
        }

        public void Evaluated(int step, double validationLoss) =>
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step + 1}: validation loss {validationLoss:F4}"));

        public void CheckpointSaved(int step, string path) =>
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"checkpoint at step {step}: {path}"));
    }

    /// <summary>A Spectre.Console progress bar whose description carries step, loss, LR, tokens/s and ETA.</summary>
    internal sealed class BarProgress(ProgressContext context) : ITrainingProgress
    {
        private ProgressTask? _task;

        public void Started(RunInfo info)
        {
            AnsiConsole.MarkupLine(Markup.Escape(Header(info)));
            _task = context.AddTask("starting", maxValue: info.TotalSteps);
            _task.Value = info.StartStep;
        }

        public void Stepped(StepReport report)
        {
            if (_task is null)
            {
                return;
            }

            _task.Description = Markup.Escape(Line(report));
            _task.Value = report.Step + 1;
        }

        public void Evaluated(int step, double validationLoss) =>
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"step {step + 1}: validation loss {validationLoss:F4}")));

        public void CheckpointSaved(int step, string path)
        {
        }
    }
}
