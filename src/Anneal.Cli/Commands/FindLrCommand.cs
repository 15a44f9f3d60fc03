using System.CommandLine;
using System.Globalization;
using Anneal.Cli.Reports;
using Anneal.Cli.Rendering;
using Anneal.Training;
using Anneal.Training.Experiments;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal find-lr</c>: the LR range test (Smith 2017; fastai's <c>lr_find</c>) on the model and data of
/// <c>anneal train</c> (<see cref="LrFinder"/>): prints fastai's suggestions (valley, steep, minimum/10) and a warmup +
/// cosine schedule with the steep suggestion as its peak (or --peak), and writes <c>lr_find.csv</c>, <c>lr_find.png</c>, <c>lr_find.json</c>
/// and <c>suggested_schedule.json</c>. Ctrl-C stops the sweep and analyses what was recorded (exit 130).
/// </summary>
/// <remarks>Building this command touches no TorchSharp type, so <c>anneal schedule</c> never loads native libraries.</remarks>
internal static class FindLrCommand
{
    internal static Command Create(CliContext context)
    {
        var d = new TrainingOptions();
        var s = new LrFinderOptions();
        var startLr = TrainCommand.Double("--start-lr", "LR", $"Learning rate of the first step [default: {TrainCommand.Show(s.StartLr)}].");
        var endLr = TrainCommand.Double("--end-lr", "LR", $"Learning rate the sweep grows towards (exponentially) [default: {TrainCommand.Show(s.EndLr)}].");
        var steps = TrainCommand.Int("--steps", "N", $"Steps of the sweep, at least 10; it stops earlier when the loss diverges [default: {s.Steps}].");
        var peak = new Option<string>("--peak") { HelpName = "valley|steep|minimum", Description = $"The suggestion used as the peak of the suggested schedule [default: {s.Peak.Name()}]." };
        var trainSteps = TrainCommand.Int("--train-steps", "N", $"Steps of the training run the suggested schedule is written for [default: {d.Steps}].");
        var output = new Option<string>("--out") { HelpName = "DIR", Description = "Where to write the files, a new or empty directory [default: runs/find-lr-<UTC time>]." };
        var force = new Option<bool>("--force") { Description = "Write into an --out directory that is not empty (its sweep files are replaced)." };
        // The options that define the model, data and optimizer, passed on to the suggested `anneal train` command line.
        var model = new ModelOptions(d);
        Option[] training = model.All;
        var command = new Command(
            "find-lr",
            "LR range test (Smith 2017, fastai's lr_find): train the model of 'anneal train' while the learning rate grows exponentially, " +
            "stop when the smoothed loss diverges, and suggest a peak learning rate (valley, steep, minimum/10) and a schedule; " +
            "writes lr_find.csv, lr_find.png, lr_find.json and suggested_schedule.json.");
        foreach (var option in new Option[] { startLr, endLr, steps, peak, trainSteps, output, force }.Concat(training))
        {
            command.Options.Add(option);
        }

        var flags = new OptionFlags(command, (TrainingOption.Steps, "--train-steps"), (TrainingOption.SweepSteps, "--steps"));
        command.SetAction(parse =>
        {
            LrPeakRule rule;
            try
            {
                rule = parse.GetValue(peak) is { } p ? LrPeakRules.Parse(p) : s.Peak;
            }
            catch (TrainingInputException e)
            {
                throw new UsageException(flags.Render(e));
            }

            var sweep = s with
            {
                StartLr = parse.GetValue(startLr) ?? s.StartLr,
                EndLr = parse.GetValue(endLr) ?? s.EndLr,
                Steps = parse.GetValue(steps) ?? s.Steps,
                Peak = rule,
            };
            var options = model.Apply(parse, d) with { Steps = parse.GetValue(trainSteps) ?? d.Steps };
            // --train-steps N is `anneal train --steps N`.
            var given = training.Prepend(trainSteps)
                .Select(o => (Name: o == trainSteps ? "--steps" : o.Name, Result: parse.GetResult(o)))
                .Where(g => g.Result is { Implicit: false, Tokens.Count: 1 })
                .Select(g => $"{g.Name} {Quote(g.Result!.Tokens[0].Value)}");
            var outDir = parse.GetValue(output) ?? Path.Combine("runs", "find-lr-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            return Execute(context, flags, options, sweep, outDir, parse.GetValue(force), string.Join(' ', given));
        });
        return command;
    }

    private static int Execute(CliContext context, OptionFlags flags, TrainingOptions options, LrFinderOptions sweep, string outDir, bool force, string trainingArguments)
    {
        using var interruption = new Interruption();
        try
        {
            sweep.Validate();
            options.Validate();
            PrepareCommand.EnsureCached(context, options, interruption.Token);
            LrFinderResult? result = null;
            if (context.OutIsTerminal)
            {
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .Start(ctx => result = LrFinder.Run(options, sweep, outDir, force, new TrainProgress.Bar(ctx), interruption.Token));
            }
            else
            {
                result = LrFinder.Run(options, sweep, outDir, force, new TrainProgress.Plain(context.Out), interruption.Token);
            }

            LrFinderPlot.Save(Path.Combine(outDir, LrFinder.PlotFile), result!.Points, result.Suggestions, sweep);
            return Report(context, result, sweep.Peak, trainingArguments);
        }
        catch (TrainingInputException e)
        {
            throw new UsageException(flags.Render(e));
        }
        catch (Anneal.TorchSharp.TorchNativeLibraryException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static int Report(CliContext context, LrFinderResult r, LrPeakRule peakRule, string trainingArguments)
    {
        var o = context.Out;
        o.WriteLine($"{r.Points.Count} steps: {r.Message}");
        var files = new List<string> { LrFinder.CsvFile, LrFinder.PlotFile, LrFinder.SummaryFile };
        if (r.Suggestions is { } s)
        {
            var first = r.Points[s.WindowStart];
            var last = r.Points[s.WindowEnd - 1];
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"suggestions (fastai's rules on the smoothed loss of steps {s.WindowStart} to {s.WindowEnd - 1}, lr {Short(first.LearningRate)} to {Short(last.LearningRate)}):"));
            var table = new Table { Border = context.OutIsTerminal ? TableBorder.Rounded : TableBorder.Markdown };
            foreach (var (name, right) in new[] { ("suggestion", false), ("lr", true), ("step", true), ("smoothed loss", true), ("rule", false) })
            {
                table.AddColumn(right ? new TableColumn(name).RightAligned() : new TableColumn(name));
            }

            foreach (var x in s.All)
            {
                var rule = x.Name switch
                {
                    "valley" => "middle of the longest valley (fastai default)",
                    "steep" => "steepest fall against log lr",
                    _ => $"lr at the minimum ({Short(r.Points[x.Step].LearningRate)}) / 10",
                };
                string[] cells = [x.Name, Short(x.LearningRate), x.Step.ToString(CultureInfo.InvariantCulture), x.SmoothedLoss.ToString("F4", CultureInfo.InvariantCulture), rule];
                table.AddRow([.. cells.Select(c => (IRenderable)new Text(c))]);
            }

            TableRenderer.CreateConsole(context).Write(table);
            var spec = Path.Combine(r.OutputDirectory, LrFinder.ScheduleFile);
            o.WriteLine($"suggested schedule: the default of 'anneal train' (linear warmup over 5% of {r.TrainingSteps} steps, then cosine decay to 10%) with the {peakRule.SuggestionName()} {Short(r.SuggestedPeak!.Value)} as its peak; the spec multiplies --lr:");
            o.WriteLine(r.SuggestedSchedule);
            var extra = trainingArguments.Length > 0 ? " " + trainingArguments : "";
            o.WriteLine($"train with: anneal train --lr {Short(r.SuggestedPeak.Value)} --schedule {Quote(spec)}{extra}");
            files.Add(LrFinder.ScheduleFile);
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {string.Join(", ", files)} in {r.OutputDirectory} ({r.Elapsed.TotalSeconds:F1} s)"));
        if (r.Suggestions is null)
        {
            context.Error.WriteLine(
                $"error: no suggestions: the sweep recorded {r.Points.Count} steps and fastai's window (from step --steps/10 to 5 before the last) holds fewer than 2; lower --start-lr or raise --steps");
            return Program.InternalError;
        }

        return r.Stop == LrFinderStop.Cancelled ? TrainCommand.Interrupted : 0;
    }


    private static string Short(double value) => value.ToString("G3", CultureInfo.InvariantCulture).Replace('E', 'e');

    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '.' or '/' or '-' or '_' or ':' or '+' or ',') ? value : $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
