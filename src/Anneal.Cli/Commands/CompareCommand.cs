using System.CommandLine;
using System.CommandLine.Parsing;
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
/// <c>anneal compare [SCHEDULE...]</c>: trains the same model, data and budget under several schedules (the default set
/// when none is given), each at every peak LR of <c>--lr</c> and every seed of <c>--seeds</c>, and writes a report
/// directory (runs.csv, results.csv, lr_sensitivity.csv, plots, report.md, report.html); prints the ranked table.
/// <c>--shard I/N</c> trains one shard and writes no report; <c>--slurm FILE</c> writes a Slurm driver for the sweep;
/// <c>--report-only</c> assembles without training. Running the same command again continues an interrupted comparison
/// and assembles the report from runs that are done. Ctrl-C finishes the current step, writes a checkpoint and exits 130.
/// </summary>
internal static class CompareCommand
{
    /// <summary>The report directory when <c>--out</c> is not given (fixed, so that running again resumes).</summary>
    internal const string DefaultOut = "runs/compare";

    /// <summary>Options that say how one invocation works, not what is compared: left out of the recorded command line.</summary>
    private static readonly string[] InvocationOptions = ["--shard", "--report-only", "--slurm", "--shards", "--threads", "--force"];

    /// <summary>Options whose value is a path: made absolute in a <c>--slurm</c> script.</summary>
    private static readonly string[] PathOptions = ["--out", "--data", "--schedules"];

