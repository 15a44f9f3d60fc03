using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Anneal.Cli.Rendering;
using Anneal.Cli.Reports;
using Anneal.Training;
using Anneal.Training.Laws;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal optimize LAW.json</c>: searches the non-increasing schedule after the fitted warmup, capped at the fitted
/// peak, that a law predicts to end lowest (<see cref="ScheduleOptimizer"/>); writes <c>schedule.json</c> (a
/// <c>piecewise_linear</c> spec any command reads, or a <c>warmup_stable_decay</c> one with <c>--family wsd</c>), <c>optimize.png</c> against the presets and <c>optimize.json</c>
/// with the predicted gain. <c>--verify</c> trains it and the best preset with the same seeds and reports predicted
/// against trained loss.
/// </summary>
internal static class OptimizeCommand
{
    internal const string DefaultOut = "runs/optimize";

    internal static Command Create(CliContext context)
    {
        var law = new Argument<string>("law") { HelpName = "LAW.json", Description = "A law written by 'anneal fit'." };
        var steps = TrainCommand.Int("--steps", "N", "Steps of the schedule [default: the fitted runs' steps].");
        var knots = TrainCommand.Int("--knots", "K", "Knots of the searched schedule after the warmup [default: one per 10 steps, 8 to 80].");
        var output = new Option<string>("--out") { HelpName = "DIR", Description = $"Where to write schedule.json, optimize.png, optimize.json (and the verification runs) [default: {DefaultOut}]." };
        var family = new Option<string>("--family") { HelpName = "free|wsd", Description = "Search any non-increasing schedule (free), or warmup-stable-decay cooldowns of any length, linear, 1-sqrt or cosine (wsd) [default: free]." };
        var verify = new Option<bool>("--verify") { Description = "Train the optimized schedule and the best preset like the law's runs, at each seed, and compare with the predictions." };
        var seeds = TrainCommand.Int("--seeds", "N", "Seeds per schedule with --verify (at least 3 for intervals) [default: 3].");
        var seed = TrainCommand.Int("--seed", "N", "First seed with --verify [default: the law's runs' seed].");
        var command = new Command("optimize", "Search the schedule a fitted law predicts to end lowest (non-increasing after the fitted warmup, capped at the fitted peak); write it as schedule.json with its plot and predicted gain; --verify trains it.")
        {
            law, steps, knots, family, output, verify, seeds, seed,
        };
        var flags = new LawFlags(command);
        command.SetAction(parse =>
        {
            var seedCount = parse.GetValue(seeds) ?? 3;
            if (seedCount < 1)
            {
                throw new UsageException($"--seeds must be >= 1 (was {seedCount})");
            }

            if (!parse.GetValue(verify) && (parse.GetResult(seeds) is not null || parse.GetResult(seed) is not null))
            {
                throw new UsageException("--seeds and --seed need --verify");
            }

            var familyValue = parse.GetValue(family) ?? "free";
            if (familyValue is not ("free" or "wsd"))
            {
                throw new UsageException($"--family must be free or wsd (was '{familyValue}')");
            }

            if (familyValue == "wsd" && parse.GetResult(knots) is not null)
            {
                throw new UsageException("--knots applies to --family free only");
            }

            return Execute(context, flags, parse.GetValue(law)!, parse.GetValue(steps), parse.GetValue(knots), familyValue == "wsd" ? ScheduleFamily.Wsd : ScheduleFamily.Free,
                parse.GetValue(output) ?? DefaultOut, parse.GetValue(verify), seedCount, parse.GetValue(seed));
        });
        return command;
    }

    /// <summary>
    /// The schedules the optimized one is compared with: anneal's presets warmup-cosine, warmup-linear, wsd (cosine
    /// cooldown over the last 20%) and wsd-1sqrt, and warmup + constant and warmup + cosine to 0, all with the law's
    /// warmup (the presets' own 5% when the law was fitted on preset runs): (name, spec).
    /// </summary>
    internal static IReadOnlyList<(string Name, string Spec)> Presets(int warmup, int steps)
    {
        // The peak LR and the optimizer shape only onecycle and cyclic, none of these.
        (string, string) Preset(string name) => (name, SchedulePresets.Spec(name, steps, 1, OptimizerKind.AdamW, warmup));
        return
        [
            Preset("warmup-constant"),
            Preset("warmup-cosine"),
            ("warmup-cosine0", $$"""{"type":"cosine","num_warmup_steps":{{warmup}},"num_training_steps":{{steps}}}"""),
            Preset("warmup-linear"),
            Preset("wsd"),
            Preset("wsd-1sqrt"),
        ];
    }

