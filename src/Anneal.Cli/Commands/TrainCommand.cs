using System.CommandLine;
using System.Globalization;
using Anneal.Cli.Reports;
using Anneal.Training;
using Anneal.Training.Runs;
using Spectre.Console;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal train</c>: trains a small GPT (Anneal.Training) on the built-in corpus or <c>--data FILE</c> under any
/// schedule and optimizer, writing a run directory; <c>--resume DIR</c> continues (or extends) one in place and
/// <c>--init-from RUN[@STEP]</c> starts a new one from another run's checkpoint. Ctrl-C finishes the current step, writes
/// a checkpoint and exits 130; a diverged run or a failed write exits 1; bad input exits 2.
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
            Description = $"The schedule: inline JSON spec, a .json file, or a preset ({string.Join(", ", SchedulePresets.Names)}) [default: {SchedulePresets.Default}]. " +
                          "With --resume: accepted when its learning rates for the steps already run equal the recorded ones.",
        };
        var lr = Double("--lr", "LR", $"Base (peak) learning rate of both parameter groups [default: {Show(d.LearningRate)}].");
        var steps = Int("--steps", "N", $"Optimizer steps; the run ends after step N-1 [default: {d.Steps}]. With --resume: the step count to end at.");
        var tokens = new Option<long?>("--tokens")
        {
            HelpName = "N",
            Description = "Token budget instead of --steps: trains ceil(N / (batch size x context x accumulation)) steps.",
        };
        var output = new Option<string>("--out") { HelpName = "DIR", Description = "The run directory, new or empty [default: runs/train-<UTC time>]." };
        var force = new Option<bool>("--force") { Description = "Write into an --out directory that is not empty (an old run there is replaced)." };
        var evalEvery = Int("--eval-every", "K", $"Evaluate on validation data every K steps [default: {d.EvalEvery}].");
        var checkpointEvery = Int("--checkpoint-every", "K", $"Write a checkpoint every K steps, 0 only at the end [default: {d.CheckpointEvery}].");
        var resume = new Option<string>("--resume") { HelpName = "DIR", Description = "Continue the run in DIR from its checkpoint (only --steps, --schedule and --device may change)." };
        var initFrom = new Option<string>("--init-from")
        {
            HelpName = "RUN[@STEP]",
            Description = "Start a new run from the weights and optimizer state of RUN's checkpoint (after STEP steps; default: its latest), " +
                          "under --schedule and --lr; steps go on from STEP.",
        };

        var model = new ModelOptions(d);
        var device = model.Device;
        var recipe = new RecipeOptions();
        Option[] runOptions = [evalEvery, checkpointEvery, .. model.RunDefining];
        var command = new Command("train", "Train a small GPT under a schedule and optimizer; writes metrics.csv, TensorBoard events, curves.png, run.json, summary.json and a checkpoint.");
        foreach (var option in new Option[] { schedule, lr }.Concat(runOptions).Concat([steps, tokens, output, force, resume, initFrom, device]).Concat(recipe.All))
        {
            command.Options.Add(option);
        }

        var flags = new OptionFlags(command);
        command.SetAction(parse =>
        {
            string[] Given(IEnumerable<Option> options) => [.. options.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name)];
            if (parse.GetValue(resume) is { } resumeDir)
            {
                if (Given([.. runOptions, lr, output, tokens, initFrom, force, .. recipe.All]) is [var first, ..])
                {
                    throw new UsageException($"{first} cannot be given with --resume: a resumed run keeps its options (only --steps, --schedule and --device may change)");
                }

                return Execute(context, flags, Resume(resumeDir, parse.GetValue(steps), parse.GetValue(schedule), parse.GetValue(device)));
            }

            var outDir = parse.GetValue(output) ?? Path.Combine("runs", "train-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            if (parse.GetValue(tokens) is not null && parse.GetValue(steps) is not null)
            {
                throw new UsageException("--steps and --tokens cannot both be given: --tokens N trains ceil(N / (batch size x context x accumulation)) steps");
            }

            if (parse.GetValue(initFrom) is { } source)
            {
                if (Given(recipe.All) is [var recipeOption, ..])
                {
                    throw new UsageException($"{recipeOption} cannot be given with --init-from: give the new run's schedule as --schedule and --lr");
                }

                if (Given(model.RunDefining) is [var first, ..])
                {
                    throw new UsageException($"{first} cannot be given with --init-from: the new run keeps the model, data and optimizer of the checkpoint (--schedule, --lr, --steps, --eval-every, --checkpoint-every and --device may change)");
                }

                return Execute(context, flags, InitFrom(source, outDir, parse.GetValue(force), parse.GetValue(schedule), parse.GetValue(lr), parse.GetValue(steps), parse.GetValue(tokens),
                    parse.GetValue(evalEvery), parse.GetValue(checkpointEvery), parse.GetValue(device)));
            }

            var options = model.Apply(parse, d) with
            {
                LearningRate = parse.GetValue(lr) ?? d.LearningRate,
                Steps = parse.GetValue(steps) ?? d.Steps,
                EvalEvery = parse.GetValue(evalEvery) ?? d.EvalEvery,
                CheckpointEvery = parse.GetValue(checkpointEvery) ?? d.CheckpointEvery,
            };
            if (parse.GetValue(tokens) is { } t)
            {
                options = options with { Steps = StepsFor(t, options) };
            }

            string? spec;
            (options, spec) = recipe.ApplyTo(options, parse.GetValue(schedule), parse, context.Out, schedule, lr, steps, tokens);
            return Execute(context, flags, progress =>
            {
                options.Validate();
                var resolved = SchedulePresets.Resolve(spec, options.Steps, options.LearningRate, options.Optimizer);
                return Trainer.Run(options, resolved, outDir, parse.GetValue(force), progress, progress.Cancellation);
            }, options);
        });
        return command;
    }

    /// <summary>A session to run under a progress display.</summary>
    private delegate TrainingResult Session(SessionProgress progress);

    private static Session Resume(string directory, int? steps, string? schedule, string? device) => progress =>
    {
        RunSchedule? resolved = null;
        if (schedule is not null)
        {
            var run = new RunDirectory(directory);
            var header = run.HasCheckpoint ? run.ReadCheckpoint(null, out _).Header : null;
            if (header is not null)
            {
                resolved = SchedulePresets.Resolve(schedule, steps ?? header.Options.Steps, header.Options.LearningRate, header.Options.Optimizer);
            }
        }

        return Trainer.Resume(directory, new ResumeRequest { Steps = steps, Schedule = resolved, Device = device }, progress, progress.Cancellation);
    };

    private static Session InitFrom(string source, string outDir, bool force, string? schedule, double? lr, int? steps, long? tokens, int? evalEvery, int? checkpointEvery, string? device) => progress =>
    {
        var (directory, step) = ParseSource(source);
        CheckpointInfo checkpoint;
        try
        {
            checkpoint = new RunDirectory(directory).ReadCheckpoint(step, out _);
        }
        catch (TrainingInputException e)
        {
            throw e.About(TrainingOption.InitFrom);
        }

        var recorded = checkpoint.Header.Options;
        var options = recorded with
        {
            LearningRate = lr ?? recorded.LearningRate,
            Steps = steps ?? recorded.Steps,
            EvalEvery = evalEvery ?? recorded.EvalEvery,
            CheckpointEvery = checkpointEvery ?? recorded.CheckpointEvery,
            Device = device ?? recorded.Device,
        };
        if (tokens is { } t)
        {
            options = options with { Steps = StepsFor(t, options) };
        }

        options.Validate();
        var resolved = SchedulePresets.Resolve(schedule, options.Steps, options.LearningRate, options.Optimizer);
        return Trainer.InitFrom(directory, checkpoint.Header.Step, options, resolved, outDir, force, progress, progress.Cancellation);
    };

    /// <summary><c>RUN@STEP</c> or <c>RUN</c>.</summary>
    internal static (string Directory, int? Step) ParseSource(string text)
    {
        var at = text.LastIndexOf('@');
        if (at < 0 || Directory.Exists(text))
        {
            return (text, null);
        }

        return int.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? (text[..at], step)
            : throw new UsageException($"--init-from '{text}': STEP after '@' must be a whole number of steps, as in --init-from runs/x@400");
    }

    private static int StepsFor(long budget, TrainingOptions options)
    {
        if (budget <= 0)
        {
            throw new UsageException($"--tokens must be > 0 (was {budget})");
        }

        var perStep = (long)options.BatchSize * options.Context * options.GradientAccumulation;
        var budgetSteps = perStep > 0 ? (budget + perStep - 1) / perStep : 0;
        return budgetSteps > int.MaxValue ? int.MaxValue : (int)budgetSteps;
    }

    /// <summary>
    /// Runs <paramref name="session"/> under a progress display; text given as <paramref name="prepare"/>'s data is first
    /// prepared into the cache with its own progress (a bar cannot run inside another).
    /// </summary>
    private static int Execute(CliContext context, OptionFlags flags, Session session, TrainingOptions? prepare = null)
    {
        using var interruption = new Interruption();
        try
        {
            if (prepare is not null)
            {
                prepare.Validate(); // bad options are found before text is prepared
                PrepareCommand.EnsureCached(context, prepare, interruption.Token);
            }

            TrainingResult? result = null;
            if (context.OutIsTerminal)
            {
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .Start(ctx => result = session(new SessionProgress(new TrainProgress.Bar(ctx), context, flags, interruption.Token)));
            }
            else
            {
                result = session(new SessionProgress(new TrainProgress.Plain(context.Out), context, flags, interruption.Token));
            }

            return Report(context, flags, result!);
        }
        catch (TrainingInputException e)
        {
            throw new UsageException(flags.Render(e));
        }
        catch (TrainingFaultException e)
        {
            throw new FaultException(Fault(e));
        }
        catch (Anneal.TorchSharp.TorchNativeLibraryException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>A failed write in one line: the path, the cause, what is intact, and the command that continues.</summary>
    internal static string Fault(TrainingFaultException e) =>
        $"cannot write '{e.Path}': {e.Cause}; " + (e.CheckpointStep is { } step
            ? $"nothing before it is lost (the checkpoint after {step} steps is intact); fix the cause (free space, make it writable), then continue with: anneal train --resume {OptionFlags.Quote(e.RunDirectory)}"
            : "no checkpoint had been written yet; fix the cause (free space, make it writable), then start the run again");

    private static int Report(CliContext context, OptionFlags flags, TrainingResult r)
    {
        var o = context.Out;
        if (r.Status == TrainingStatus.NothingToTrain)
        {
            o.WriteLine($"{r.OutputDirectory}: {r.Message}");
            return 0;
        }

        try
        {
            RunCurvesPlot.Save(Path.Combine(r.OutputDirectory, RunDirectory.CurvesFile), r.History, r.EntropyFloor, r.UnigramBaseline);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaultException($"cannot write '{Path.Combine(r.OutputDirectory, RunDirectory.CurvesFile)}': {e.Message}; the run itself is saved (run.json, metrics.csv, summary.json, the checkpoint)");
        }

        string F(double? v) => v?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";
        var s = r.Summary;
        o.WriteLine($"validation loss: final {F(s.FinalValLoss)}, best {F(s.BestValLoss)} (at step {s.BestStep?.ToString(CultureInfo.InvariantCulture) ?? "-"}); " +
                    $"unigram baseline {F(s.UnigramNatsPerToken)}; entropy floor {F(s.EntropyFloorNatsPerToken)}; excess {F(s.ExcessLoss)} nats/token");
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{s.StepsDone} steps ({s.StepsDone - r.StartStep} this session), {s.TokensPerSecond:F0} tokens/s, {s.TrainSeconds:F1} s of training in {s.Sessions} session{(s.Sessions == 1 ? "" : "s")}; run directory: {r.OutputDirectory}"));
        switch (r.Status)
        {
            case TrainingStatus.Cancelled:
                o.WriteLine($"interrupted: checkpoint written after {s.StepsDone} steps; continue with: anneal train --resume {OptionFlags.Quote(r.OutputDirectory)}");
                return Interrupted;
            case TrainingStatus.Diverged:
                var d = r.Divergence!;
                var options = new RunDirectory(r.OutputDirectory).ReadManifest().Options;
                var remedy = d.GoodCheckpointStep is { } good
                    ? flags.Remedy(new InitFromRemedy(r.OutputDirectory, good, options.LearningRate / 2))
                    : string.Create(CultureInfo.InvariantCulture, $"start it again at a lower learning rate, e.g. --lr {options.LearningRate / 2:G3} (with --force to replace it)");
                context.Error.WriteLine($"error: {r.Message}; {remedy}");
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

    /// <summary>The progress of one session, its warnings on standard error, and its cancellation.</summary>
    private sealed class SessionProgress(ITrainingProgress inner, CliContext context, OptionFlags flags, CancellationToken cancellation) : ITrainingProgress
    {
        public CancellationToken Cancellation => cancellation;

        public void Started(RunInfo info) => inner.Started(info);

        public void Stepped(StepReport report) => inner.Stepped(report);

        public void Evaluated(int step, double validationLoss) => inner.Evaluated(step, validationLoss);

        public void CheckpointSaved(int step, string path) => inner.CheckpointSaved(step, path);

        public void Warned(TrainingWarning warning) => context.Error.WriteLine($"warning: {flags.Render(warning)}");
    }
}