    internal static Command Create(CliContext context)
    {
        var d = CompareSettings.DefaultTraining;
        var schedules = new Argument<string[]>("schedules")
        {
            HelpName = "SCHEDULE",
            Description = $"Schedules to compare: a name ({string.Join(", ", CompareSet.Names)}), a JSON spec, or NAME=PRESET|SPEC [default: {string.Join(", ", CompareSet.Default.Select(e => e.Name))}].",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var file = new Option<string>("--schedules") { HelpName = "FILE", Description = "A file of schedules: one per line (as SCHEDULE), or a JSON array of {\"name\", \"schedule\", \"optimizer\", \"weight_decay\"}." };
        var output = new Option<string>("--out") { HelpName = "DIR", Description = $"The report directory; running again with the same DIR continues an interrupted comparison and assembles the report [default: {DefaultOut}]." };
        var force = new Option<bool>("--force") { Description = "Write into an --out directory that holds something other than a comparison." };
        var steps = TrainCommand.Int("--steps", "N", $"Optimizer steps of every run [default: {d.Steps}].");
        var lr = new Option<string>("--lr") { HelpName = "LR[,LR...]", Description = $"Peak learning rates: every schedule is trained at each and ranked at its best [default: {string.Join(",", CompareSettings.DefaultLearningRates.Select(TrainCommand.Show))}]." };
        var seeds = TrainCommand.Int("--seeds", "N", $"Seeds per schedule and LR: --seed and the N - 1 after it; seed s gives every schedule the same weights and batches [default: {CompareSettings.DefaultSeeds}].");
        var evalEvery = TrainCommand.Int("--eval-every", "K", $"Evaluate every K steps and after the last [default: {d.EvalEvery}].");
        var evalBatches = TrainCommand.Int("--eval-batches", "N", $"Validation batches per evaluation [default: {d.EvalBatches}].");
        var checkpointEvery = TrainCommand.Int("--checkpoint-every", "K", $"Checkpoint every K steps, 0 only at the end [default: {d.CheckpointEvery}].");
        var corpusChars = TrainCommand.Int("--corpus-chars", "N", $"Characters of built-in corpus [default: {d.CorpusCharacters}].");
        var target = TrainCommand.Double("--target", "LOSS", "Target validation loss for 'tokens to target' [default: the median of the schedules' mean final validation loss at their best LR].");
        var branchAt = new Option<string>("--branch-at")
        {
            HelpName = "F,F,...",
            Description = "Also run warmup-stable-decay branching (first seed, the LR where wsd-1sqrt did best): one stable run, and a cooldown branched off it for each budget fraction of --steps (e.g. 0.25,0.5,1).",
        };
        var decayFraction = TrainCommand.Double("--decay-fraction", "F", "Cooldown share of each branched budget [default: 0.2].");
        var shard = new Option<string>("--shard") { HelpName = "I/N|auto|auto/N", Description = "Train only shard I of N (run k of the plan is shard k mod N's) and write no report; auto reads SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (or JOB_COMPLETION_INDEX with auto/N)." };
        var reportOnly = new Option<bool>("--report-only") { Description = "Train nothing: assemble the report when every run is done, else list the missing runs (exit 1)." };
        var slurm = new Option<string>("--slurm") { HelpName = "FILE", Description = "Write a bash driver that submits the sweep to Slurm (an array job of shards, then a report job after them) and exit; run it with bash FILE." };
        var shards = TrainCommand.Int("--shards", "N", "Array tasks of the --slurm driver [default: one per run].");
        var predict = new Option<bool>("--predict")
        {
            Description = "Also fit a loss law (Tissue et al.) at each peak LR on the warmup-constant and warmup-cosine runs, and report every other schedule with their warmup: its predicted final validation loss next to the trained one, with the error (results.csv, report).",
        };
        var threads = TrainCommand.Int("--threads", "N", $"TorchSharp threads while training [default: the CPUs this process may use, here {Environment.ProcessorCount}; a Slurm job's --cpus-per-task].");

        var model = new ModelOptions(d);
        var command = new Command("compare", "Train the same model, data and budget under several schedules, each at several peak LRs and seeds, and write a ranked report with confidence intervals: runs.csv, results.csv, plots, report.md and a self-contained report.html.")
        {
            schedules, file, output, force, steps, lr, seeds, evalEvery, evalBatches, checkpointEvery, corpusChars, target, branchAt, decayFraction,
            shard, reportOnly, slurm, shards, threads, predict,
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
                EvalEvery = parse.GetValue(evalEvery) ?? d.EvalEvery,
                EvalBatches = parse.GetValue(evalBatches) ?? d.EvalBatches,
                CheckpointEvery = parse.GetValue(checkpointEvery) ?? d.CheckpointEvery,
                CorpusCharacters = parse.GetValue(corpusChars) ?? d.CorpusCharacters,
            };
            var learningRates = parse.GetValue(lr) is { } lrText ? Numbers.ParseList(lrText, "--lr", "3e-3,1e-2,3e-2") : CompareSettings.DefaultLearningRates;
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

            var tokens = parse.Tokens.Skip(1).ToList(); // after "compare"
            var settings = new CompareSettings
            {
                Training = training with { LearningRate = learningRates[0] },
                Entries = entries.Count > 0 ? entries : CompareSet.Default,
                LearningRates = learningRates,
                SeedCount = parse.GetValue(seeds) ?? CompareSettings.DefaultSeeds,
                Target = parse.GetValue(target),
                Branching = branching,
                Predict = parse.GetValue(predict),
                CommandLine = "anneal compare " + string.Join(' ', Recorded(tokens).Select(Quote)),
            };
            var directory = parse.GetValue(output) ?? DefaultOut;
            if (parse.GetValue(slurm) is { } script)
            {
                if (parse.GetResult(shard) is not null || parse.GetValue(reportOnly))
                {
                    throw new UsageException("--slurm writes a driver for every shard; give it without --shard and --report-only");
                }

                return WriteSlurm(context, flags, settings, tokens, directory, script, parse.GetValue(shards), parse.GetValue(output) is null, parse.GetValue(force));
            }

            if (parse.GetResult(shards) is not null)
            {
                throw new UsageException("--shards needs --slurm (a single process takes one shard: --shard I/N)");
            }

            if (parse.GetValue(threads) is < 1 and var t)
            {
                throw new UsageException($"--threads must be >= 1 (was {t})");
            }

            Shard? chosen = null;
            if (parse.GetValue(shard) is { } shardText)
            {
                try
                {
                    chosen = Shard.Parse(shardText, Environment.GetEnvironmentVariable);
                }
                catch (TrainingInputException e)
                {
                    throw new UsageException(flags.Render(e));
                }

                if (parse.GetValue(reportOnly))
                {
                    throw new UsageException("--report-only assembles the whole report; give it without --shard");
                }
            }

            var invocation = new CompareInvocation
            {
                Force = parse.GetValue(force),
                Shard = chosen,
                ReportOnly = parse.GetValue(reportOnly),
                Threads = parse.GetValue(threads) ?? Environment.ProcessorCount,
            };
            return Execute(context, flags, settings, invocation, directory);
        });
        return command;
    }

    private static int Execute(CliContext context, OptionFlags flags, CompareSettings settings, CompareInvocation invocation, string directory)
    {
        using var interruption = new Interruption();
        try
        {
            if (!invocation.ReportOnly)
            {
                PrepareCommand.EnsureCached(context, settings.Training, interruption.Token); // --data text: prepared once, before the runs read it
            }

            CompareOutcome outcome;
            if (context.OutIsTerminal)
            {
                outcome = null!;
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx => outcome = Compare.Run(settings, directory, invocation, new CompareProgress.Bars(ctx, context, flags), interruption.Token));
            }
            else
            {
                outcome = Compare.Run(settings, directory, invocation, new CompareProgress.Plain(context, flags), interruption.Token);
            }

            var again = settings.CommandLine ?? "the same command";
            switch (outcome.Status)
            {
                case CompareStatus.Interrupted:
                    context.Out.WriteLine($"interrupted: every finished run and the current run's checkpoint are kept; run the same command again (--out {directory}) to continue");
                    return TrainCommand.Interrupted;
                case CompareStatus.ShardDone:
                    context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"shard {outcome.Shard}: its {outcome.Assigned} runs are done ({outcome.Trained.Count} trained now, {outcome.Assigned - outcome.Trained.Count} earlier); when every shard is done, assemble the report with: {again}"));
                    return 0;
                case CompareStatus.RunsMissing:
                    foreach (var m in outcome.Missing)
                    {
                        context.Out.WriteLine($"missing: {m.Name} ({m.Directory}){(m.StartStep > 0 ? $": checkpoint at step {m.StartStep} of {m.TotalSteps}" : ": not started")}");
                    }

                    throw new FaultException($"{Runs(outcome.Missing.Count)} of {outcome.Assigned} {(outcome.Missing.Count == 1 ? "is" : "are")} not done (listed above), so no report was written; train them with the same command without --report-only (or with their --shard I/N), then assemble again");
                case CompareStatus.RunsBusy:
                    foreach (var m in outcome.Missing)
                    {
                        context.Out.WriteLine($"busy: {m.Name} ({m.Directory}): another process holds its lock");
                    }

                    throw new FaultException($"another process is training {Runs(outcome.Missing.Count)} of this comparison (listed above), this one trained {Runs(outcome.Trained.Count)}; when that process is done, run {again} again to assemble the report");
                default:
                    var report = outcome.Report!;
                    WriteReport(report, directory);
                    Print(context, report, directory);
                    return 0;
            }
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

    /// <summary>Writes the <c>--slurm</c> driver: the command without invocation options, paths absolute, with <c>--out</c>.</summary>
    private static int WriteSlurm(CliContext context, OptionFlags flags, CompareSettings settings, IReadOnlyList<Token> tokens, string directory, string script, int? shards, bool addOut, bool force)
    {
        try
        {
            settings.Validate();
        }
        catch (TrainingInputException e)
        {
            throw new UsageException(flags.Render(e));
        }

        var runs = settings.Runs.Count;
        var count = shards ?? runs;
        if (count < 1 || count > runs)
        {
            throw new UsageException($"--shards must be in 1..{runs}, the runs of this comparison (was {count})");
        }

        var arguments = new List<string> { "compare" };
        arguments.AddRange(Absolute(Recorded(tokens)));
        if (addOut)
        {
            arguments.AddRange(["--out", Path.GetFullPath(directory)]);
        }

        var text = SlurmScript.Write(AnnealCommand(), arguments, Path.GetFullPath(directory), Directory.GetCurrentDirectory(), count, runs, script);
        if (!force && File.Exists(script) && File.ReadAllText(script) != text)
        {
            throw new UsageException($"--slurm '{script}' exists and holds something else; pass --force to replace it, or give another file");
        }

        try
        {
            Compare.Prepare(settings, directory, force);
        }
        catch (TrainingInputException e)
        {
            throw new UsageException(flags.Render(e));
        }
        catch (TrainingFaultException e)
        {
            throw new FaultException($"cannot write '{e.Path}': {e.Cause}");
        }

        try
        {
            ReportFiles.Write(script, text);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaultException($"cannot write '{script}': {e.Message}");
        }

        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {script}: {count} shards over {runs} runs, then a report job; submit with: bash {OptionFlags.Quote(script)} (settings: {string.Join(", ", SlurmScript.Settings)})"));
        return 0;
    }

    /// <summary>
    /// How this anneal is started: the installed tool or another apphost (<c>anneal</c>, <c>Anneal.Cli</c>) as it is, else
    /// <c>dotnet Anneal.Cli.dll</c> with this process's <c>dotnet</c> (or the one on PATH).
    /// </summary>
    internal static IReadOnlyList<string> AnnealCommand()
    {
        var process = Environment.ProcessPath;
        var name = process is null ? null : Path.GetFileNameWithoutExtension(process);
        if (process is not null && name is "anneal" or "Anneal.Cli")
        {
            return [process];
        }

        return [name == "dotnet" ? process! : "dotnet", typeof(CompareCommand).Assembly.Location];
    }

    /// <summary>The tokens without the invocation options (and their values).</summary>
    private static List<string> Recorded(IReadOnlyList<Token> tokens)
    {
        var kept = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.Option && InvocationOptions.Contains(tokens[i].Value))
            {
                if (tokens[i].Value is not ("--report-only" or "--force") && i + 1 < tokens.Count && tokens[i + 1].Type == TokenType.Argument)
                {
                    i++;
                }

                continue;
            }

            kept.Add(tokens[i].Value);
        }

        return kept;
    }

    /// <summary>The values of path options and schedule arguments that name files, as absolute paths.</summary>
    private static IEnumerable<string> Absolute(IReadOnlyList<string> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (PathOptions.Contains(word) && i + 1 < words.Count)
            {
                yield return word;
                yield return Path.GetFullPath(words[++i]);
                continue;
            }

            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (!word.StartsWith('-') && !word.TrimStart().StartsWith('{'))
            {
                if (File.Exists(word))
                {
                    word = Path.GetFullPath(word);
                }
                else if (eq > 0 && File.Exists(word[(eq + 1)..]))
                {
                    word = word[..(eq + 1)] + Path.GetFullPath(word[(eq + 1)..]);
                }
            }

            yield return word;
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

    /// <summary>The ranked table, the LR table (Spectre.Console; Markdown borders and no colors when not a terminal) and the conclusion.</summary>
    internal static void Print(CliContext context, CompareReport report, string directory)
    {
        var console = TableRenderer.CreateConsole(context);
        if (!context.OutIsTerminal)
        {
            console.Profile.Width = 240; // plain text: one line per schedule, never wrapped headers
        }

        var border = context.OutIsTerminal ? TableBorder.Rounded : TableBorder.Markdown;
        var table = new Table { Border = border };
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
        o.WriteLine(report.Conclusion);
        if (report.Options.LearningRates.Count > 1)
        {
            o.WriteLine();
            o.WriteLine(report.Options.SeedCount > 1 ? "final validation loss at each peak LR (mean ± 95% CI half-width; * best):" : "final validation loss at each peak LR (* best):");
            var grid = new Table { Border = border };
            foreach (var (header, i) in CompareTable.GridHeader(report).Select((h, i) => (h, i)))
            {
                grid.AddColumn(i == 0 ? new TableColumn(header).NoWrap() : new TableColumn(header).RightAligned());
            }

            foreach (var row in CompareTable.GridRows(report))
            {
                grid.AddRow([.. row.Select(c => (IRenderable)new Text(c.Best ? c.Text + " *" : c.Text))]);
            }

            console.Write(grid);
        }

        if (report.Prediction is { } prediction)
        {
            o.WriteLine(PredictionSection.Summary(prediction, report.Schedules));
        }

        if (report.Branching is { } branching)
        {
            foreach (var b in branching.Branches)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"branch {b.Budget.Fraction:0.###}: {b.Budget.Budget} steps, cooldown from step {b.Budget.BranchStep}, final validation loss {(b.FinalValidationLoss is { } v ? CompareTable.F4(v) : "diverged")}"));
            }

            o.WriteLine(CompareReportWriter.BranchingSentence(branching));
        }

        o.WriteLine($"report: {Path.Combine(directory, "report.html")} (also {string.Join(", ", CompareReportWriter.Files.Where(f => f != "report.html"))}); runs in {Path.Combine(directory, CompareDirectory.RunsFolder)}");
    }

    private static string Quote(string token) => SlurmScript.Quote(token);

    private static string Runs(int n) => n == 1 ? "1 run" : $"{n} runs";
}
