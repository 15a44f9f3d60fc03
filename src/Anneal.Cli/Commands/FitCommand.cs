using System.CommandLine;
using System.Globalization;
using Anneal.Cli.Rendering;
using Anneal.Cli.Reports;
using Anneal.Training;
using Anneal.Training.Laws;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal fit RUN_DIR...</c>: fits a loss law (multi-power or Tissue et al.'s) to finished runs of one model, data
/// and optimizer, prints the parameters and the fit error per run, and writes <c>law.json</c> and a plot of observed
/// against fitted curves.
/// </summary>
internal static class FitCommand
{
    internal const string DefaultOut = "law.json";

    internal static Command Create(CliContext context)
    {
        var d = new FitOptions();
        var runs = new Argument<string[]>("runs")
        {
            HelpName = "RUN_DIR",
            Description = "Finished run directories (anneal train or compare) of the same model, data and optimizer; e.g. a warmup + constant and a warmup + cosine run.",
            Arity = ArgumentArity.OneOrMore,
        };
        var law = new Option<string>("--law") { HelpName = "multi-power|tissue", Description = $"The law: Luo et al. 2025's multi-power law or Tissue et al. 2024's [default: {LawNames.Of(d.Law)}]." };
        var output = new Option<string>("--out") { HelpName = "FILE", Description = $"Where to write the fitted law [default: {DefaultOut}]." };
        var plot = new Option<string>("--plot") { HelpName = "FILE.png|FILE.svg", Description = "Plot the observed and fitted loss curves." };
        var target = new Option<string>("--target") { HelpName = "val|train", Description = $"Fit validation points, or training losses averaged over --train-bin steps [default: {LawNames.Of(d.Target)}]." };
        var trainBin = TrainCommand.Int("--train-bin", "K", $"Steps per bin of training losses with --target train [default: {d.TrainBin}].");
        var burnIn = TrainCommand.Int("--burn-in", "STEPS", "Skip points before this many steps [default: half the longest run].");
        var warmup = new Option<string>("--warmup-area") { HelpName = "actual|peak", Description = $"Count the warmup in S1 as it was, or at the peak LR (Tissue et al.) [default: {LawNames.Of(d.WarmupArea)}]." };
        var lambda = new Option<string>("--lambda") { HelpName = "X|fit", Description = $"The Tissue law's decay factor, fixed or fitted [default: {TrainCommand.Show(d.Lambda!.Value)}]." };
        var huber = TrainCommand.Double("--huber", "DELTA", $"Huber threshold on log residuals [default: {TrainCommand.Show(d.HuberDelta)}].");
        var fix = new Option<string>("--fix") { HelpName = "NAME=VALUE,...", Description = "Hold parameters at a value instead of fitting them (e.g. beta=0.6,gamma=0.6)." };
        var rawUnits = new Option<bool>("--raw-lr-units") { Description = "Count learning rates as they are instead of in units of the runs' peak (worse conditioned; for comparison)." };
        var command = new Command("fit", "Fit a loss law to finished runs: prints the parameters and the fit error per run; writes law.json and a plot.")
        {
            runs, law, output, plot, target, trainBin, burnIn, warmup, lambda, fix, huber, rawUnits,
        };
        var flags = new LawFlags(command);
        command.SetAction(parse =>
        {
            var options = d with
            {
                Law = Parse(parse.GetValue(law), "--law", LawNames.ParseLaw, d.Law, "multi-power or tissue"),
                Target = Parse(parse.GetValue(target), "--target", LawNames.ParseTarget, d.Target, "val or train"),
                WarmupArea = Parse(parse.GetValue(warmup), "--warmup-area", LawNames.ParseWarmupArea, d.WarmupArea, "actual or peak"),
                TrainBin = parse.GetValue(trainBin) ?? d.TrainBin,
                BurnIn = parse.GetValue(burnIn) ?? d.BurnIn,
                Lambda = parse.GetValue(lambda) is { } l ? ParseLambda(l) : d.Lambda,
                HuberDelta = parse.GetValue(huber) ?? d.HuberDelta,
                PeakUnits = !parse.GetValue(rawUnits),
                Fixed = parse.GetValue(fix) is { } f ? ParseFixed(f) : d.Fixed,
            };
            var plotPath = parse.GetValue(plot);
            PlotRenderer.CheckPath(plotPath);

            return Execute(context, flags, parse.GetValue(runs)!, options, parse.GetValue(output) ?? DefaultOut, plotPath);
        });
        return command;
    }

    private static int Execute(CliContext context, LawFlags flags, string[] directories, FitOptions options, string output, string? plotPath)
    {
        try
        {
            var runs = directories.Select(TrainedRuns.Read).ToList();
            var fitted = LawFitter.Fit(runs, options);
            var files = new OutputFiles();
            files.Add("--out", output, LawFile.Write(fitted));
            if (plotPath is not null)
            {
                files.Add("--plot", plotPath, LawPlots.Fit(fitted, runs, fitted.Options, plotPath));
            }

            files.Commit();
            Print(context, fitted);
            context.Out.WriteLine($"wrote {output}{(plotPath is null ? "" : $" and {plotPath}")}");
            return 0;
        }
        catch (Exception e) when (e is LawInputException or TrainingInputException)
        {
            throw flags.Usage(e);
        }
    }

    /// <summary>The law, its parameters and the per-run fit table.</summary>
    internal static void Print(CliContext context, FittedLaw law)
    {
        var o = law.Options;
        var what = o.Target == FitTarget.Validation ? "validation points" : $"training losses averaged over {o.TrainBin} steps";
        var units = law.LrUnit == law.PeakLr ? $"learning rates in units of the runs' peak {Short(law.PeakLr)}" : "learning rates as they are";
        var warmup = law.WarmupArea == WarmupArea.Actual ? "the warmup's area as it was" : "warmup steps counted at the peak";
        context.Out.WriteLine($"{LawNames.Of(law.Law.Kind)} law fitted to {law.Sources.Count} runs on {what} after {o.BurnIn} steps ({units}; {warmup}" +
                              $"{(law.Law.Kind == LawKind.Tissue ? o.Lambda is null ? "; lambda fitted" : $"; lambda fixed at {Short(o.Lambda.Value)}" : "")}):");
        context.Out.WriteLine(law.Law.Kind == LawKind.MultiPower
            ? "  L(n) = L0 + A*S1(n)^-alpha - B*sum_k (u_(k-1) - u_k)*(1 - (C*u_k^-gamma*S_k(n) + 1)^-beta)"
            : "  L(n) = L0 + A*S1(n)^-alpha - C*S2(n), S2 = sum of m_i, m_i = lambda*m_(i-1) + (u_(i-1) - u_i)");
        var values = law.Law.ToVector();
        context.Out.WriteLine("  " + string.Join(", ", law.Law.ParameterNames.Select((n, i) => $"{n} = {values[i].ToString("G5", CultureInfo.InvariantCulture)}{(o.Fixed.ContainsKey(n) ? " (fixed)" : "")}")));
        TableRenderer.WriteCells(
            context,
            ["run", "steps", "peak lr", "warmup", "points", "mean err", "max err", "final", "fitted"],
            law.Sources.Select(s => (string[])
            [
                s.Name, s.Steps.ToString(CultureInfo.InvariantCulture), Short(s.PeakLr), s.WarmupSteps.ToString(CultureInfo.InvariantCulture),
                s.Points.ToString(CultureInfo.InvariantCulture), Percent(s.MeanRelativeError), Percent(s.MaxRelativeError),
                s.FinalObserved is { } f ? F4(f) : "-", F4(s.FinalFitted),
            ]));
    }

    /// <summary>Reads <c>LAW.json</c>; a missing file says how to make one.</summary>
    internal static FittedLaw LoadLaw(string path) => File.Exists(path)
        ? LawFile.Load(path)
        : throw new UsageException($"{path}: no such law file; write one with 'anneal fit RUN_DIR... --out {path}'");

    internal static T Parse<T>(string? text, string option, Func<string, T?> parse, T fallback, string allowed) where T : struct =>
        text is null ? fallback : parse(text) ?? throw new UsageException($"{option} must be {allowed} (was '{text}')");

    private static Dictionary<string, double> ParseFixed(string text)
    {
        var result = new Dictionary<string, double>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                throw new UsageException($"--fix takes NAME=VALUE pairs separated by commas, e.g. beta=0.6,gamma=0.6 (was '{item}')");
            }

            result[parts[0]] = v;
        }

        return result;
    }

    private static double? ParseLambda(string text)
    {
        if (text == "fit")
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && v < 1
            ? v
            : throw new UsageException($"--lambda must be a number in (0, 1) or 'fit' (was '{text}')");
    }

    internal static string Short(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    internal static string F4(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    internal static string Percent(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
