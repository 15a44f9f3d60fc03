using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Anneal.Cli.Rendering;
using Anneal.Cli.Reports;
using Anneal.Training;
using Anneal.Training.Experiments;
using Anneal.Training.Laws;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal predict LAW.json SCHEDULE...</c>: the validation-loss curve a fitted law predicts for each schedule (preset,
/// spec or NAME=SPEC, as in compare), its final loss, and a <c>warning:</c> line (standard error) where the law cannot
/// speak for it. <c>--check RUN_DIR...</c> predicts trained runs' schedules and measures the law against them.
/// </summary>
internal static class PredictCommand
{
    internal static Command Create(CliContext context)
    {
        var law = new Argument<string>("law") { HelpName = "LAW.json", Description = "A law written by 'anneal fit'." };
        var schedules = new Argument<string[]>("schedules")
        {
            HelpName = "SCHEDULE",
            Description = $"Schedules to predict: a name ({string.Join(", ", CompareSet.Names)}), a JSON spec, or NAME=PRESET|SPEC.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var steps = TrainCommand.Int("--steps", "N", "Optimizer steps of each schedule (presets' horizons too) [default: the fitted runs' steps].");
        var lr = TrainCommand.Double("--lr", "LR", "Peak (base) learning rate [default: the fitted runs' peak].");
        var format = new Option<string>("--format") { HelpName = "table|csv|json", Description = "Output: a table, CSV rows name,final_val_loss, or JSON [default: table]." };
        var plot = new Option<string>("--plot") { HelpName = "FILE.png|FILE.svg", Description = "Plot the predicted loss curves (and the learning rates)." };
        var curve = new Option<string>("--curve") { HelpName = "FILE.csv", Description = "Write every predicted curve: name,step,predicted_val_loss (step = steps done)." };
        var check = new Option<string[]>("--check")
        {
            HelpName = "RUN_DIR",
            Description = "Trained runs to measure the law against: each run's schedule is predicted and compared with its final validation loss; runs of one schedule with different seeds are averaged (95% intervals).",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("predict", "Predict the validation-loss curve of schedules from a fitted law, without training them.")
        {
            law, schedules, steps, lr, format, plot, curve, check,
        };
        var flags = new LawFlags(command);
        command.SetAction(parse =>
        {
            var formatValue = parse.GetValue(format) ?? "table";
            if (formatValue is not ("table" or "csv" or "json"))
            {
                throw new UsageException($"--format must be table, csv or json (was '{formatValue}')");
            }

            var plotPath = parse.GetValue(plot);
            PlotRenderer.CheckPath(plotPath);

            return Execute(context, flags, parse.GetValue(law)!, parse.GetValue(schedules) ?? [], parse.GetValue(check) ?? [], parse.GetValue(steps), parse.GetValue(lr),
                formatValue, plotPath, parse.GetValue(curve));
        });
        return command;
    }

    private static int Execute(CliContext context, LawFlags flags, string lawPath, string[] schedules, string[] checkRuns, int? stepsOption, double? lrOption, string format, string? plotPath, string? curvePath)
    {
        try
        {
            var law = FitCommand.LoadLaw(lawPath);
            if (schedules.Length == 0 && checkRuns.Length == 0)
            {
                throw new UsageException("give at least one SCHEDULE to predict (a preset such as wsd-1sqrt, a JSON spec, or NAME=SPEC) or --check RUN_DIR...");
            }

            var steps = stepsOption ?? law.FittedSteps;
            if (steps < 1)
            {
                throw new UsageException($"--steps must be >= 1 (was {steps})");
            }

            if (lrOption is { } l && !(l > 0))
            {
                throw new UsageException($"--lr must be > 0 (was {l.ToString(CultureInfo.InvariantCulture)})");
            }

            var predictions = Resolve(law, schedules, steps, lrOption ?? law.PeakLr);
            LawCheck? checkResult = null;
            if (checkRuns.Length > 0)
            {
                checkResult = LawCheck.Run(law, [.. checkRuns.Select(TrainedRuns.Read)]);
                predictions.AddRange(checkResult.Schedules.Select(s => law.Predict(s.Name, s.Runs[0].LearningRates)));
            }

            CompareSet.CheckDistinct([.. predictions.Select(p => new CompareEntry(p.Name, ""))]);
            foreach (var p in predictions)
            {
                foreach (var w in p.Warnings)
                {
                    context.Error.WriteLine($"warning: {p.Name}: {w}");
                }
            }

            var files = new OutputFiles();
            if (curvePath is not null)
            {
                files.Add("--curve", curvePath, CurveCsv(predictions));
            }

            if (plotPath is not null)
            {
                files.Add("--plot", plotPath, LawPlots.Predictions(law, predictions, checkResult, plotPath));
            }

            files.Commit();
            switch (format)
            {
                case "csv":
                    WriteCsv(context, predictions, checkResult);
                    break;
                case "json":
                    context.Out.WriteLine(Json(predictions, checkResult).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                    break;
                default:
                    WriteTable(context, law, predictions, checkResult);
                    break;
            }

            return 0;
        }
        catch (Exception e) when (e is LawInputException or TrainingInputException)
        {
            throw flags.Usage(e);
        }
    }

    private static List<Prediction> Resolve(FittedLaw law, string[] schedules, int steps, double lr)
    {
        var optimizer = law.TrainingOptions?.Optimizer;
        var result = new List<Prediction>();
        foreach (var text in schedules)
        {
            var entry = CompareSet.Parse(text);
            var schedule = SchedulePresets.Resolve(entry.Schedule, steps, lr, optimizer ?? OptimizerKind.AdamW).Schedule;
            var prediction = law.Predict(entry.Name, schedule, steps, lr);
            if (entry.Optimizer is { } other && optimizer is { } fitted && other != fitted)
            {
                prediction = prediction with { Warnings = [.. prediction.Warnings, $"it names the optimizer {other.Name()}, but the law was fitted to {fitted.Name()} runs: the prediction is for {fitted.Name()}"] };
            }

            result.Add(prediction);
        }

        return result;
    }

    private static string CurveCsv(IReadOnlyList<Prediction> predictions)
    {
        var csv = new StringBuilder("name,step,predicted_val_loss\n");
        foreach (var p in predictions)
        {
            for (var n = 1; n <= p.Curve.Count; n++)
            {
                csv.Append(p.Name).Append(',').Append(n.ToString(CultureInfo.InvariantCulture)).Append(',')
                   .Append(p.Curve[n - 1].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return csv.ToString();
    }

    private static void WriteCsv(CliContext context, IReadOnlyList<Prediction> predictions, LawCheck? check)
    {
        var o = context.Out;
        o.WriteLine(check is null ? "name,final_val_loss" : "name,final_val_loss,trained_val_loss,trained_ci95,seeds,rel_error");
        foreach (var p in predictions)
        {
            var line = $"{p.Name},{R(p.Final)}";
            if (check is not null)
            {
                var c = check.Schedules.FirstOrDefault(s => s.Name == p.Name);
                line += c is null ? ",,,," : $",{R(c.TrainedMean)},{(double.IsNaN(c.TrainedCi95) ? "" : R(c.TrainedCi95))},{c.Runs.Count},{R(c.RelativeError)}";
            }

            o.WriteLine(line);
        }
    }

    private static JsonNode Json(IReadOnlyList<Prediction> predictions, LawCheck? check)
    {
        var array = new JsonArray();
        foreach (var p in predictions)
        {
            var item = new JsonObject { ["name"] = p.Name, ["final_val_loss"] = p.Final, ["warnings"] = new JsonArray([.. p.Warnings.Select(w => (JsonNode)w)]) };
            if (check?.Schedules.FirstOrDefault(s => s.Name == p.Name) is { } c)
            {
                item["trained_val_loss"] = c.TrainedMean;
                item["trained_ci95"] = double.IsNaN(c.TrainedCi95) ? null : c.TrainedCi95;
                item["seeds"] = c.Runs.Count;
                item["rel_error"] = c.RelativeError;
            }

            array.Add(item);
        }

        if (check is null)
        {
            return array;
        }

        return new JsonObject
        {
            ["schedules"] = array,
            ["mean_abs_rel_error"] = check.MeanAbsError,
            ["worst_abs_rel_error"] = check.WorstAbsError,
            ["significant_pairs"] = check.SignificantPairs.Count,
            ["agreeing_pairs"] = check.AgreeingPairs,
            ["testable_pairs"] = check.TestablePairs,
        };
    }

    private static void WriteTable(CliContext context, FittedLaw law, IReadOnlyList<Prediction> predictions, LawCheck? check)
    {
        List<string> header = ["schedule", "predicted final val", "warnings"];
        if (check is not null)
        {
            header.InsertRange(2, ["trained (mean)", "95% interval", "seeds", "error"]);
        }

        var rows = new List<List<string>>();
        foreach (var p in predictions)
        {
            var cells = new List<string> { p.Name, FitCommand.F4(p.Final) };
            if (check is not null)
            {
                var c = check.Schedules.FirstOrDefault(s => s.Name == p.Name);
                cells.AddRange(c is null
                    ? ["-", "-", "-", "-"]
                    : [FitCommand.F4(c.TrainedMean), double.IsNaN(c.TrainedCi95) ? "-" : "±" + FitCommand.F4(c.TrainedCi95), c.Runs.Count.ToString(CultureInfo.InvariantCulture), Signed(c.RelativeError)]);
            }

            cells.Add(p.Warnings.Count.ToString(CultureInfo.InvariantCulture));
            rows.Add(cells);
        }

        TableRenderer.WriteCells(context, header, rows);
        context.Out.WriteLine($"{LawNames.Of(law.Law.Kind)} law fitted to {FittedRuns(law)}; peak {FitCommand.Short(law.PeakLr)}, warmup {law.WarmupSteps} steps, {law.FittedSteps} steps (predictions beyond {law.ExtrapolationLimit} get a warning)");
        if (check is not null)
        {
            var worst = check.Schedules.MaxBy(s => Math.Abs(s.RelativeError))!;
            context.Out.WriteLine($"against the trained runs: mean |error| {FitCommand.Percent(check.MeanAbsError)}, worst {FitCommand.Percent(check.WorstAbsError)} ({worst.Name}); " +
                                  $"order: {check.AgreeingPairs} of {check.SignificantPairs.Count} pairs whose trained difference exceeds its 95% interval are predicted in that order ({check.TestablePairs} pairs had 2 or more shared seeds)");
            foreach (var p in check.SignificantPairs.Where(p => !p.PredictedAgrees))
            {
                context.Out.WriteLine($"  misordered: {p.Better} trained {FitCommand.F4(p.Difference)} ± {FitCommand.F4(p.Ci95)} below {p.Worse}, predicted above it");
            }
        }
    }

    /// <summary>The fitted runs by schedule: <c>wconst, wcos (3 seeds each)</c>.</summary>
    internal static string FittedRuns(FittedLaw law)
    {
        var groups = law.Sources.GroupBy(s => LawCheck.ScheduleName(s.Name)).ToList();
        var counts = groups.Select(g => g.Count()).Distinct().ToList();
        var names = string.Join(", ", groups.Select(g => g.Key));
        return counts is [1] ? names : counts.Count == 1 ? $"{names} ({counts[0]} seeds each)" : string.Join(", ", groups.Select(g => $"{g.Key} ({g.Count()})"));
    }

    private static string Signed(double v) => (v >= 0 ? "+" : "") + (100 * v).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