    private static int Execute(CliContext context, LawFlags flags, string lawPath, int? stepsOption, int? knots, ScheduleFamily family, string directory, bool verify, int seedCount, int? firstSeed)
    {
        try
        {
            var law = FitCommand.LoadLaw(lawPath);
            var steps = stepsOption ?? law.FittedSteps;
            var optimized = family == ScheduleFamily.Wsd ? ScheduleOptimizer.OptimizeWsd(law, steps) : ScheduleOptimizer.Optimize(law, steps, knots);
            var spec = ScheduleSpec.Write(optimized.Schedule);
            var presets = Presets(law.WarmupSteps, steps)
                .Select(p => law.Predict(p.Name, ScheduleSpec.Parse(p.Spec), steps))
                .ToList();
            var best = presets.MinBy(p => p.Final)!;
            var mine = law.Predict("optimized", optimized.LearningRates);
            foreach (var w in mine.Warnings.Where(w => !w.Contains("warmup", StringComparison.Ordinal)))
            {
                context.Error.WriteLine($"warning: optimized: {w}");
            }

            if (optimized.StepsNearZero(law.PeakLr) is var still && still > 0.1 * (steps - law.WarmupSteps))
            {
                context.Error.WriteLine($"warning: optimized: it holds the learning rate below 1% of the peak for {still} steps before the end, where training stands nearly still; " +
                                        $"the {LawNames.Of(law.Law.Kind)} law {(law.Law.Kind == LawKind.Tissue ? "credits annealing per step even at a rate of 0" : "may be extrapolating")}: try --family wsd");
            }

            Directory.CreateDirectory(directory);
            var files = new OutputFiles();
            var schedulePath = Path.Combine(directory, "schedule.json");
            files.Add("--out", schedulePath, spec + "\n");
            files.Add("--out", Path.Combine(directory, "optimize.png"), LawPlots.Predictions(law, [mine, .. presets], null, "optimize.png"));
            var summary = new JsonObject
            {
                ["law"] = Path.GetFullPath(lawPath),
                ["steps"] = steps,
                ["peak_lr"] = law.PeakLr,
                ["schedule"] = JsonNode.Parse(spec),
                ["predicted_final_val_loss"] = optimized.PredictedFinal,
                ["best_preset"] = best.Name,
                ["best_preset_predicted_final_val_loss"] = best.Final,
                ["predicted_gain"] = best.Final - optimized.PredictedFinal,
                ["presets"] = new JsonObject([.. presets.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)p.Final))]),
            };
            files.Add("--out", Path.Combine(directory, "optimize.json"), summary.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            files.Commit();

            var o = context.Out;
            TableRenderer.WriteCells(
                context,
                ["schedule", "predicted final val", "vs optimized"],
                presets.Prepend(mine).OrderBy(p => p.Final).Select(p => (string[])[p.Name, FitCommand.F4(p.Final), p == mine ? "-" : "+" + FitCommand.F4(p.Final - mine.Final)]));
            var what = optimized.Schedule is PiecewiseLinear pl
                ? $"{pl.Steps.Count} knots, non-increasing after the {law.WarmupSteps}-step warmup, at most the peak {FitCommand.Short(law.PeakLr)}"
                : $"warmup-stable-decay: {Describe(optimized.Schedule)}";
            o.WriteLine($"optimized schedule ({what}): " +
                        $"predicted final validation loss {FitCommand.F4(mine.Final)}, {FitCommand.F4(best.Final - mine.Final)} ({FitCommand.Percent((best.Final - mine.Final) / best.Final)}) below the best preset, {best.Name} ({FitCommand.F4(best.Final)})");
            o.WriteLine($"wrote schedule.json, optimize.png and optimize.json in {directory}; train it with: anneal train --schedule {schedulePath} --lr {FitCommand.Short(law.PeakLr)} --steps {steps}");
            if (!verify)
            {
                return 0;
            }

            return Verify(context, law, [("optimized", spec), (best.Name, Presets(law.WarmupSteps, steps).First(p => p.Name == best.Name).Spec)], steps, seedCount, firstSeed, directory);
        }
        catch (Exception e) when (e is LawInputException or TrainingInputException)
        {
            throw flags.Usage(e);
        }
        catch (TrainingFaultException e)
        {
            throw new FaultException($"cannot write '{e.Path}': {e.Cause}; finished verification runs are intact; fix the cause, then run the same command again to continue");
        }
    }

    private static int Verify(CliContext context, FittedLaw law, IReadOnlyList<(string Name, string Spec)> schedules, int steps, int seedCount, int? firstSeed, string directory)
    {
        var options = ScheduleVerification.Options(law);
        var first = firstSeed ?? options.Seed;
        var seeds = Enumerable.Range(first, seedCount).ToList();
        var runs = Path.Combine(directory, "verify");
        context.Out.WriteLine($"verify: training {string.Join(" and ", schedules.Select(s => s.Name))} at seeds {string.Join(", ", seeds)} ({schedules.Count * seeds.Count} runs in {runs}; finished runs are reused)");
        using var interruption = new Interruption();
        var check = ScheduleVerification.Run(law, schedules, steps, seeds, runs, name => new RunLines(context.Out, name), interruption.Token);
        if (check is null)
        {
            context.Out.WriteLine($"interrupted: finished runs are kept in {runs}; run the same command again to continue");
            return TrainCommand.Interrupted;
        }

        TableRenderer.WriteCells(
            context,
            ["schedule", "seeds", "trained final val (mean)", "95% interval", "predicted", "error"],
            check.Schedules.Select(s => (string[])[s.Name, s.Runs.Count.ToString(CultureInfo.InvariantCulture), FitCommand.F4(s.TrainedMean), double.IsNaN(s.TrainedCi95) ? "-" : "±" + FitCommand.F4(s.TrainedCi95), FitCommand.F4(s.Predicted), FitCommand.Percent(s.RelativeError)]));
        var csv = new StringBuilder("name,seed,final_val_loss,predicted_final_val_loss\n");
        foreach (var s in check.Schedules)
        {
            foreach (var r in s.Runs)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{s.Name},{r.Seed},{r.FinalValidationLoss:R},{s.Predicted:R}\n");
            }
        }
        var a = check.Schedules[0];
        var b = check.Schedules[1];
        var diffs = a.Runs.Join(b.Runs, r => r.Seed, r => r.Seed, (x, y) => x.FinalValidationLoss - y.FinalValidationLoss).ToArray();
        var mean = diffs.Average();
        var half = LawCheck.HalfWidth(diffs);
        var verdict = double.IsNaN(half) ? "one seed: no interval" : Math.Abs(mean) <= half ? "not significant at 95%" : mean < 0 ? "the optimized schedule is better" : "the optimized schedule is worse";
        context.Out.WriteLine($"optimized - {b.Name}: trained {Signed(mean)} (95% interval ±{(double.IsNaN(half) ? "-" : FitCommand.F4(half))}, paired by seed: {verdict}); predicted {Signed(a.Predicted - b.Predicted)}");
        var files = new OutputFiles();
        files.Add("--out", Path.Combine(directory, "verify.csv"), csv.ToString());
        files.Commit();
        context.Out.WriteLine($"wrote verify.csv in {directory}");
        return 0;
    }

    private static string Describe(Schedule schedule) => schedule is WarmupStableDecay wsd
        ? $"{wsd.NumDecaySteps}-step {SpecNames.Of(wsd.DecayType)} cooldown after {wsd.NumWarmupSteps + wsd.NumStableSteps} steps"
        : schedule.TypeName;

    private static string Signed(double v) => (v >= 0 ? "+" : "") + v.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>A line when a verification run starts, every 100 steps, and when it ends.</summary>
    private sealed class RunLines(TextWriter output, string name) : ITrainingProgress
    {
        public void Started(RunInfo info)
        {
            output.WriteLine($"{name}: training {info.TotalSteps} steps");
            output.Flush();
        }

        public void Stepped(StepReport report)
        {
            if ((report.Step + 1) % 100 == 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: step {report.Step + 1}/{report.TotalSteps} loss {report.Loss:F4} lr {report.LearningRates[0]:G4} ETA {report.Eta:hh\\:mm\\:ss}"));
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
