using System.CommandLine;
using System.Globalization;
using Anneal.Cli.Inputs;
using Anneal.Cli.Reports;
using Anneal.Cli.Rendering;
using Anneal.Training;
using Anneal.Training.Experiments;
using Anneal.Training.Runs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal compare [SCHEDULE...]</c>: trains the same model, data, seed and budget under several schedules (the
/// default set when none is given) and writes a report directory (results.csv, plots, report.md, report.html); prints
/// the ranked table. <c>--branch-at</c> adds the warmup-stable-decay branching experiment. Running the same command
/// again continues an interrupted comparison. Ctrl-C finishes the current step, writes a checkpoint and exits 130.
/// </summary>
internal static class CompareCommand
{
    /// <summary>The report directory when <c>--out</c> is not given (fixed, so that running again resumes).</summary>
    internal const string DefaultOut = "runs/compare";

    internal static Command Create(CliContext context)
    {
        var d = CompareSettings.DefaultTraining;
        var schedules = new Argument<string[]>("schedules")
        {
            HelpName = "SCHEDULE",
            Description = $"Schedules to compare: a name ({string.Join(", ", CompareSet.Names)}), a JSON spec, or NAME=PRESET|SPEC [default: {string.Join(", ", CompareSet.Default.Select(e => e.Name))}].",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var file = new Option<string>("--schedules") { HelpName = "FILE", Description = "A file of schedules: one per line (as SCHEDULE), or a JSON array of {\"name\", \"schedule\", \"optimizer\"}." };
        var output = new Option<string>("--out") { HelpName = "DIR", Description = $"The report directory; running again with the same DIR continues an interrupted comparison [default: {DefaultOut}]." };
        var force = new Option<bool>("--force") { Description = "Write into an --out directory that holds something other than a comparison." };
        var steps = TrainCommand.Int("--steps", "N", $"Optimizer steps of every run [default: {d.Steps}].");
        var lr = TrainCommand.Double("--lr", "LR", $"Peak learning rate of every schedule [default: {TrainCommand.Show(d.LearningRate)}].");
        var evalEvery = TrainCommand.Int("--eval-every", "K", $"Evaluate every K steps [default: {d.EvalEvery}].");
        var evalBatches = TrainCommand.Int("--eval-batches", "N", $"Validation batches per evaluation [default: {d.EvalBatches}].");
        var checkpointEvery = TrainCommand.Int("--checkpoint-every", "K", $"Checkpoint every K steps, 0 only at the end [default: {d.CheckpointEvery}].");
        var corpusChars = TrainCommand.Int("--corpus-chars", "N", $"Characters of built-in corpus [default: {d.CorpusCharacters}].");
        var target = TrainCommand.Double("--target", "LOSS", "Target validation loss for 'tokens to target' [default: the median final validation loss of the runs].");
        var branchAt = new Option<string>("--branch-at")
        {
            HelpName = "F,F,...",
            Description = "Also run warmup-stable-decay branching: one stable run, and a cooldown branched off it for each budget fraction of --steps (e.g. 0.25,0.5,1).",
        };
        var decayFraction = TrainCommand.Double("--decay-fraction", "F", "Cooldown share of each branched budget [default: 0.2].");

        var model = new ModelOptions(d);
        var command = new Command("compare", "Train the same model, data, seed and budget under several schedules and write a ranked report: results.csv, plots, report.md and a self-contained report.html.")
        {
            schedules, file, output, force, steps, lr, evalEvery, evalBatches, checkpointEvery, corpusChars, target, branchAt, decayFraction,
        };
        foreach (var option in model.All)
        {
            command.Options.Add(option);
        }

        var flags = new OptionFlags(command);
        command.SetAction(parse =>
        {
            var entries = new List<CompareEntry>();
            try
            {
                if (parse.GetValue(file) is { } path)
                {
                    entries.AddRange(CompareSet.ReadFile(path));
                }

                entries.AddRange((parse.GetValue(schedules) ?? []).Select(CompareSet.Parse));
            }
            catch (TrainingInputException e)
            {
                throw new UsageException(flags.Render(e));
            }

            var training = model.Apply(parse, d) with
            {
                Steps = parse.GetValue(steps) ?? d.Steps,
                LearningRate = parse.GetValue(lr) ?? d.LearningRate,
                EvalEvery = parse.GetValue(evalEvery) ?? d.EvalEvery,
                EvalBatches = parse.GetValue(evalBatches) ?? d.EvalBatches,
                CheckpointEvery = parse.GetValue(checkpointEvery) ?? d.CheckpointEvery,
                CorpusCharacters = parse.GetValue(corpusChars) ?? d.CorpusCharacters,
            };
            BranchingOptions? branching = null;
            if (parse.GetValue(branchAt) is { } fractions)
            {
                branching = new BranchingOptions
                {
                    Fractions = Numbers.ParseList(fractions, "--branch-at", "0.25,0.5,1"),
                    DecayFraction = parse.GetValue(decayFraction) ?? new BranchingOptions().DecayFraction,
                };
            }
            else if (parse.GetResult(decayFraction) is not null)
            {
                throw new UsageException("--decay-fraction needs --branch-at");
            }

            var options = new CompareSettings
            {
                Training = training,
                Entries = entries.Count > 0 ? entries : CompareSet.Default,
                Target = parse.GetValue(target),
                Branching = branching,
                CommandLine = "anneal " + string.Join(' ', parse.Tokens.Select(t => Quote(t.Value))),
            };
            return Execute(context, flags, options, parse.GetValue(output) ?? DefaultOut, parse.GetValue(force));
        });
        return command;
    }

    private static int Execute(CliContext context, OptionFlags flags, CompareSettings options, string directory, bool force)
    {
        using var interruption = new Interruption();
        try
        {
            PrepareCommand.EnsureCached(context, options.Training, interruption.Token);
            CompareReport report;
            if (context.OutIsTerminal)
            {
                report = null!;
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .Start(ctx => report = Compare.Run(options, directory, force, new BarProgress(ctx, context, flags), interruption.Token));
            }
            else
            {
                report = Compare.Run(options, directory, force, new PlainProgress(context, flags), interruption.Token);
            }

            if (report.Interrupted)
            {
                context.Out.WriteLine($"interrupted: every finished run and the current run's checkpoint are kept; run the same command again (--out {directory}) to continue");
                return TrainCommand.Interrupted;
            }

            WriteReport(report, directory);
            Print(context, report, directory);
            return 0;
        }
        catch (TrainingInputException e)
        {
            throw new UsageException(flags.Render(e));
        }
        catch (TrainingFaultException e)
        {
            throw new FaultException($"cannot write '{e.Path}': {e.Cause}; every finished run and the last checkpoint of the current one are intact; fix the cause, then run the same command again to continue");
        }
        catch (Anneal.TorchSharp.TorchNativeLibraryException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The report files, and each run's <c>curves.png</c> where it is missing or older than its metrics.</summary>
    private static void WriteReport(CompareReport report, string directory)
    {
        try
        {
            foreach (var run in report.Runs)
            {
                var curves = Path.Combine(run.Directory, RunDirectory.CurvesFile);
                if (!File.Exists(curves) || File.GetLastWriteTimeUtc(curves) < File.GetLastWriteTimeUtc(Path.Combine(run.Directory, RunDirectory.MetricsFile)))
                {
                    RunCurvesPlot.Save(curves, run.History, report.EntropyFloor, report.UnigramBaseline);
                }
            }

            CompareReportWriter.Write(report, directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaultException($"cannot write the report in '{directory}': {e.Message}; every run is saved: run the same command again to write it");
        }
    }

    /// <summary>The ranked table (Spectre.Console; Markdown borders and no colors when not a terminal) and the conclusion.</summary>
    internal static void Print(CliContext context, CompareReport report, string directory)
    {
        var console = TableRenderer.CreateConsole(context);
        if (!context.OutIsTerminal)
        {
            console.Profile.Width = 200; // plain text: one line per run, never wrapped headers
        }

        var table = new Table { Border = context.OutIsTerminal ? TableBorder.Rounded : TableBorder.Markdown };
        foreach (var column in CompareTable.Columns)
        {
            table.AddColumn(column.Numeric ? new TableColumn(column.Header).RightAligned() : new TableColumn(column.Header).NoWrap());
        }

        foreach (var cells in CompareTable.Rows(report))
        {
            table.AddRow([.. cells.Select(c => (IRenderable)new Text(c))]);
        }

        console.Write(table);
        var o = context.Out;
        if (report.Target is { } t)
        {
            o.WriteLine($"tokens to target: first evaluation at or below {F4(t)} ({report.TargetRule}); spike: largest rise of the validation loss above its earlier minimum");
        }

        o.WriteLine(report.Conclusion);
        if (report.Branching is { } branching)
        {
            foreach (var b in branching.Branches)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"branch {b.Budget.Fraction:0.###}: {b.Budget.Budget} steps, cooldown from step {b.Budget.BranchStep}, final validation loss {(b.FinalValidationLoss is { } v ? F4(v) : "diverged")}"));
            }

            o.WriteLine(CompareReportWriter.BranchingSentence(branching));
        }

        o.WriteLine($"report: {Path.Combine(directory, "report.html")} (also report.md, results.csv, val_loss.png, lr.png); runs in {Path.Combine(directory, "runs")}");
    }

    private static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Quote(string token) =>
        token.Length > 0 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ',' or '=' or ':') ? token : "'" + token.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Line(string name, StepReport r) => $"{name}: {TrainProgress.Line(r)}";

    private static string Outcome(TrainingResult r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{CompareTable.StatusName(r.Status)}, final validation loss {(r.FinalValidationLoss is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-")}, {r.Elapsed.TotalSeconds:F0} s{(r.Status == TrainingStatus.Diverged ? ": " + r.Message : "")}");

    /// <summary>Plain lines: one when each run starts and ends, and the trainer's every 50th step.</summary>
    private sealed class PlainProgress(CliContext context, OptionFlags flags) : ICompareProgress
    {
        private readonly TextWriter output = context.Out;
        private int _count;

        public void Planned(IReadOnlyList<PlannedRun> runs)
        {
            _count = runs.Count;
            foreach (var run in runs.Where(r => r.Done))
            {
                output.WriteLine($"[{run.Index + 1}/{_count}] {run.Name}: finished earlier, skipped ({run.Directory})");
            }

            output.Flush();
        }

        public ITrainingProgress Starting(PlannedRun run)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{run.Index + 1}/{_count}] {run.Name}: {(run.StartStep > 0 ? $"resuming at step {run.StartStep}" : "training")} to step {run.TotalSteps} ({run.Directory})"));
            output.Flush();
            return new Lines(output, run.Name, context, flags);
        }

        public void Finished(PlannedRun run, TrainingResult result)
        {
            output.WriteLine($"[{run.Index + 1}/{_count}] {run.Name}: {Outcome(result)}");
            output.Flush();
        }

        private sealed class Lines(TextWriter output, string name, CliContext context, OptionFlags flags) : ITrainingProgress
        {
            public void Warned(TrainingWarning warning) => context.Error.WriteLine($"warning: {name}: {flags.Render(warning)}");

            public void Started(RunInfo info)
            {
            }

            public void Stepped(StepReport report)
            {
                if ((report.Step + 1) % 50 == 0)
                {
                    output.WriteLine("  " + Line(name, report));
                    output.Flush();
                }
            }

            public void Evaluated(int step, double validationLoss)
            {
            }

            public void CheckpointSaved(int step, string path)
            {
            }
        }
    }

    /// <summary>One Spectre.Console bar per run; the running one carries step, loss, LR, tokens/s and ETA.</summary>
    private sealed class BarProgress(ProgressContext context, CliContext cli, OptionFlags flags) : ICompareProgress
    {
        private readonly Dictionary<int, ProgressTask> _tasks = [];

        public void Planned(IReadOnlyList<PlannedRun> runs)
        {
            foreach (var run in runs)
            {
                var task = context.AddTask(Markup.Escape(run.Done ? $"{run.Name}: finished earlier" : $"{run.Name}: waiting"), autoStart: false, maxValue: run.TotalSteps);
                task.Value = run.StartStep;
                _tasks[run.Index] = task;
            }
        }

        public ITrainingProgress Starting(PlannedRun run)
        {
            var task = _tasks[run.Index];
            task.StartTask();
            return new Bar(task, run.Name, cli, flags);
        }

        public void Finished(PlannedRun run, TrainingResult result)
        {
            var task = _tasks[run.Index];
            task.Description = Markup.Escape($"{run.Name}: {Outcome(result)}");
            if (result.Status != TrainingStatus.Cancelled && result.StepsDone >= run.TotalSteps)
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }

        private sealed class Bar(ProgressTask task, string name, CliContext cli, OptionFlags flags) : ITrainingProgress
        {
            public void Warned(TrainingWarning warning) => cli.Error.WriteLine($"warning: {name}: {flags.Render(warning)}");

            public void Started(RunInfo info) => task.Value = info.StartStep;

            public void Stepped(StepReport report)
            {
                task.Description = Markup.Escape(Line(name, report));
                task.Value = report.Step + 1;
            }

            public void Evaluated(int step, double validationLoss)
            {
            }

            public void CheckpointSaved(int step, string path)
            {
            }
        }
    }
}
