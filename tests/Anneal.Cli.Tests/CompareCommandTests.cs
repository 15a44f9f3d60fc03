using System.Globalization;
using System.Text.RegularExpressions;
using Anneal.Cli.Reports;
using Anneal.Training.Experiments;
using Anneal.Training.Runs;

namespace Anneal.Cli.Tests;

/// <summary><c>anneal compare</c>: the command line, the printed tables and the report files it renders.</summary>
public sealed class CompareCommandTests
{
    /// <summary>A tiny run (1 layer, width 16, 12 steps), on the default torch threads (the CPUs the process may use: what the test process has).</summary>
    internal static readonly string[] Tiny =
    [
        "--steps", "12", "--layers", "1", "--heads", "2", "--dim", "16", "--batch-size", "8", "--context", "32",
        "--eval-every", "4", "--eval-batches", "2", "--corpus-chars", "50000",
    ];

    [Fact]
    public void ComparesSchedulesAtEachLrAndSeedPrintsTheTablesAndWritesTheReport()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "report");
        // --threads at its default (a count the test process already has: the count is global to the process).
        string[] args = ["compare", "constant", "cosine", "late=wsd-1sqrt", "--lr", "0.003,0.01", "--seeds", "2", "--out", outDir, .. Tiny, "--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)];
        var result = Cli.Ok(args);

        Assert.Contains($"[1/12] constant lr 0.003 seed 1337: training to step 12 ({Path.Combine(outDir, "runs/constant/lr-0.003/seed-1337")})", result.OutLines);
        Assert.Contains("[12/12] late lr 0.01 seed 1338: completed, final validation loss ", result.Out);
        var header = "| " + string.Join(" | ", CompareTable.Columns.Select(c => c.Header)) + " |";
        Assert.Equal("| rank | schedule | optimizer | best LR | final val loss | std | 95% CI | vs best (paired 95% CI) | excess over floor | tokens to target | largest spike | wall time |", header);
        string[] Cells(string line) => [.. line.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim())];
        Assert.Equal(Cells(header), Cells(result.OutLines.First(l => l.StartsWith("| rank ", StringComparison.Ordinal))));
        Assert.Equal(["schedule", "LR 0.003", "LR 0.01"], Cells(result.OutLines.Single(l => l.StartsWith("| schedule ", StringComparison.Ordinal)))); // the LR table
        Assert.Contains($"report: {Path.Combine(outDir, "report.html")}", result.Out);
        foreach (var file in CompareReportWriter.Files.Append("compare.json"))
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }

        Assert.Equal(12, Directory.GetFiles(Path.Combine(outDir, "runs"), RunDirectory.CurvesFile, SearchOption.AllDirectories).Length);

        // runs.csv: one row per schedule, LR and seed, in plan order, run_dir relative to the report.
        var runs = File.ReadAllLines(Path.Combine(outDir, "runs.csv"));
        Assert.Equal("name,lr,seed,optimizer,weight_decay,status,final_val_loss,best_val_loss,excess_over_floor,tokens_to_target,largest_spike,steps,tokens,wall_seconds,sessions,run_dir,schedule", runs[0]);
        Assert.Equal(13, runs.Length);
        Assert.Equal("constant,0.003,1337,adamw,0.1,completed", string.Join(',', runs[1].Split(',').Take(6)));
        Assert.Equal("runs/late/lr-0.01/seed-1338", runs[12].Split(',')[15]);
        Assert.All(runs.Skip(1), r => Assert.Equal("3072", r.Split(',')[12])); // 12 steps x 8 x 32 tokens for every run

        // results.csv: one row per schedule, ranked by the mean over seeds at the schedule's best LR.
        var results = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.Equal(
            "rank,name,optimizer,weight_decay,best_lr,seeds,final_val_loss_mean,final_val_loss_std,final_val_loss_ci95_low,final_val_loss_ci95_high," +
            "diff_to_best,diff_to_best_ci95_low,diff_to_best_ci95_high,tied_with_best,best_lr_at_edge,best_val_loss_mean,excess_over_floor,tokens_to_target,largest_spike,wall_seconds,predicted_final_val_loss,prediction_error,schedule",
            results[0]);
        Assert.Equal(["constant", "cosine", "late"], results.Skip(1).Select(r => r.Split(',')[1]).Order());
        double Final(string name, string lr, string seed) =>
            double.Parse(runs.Single(r => r.StartsWith($"{name},{lr},{seed},", StringComparison.Ordinal)).Split(',')[6], CultureInfo.InvariantCulture);
        foreach (var row in results.Skip(1).Select(r => r.Split(',')))
        {
            var best = row[4];
            Assert.Equal("2", row[5]);
            Assert.Equal((Final(row[1], best, "1337") + Final(row[1], best, "1338")) / 2, double.Parse(row[6], CultureInfo.InvariantCulture), 12);
            var other = best == "0.003" ? "0.01" : "0.003";
            Assert.True(double.Parse(row[6], CultureInfo.InvariantCulture) <= (Final(row[1], other, "1337") + Final(row[1], other, "1338")) / 2);
            Assert.Equal(best == "0.003" ? "low" : "high", row[14]); // a two-point grid: the best is always at an edge
        }

        Assert.Equal("0", results[1].Split(',')[10]); // the winner's difference to itself
        Assert.Equal(7, File.ReadAllLines(Path.Combine(outDir, "lr_sensitivity.csv")).Length);

        // One table definition: the terminal's rows are the Markdown's and the HTML's.
        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains($"Command: `anneal compare constant cosine late=wsd-1sqrt --lr 0.003,0.01 --seeds 2 --out {outDir} --steps 12", md);
        Assert.DoesNotContain("--threads", md); // how a process ran is not what was compared
        Assert.Contains(header, md);
        var printed = result.OutLines.Where(l => Regex.IsMatch(l, @"^\|\s+\d+ \|")).Select(Cells).ToList();
        var written = md.Split('\n').Where(l => Regex.IsMatch(l, @"^\| \d+ \|")).Select(Cells).ToList();
        Assert.Equal(3, printed.Count);
        Assert.Equal(printed, written);
        var winner = results[1].Split(',')[1];
        Assert.Contains($"<tr><td class=\"n\">1</td><td>{winner}</td><td>adamw, wd 0.1</td>", html);
        Assert.Equal(3, Regex.Count(html, "src=\"data:image/png;base64,"));
        Assert.Equal(3, Regex.Count(html, "src=")); // every image inline
        var text = Regex.Replace(html, "data:image/png;base64,[A-Za-z0-9+/=]+", "data:");
        Assert.DoesNotContain("href", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("CosineAnnealingLR", html); // each schedule's spec
        foreach (var image in new[] { "val_loss.png", "lr_sensitivity.png", "lr.png" })
        {
            Assert.Contains($"]({image})", md);
        }

        // Running it again trains nothing and gives the same tables.
        var again = Cli.Ok(args);
        Assert.Contains("12 of 12 runs finished earlier, skipped", again.Out);
        Assert.DoesNotContain("training to step", again.Out);
        Assert.Equal(results, File.ReadAllLines(Path.Combine(outDir, "results.csv")));
        Assert.Equal(runs, File.ReadAllLines(Path.Combine(outDir, "runs.csv")));

        // A train run is not a report directory, and a report directory is not a train run.
        var train = Path.Combine(outDir, "runs", "constant", "lr-0.003", "seed-1337");
        var before = Directory.GetFiles(train).ToDictionary(f => f, File.ReadAllBytes);
        Cli.Fails($"error: --out '{train}' holds a training run, not a comparison; choose a new directory; pass --force to write into it anyway", ["compare", "constant", "--out", train, .. Tiny]);
        Assert.Equal(before, Directory.GetFiles(train).ToDictionary(f => f, File.ReadAllBytes));
        var intoReport = Cli.Run("train", "--out", outDir, "--steps", "2");
        Assert.Equal(2, intoReport.ExitCode);
        Assert.StartsWith($"error: --out '{outDir}' is not empty (", intoReport.Error);
    }

    [Fact]
    public void ShardsTrainTheirRunsAndTheSameCommandWithoutAShardAssemblesTheReport()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "report");
        string[] args = ["compare", "constant", "cosine", "--lr", "0.01", "--seeds", "2", "--out", outDir, .. Tiny];

        var first = Cli.Ok([.. args, "--shard", "0/2"]);
        Assert.Contains("[1/2] constant lr 0.01 seed 1337: training to step 12", first.Out);
        Assert.Contains("[2/2] cosine lr 0.01 seed 1337: completed", first.Out);
        Assert.EndsWith($"shard 0/2: its 2 runs are done (2 trained now, 0 earlier); when every shard is done, assemble the report with: anneal compare constant cosine --lr 0.01 --seeds 2 --out {outDir} {string.Join(' ', Tiny)}\n", first.Out);
        Assert.False(File.Exists(Path.Combine(outDir, "report.md")));

        // --report-only lists what is missing and writes nothing (exit 1: a fault to fix by training, not bad input).
        var missing = Cli.Run([.. args, "--report-only"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal(
            [$"missing: constant lr 0.01 seed 1338 ({Path.Combine(outDir, "runs/constant/lr-0.01/seed-1338")}): not started", $"missing: cosine lr 0.01 seed 1338 ({Path.Combine(outDir, "runs/cosine/lr-0.01/seed-1338")}): not started"],
            missing.OutLines);
        Assert.Equal("error: 2 runs of 4 are not done (listed above), so no report was written; train them with the same command without --report-only (or with their --shard I/N), then assemble again\n", missing.Error);
        Assert.False(File.Exists(Path.Combine(outDir, "report.md")));

        Cli.Ok([.. args, "--shard", "1/2"]);
        var assembled = Cli.Ok([.. args, "--report-only"]);
        Assert.Contains("4 of 4 runs finished earlier, skipped", assembled.Out);
        Assert.True(File.Exists(Path.Combine(outDir, "report.md")));
        Assert.Equal($"anneal compare constant cosine --lr 0.01 --seeds 2 --out {outDir} {string.Join(' ', Tiny)}", new CompareDirectory(outDir).ReadManifest().CommandLine);
        Assert.Equal(["0/2", "1/2"], new CompareDirectory(outDir).ReadSessions().Select(s => s.Shard));
        Assert.Contains("Shard 0/2 trained 2 runs on ", File.ReadAllText(Path.Combine(outDir, "report.md")));
    }

    [Fact]
    public void PredictFitsTheLawOnTheWarmupConstantAndWarmupCosineRunsAndReportsTheOthersWithTheirError()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "report");
        string[] tiny = [.. Tiny.Select(a => a == "12" ? "40" : a)]; // 40 steps: a 2-step warmup, 10 validation points a run
        Assert.Contains("40", tiny);
        string[] args = ["compare", "warmup-constant", "warmup-cosine", "warmup-linear", "constant", "--lr", "0.003,0.01", "--seeds", "2", "--out", outDir, .. tiny];
        Cli.Ok(args);
        var before = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.All(before.Skip(1), r => Assert.Equal(["", ""], CsvLine.Fields(r)[20..22])); // no --predict: empty columns

        // The fit needs no training: --report-only --predict on the trained runs.
        var assembled = Cli.Ok([.. args, "--report-only", "--predict"]);
        Assert.Contains("16 of 16 runs finished earlier, skipped", assembled.Out);
        Assert.Contains("The loss law, fitted on warmup-constant and warmup-cosine at each peak LR, predicts the final validation loss of the 1 other schedule with their warmup, at its best LR, with a mean relative error of ", assembled.Out);

        var results = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        var header = results[0].Split(',');
        var predicted = Array.IndexOf(header, "predicted_final_val_loss");
        var error = Array.IndexOf(header, "prediction_error");
        var mean = Array.IndexOf(header, "final_val_loss_mean");
        Assert.Equal((20, 21), (predicted, error));
        var rows = results.Skip(1).Select(CsvLine.Fields).ToDictionary(r => r[1]);
        Assert.Equal(["constant", "warmup-constant", "warmup-cosine", "warmup-linear"], rows.Keys.Order());

        // The runs it is fitted on are not predicted, nor a schedule without their warmup.
        foreach (var name in new[] { "warmup-constant", "warmup-cosine", "constant" })
        {
            Assert.Equal(("", ""), (rows[name][predicted], rows[name][error]));
        }

        var p = double.Parse(rows["warmup-linear"][predicted], CultureInfo.InvariantCulture);
        var trained = double.Parse(rows["warmup-linear"][mean], CultureInfo.InvariantCulture);
        Assert.True(double.IsFinite(p) && p > 0, $"predicted {p}");
        Assert.Equal(Math.Abs(p - trained) / trained, double.Parse(rows["warmup-linear"][error], CultureInfo.InvariantCulture), 12);
        var sameButPredicted = before.Zip(results, (b, a) => (CsvLine.Fields(b), CsvLine.Fields(a))).Skip(1).All(x => x.Item1.Count == x.Item2.Count && x.Item1.Where((_, i) => i < 19).SequenceEqual(x.Item2.Where((_, i) => i < 19)));
        Assert.True(sameButPredicted, "the ranking is the same with --predict");

        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("## Predicted by a loss law (--predict)", md);
        Assert.Contains("| 0.003 | warmup-constant x 2 seeds, warmup-cosine x 2 seeds |", md);
        Assert.Contains("| 0.01 | warmup-constant x 2 seeds, warmup-cosine x 2 seeds |", md);
        Assert.Contains("Warnings of the law", md);
    }

    [Fact]
    public void PredictWithoutWarmupConstantOrWarmupCosineIsOneErrorLine()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "x");
        Cli.Fails("error: --predict fits the law on the warmup-constant and warmup-cosine runs (with the comparison's optimizer), and the set has no warmup-constant; add it to the schedules, or leave out --predict",
            "compare", "warmup-cosine", "warmup-linear", "--predict", "--out", outDir);
        Cli.Fails("error: --predict fits the law on the warmup-constant and warmup-cosine runs (with the comparison's optimizer), and the set has no warmup-constant and no warmup-cosine; add them to the schedules, or leave out --predict",
            "compare", "cosine", "--schedules", WriteAdamEntries(dir), "--predict", "--out", outDir);
        Assert.False(Directory.Exists(outDir));
    }

    /// <summary>A --schedules file with both presets under another optimizer: they do not count as the fitted runs.</summary>
    private static string WriteAdamEntries(TempDir dir)
    {
        var path = Path.Combine(dir.Root, "adam.json");
        File.WriteAllText(path, """[{"name":"adam-const","schedule":"warmup-constant","optimizer":"adam"},{"name":"adam-cos","schedule":"warmup-cosine","optimizer":"adam"}]""");
        return path;
    }

    [Fact]
    public void BadInputIsOneErrorLine()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "x");
        Cli.Fails("error: --branch-at 0.05: the cooldown of a 30-step budget would start at step 24, inside the 30-step warmup; use larger fractions or more steps",
            "compare", "--branch-at", "0.05,1", "--steps", "600", "--out", outDir);
        Cli.Fails("error: two schedules are named 'cosine'; name them with NAME=SPEC", "compare", "cosine", "cosine", "--out", outDir);
        Cli.Fails("error: --decay-fraction needs --branch-at", "compare", "--decay-fraction", "0.3", "--out", outDir);
        Cli.Fails("error: --branch-at '0.5,x': 'x' is not a finite number; give comma-separated numbers such as --branch-at 0.25,0.5,1", "compare", "--branch-at", "0.5,x", "--out", outDir);
        Cli.Fails("error: --lr '0.003,x': 'x' is not a finite number; give comma-separated numbers such as --lr 3e-3,1e-2,3e-2", "compare", "--lr", "0.003,x", "--out", outDir);
        Cli.Fails("error: --lr must be finite numbers > 0 (was -0.1); --lr lists 0.003 twice", "compare", "--lr", "0.003,-0.1,0.003", "--out", outDir);
        Cli.Fails("error: --seeds must be >= 1 (was 0)", "compare", "--seeds", "0", "--out", outDir);
        Cli.Fails("error: --eval-batches must be >= 1 (was 0)", "compare", "--eval-batches", "0", "--out", outDir);
        Cli.Fails("error: --shard index must be in 0..1 for 2 shards (was 2)", "compare", "--shard", "2/2", "--out", outDir);
        Cli.Fails("error: --shard must be I/N (shard I of N, from 0), auto or auto/N (was 'one')", "compare", "--shard", "one", "--out", outDir);
        Cli.Fails("error: --report-only assembles the whole report; give it without --shard", "compare", "--shard", "0/2", "--report-only", "--out", outDir);
        Cli.Fails("error: --slurm writes a driver for every shard; give it without --shard and --report-only", "compare", "--slurm", Path.Combine(dir.Root, "s.sh"), "--shard", "0/2", "--out", outDir);
        Cli.Fails("error: --shards needs --slurm (a single process takes one shard: --shard I/N)", "compare", "--shards", "4", "--out", outDir);
        Cli.Fails("error: --shards must be in 1..2, the runs of this comparison (was 3)", "compare", "constant", "--lr", "0.01", "--seeds", "2", "--slurm", Path.Combine(dir.Root, "s.sh"), "--shards", "3", "--out", outDir);
        Cli.Fails("error: --threads must be >= 1 (was 0)", "compare", "--threads", "0", "--out", outDir);
        Cli.Fails("error: schedule 'cosin' is not a preset, a JSON spec or an existing file (did you mean 'cosine'?); presets: " + string.Join(", ", Anneal.Training.SchedulePresets.Names),
            "compare", "cosin", "--out", outDir); // compare has no --schedule flag: the option is named in words
        Assert.False(Directory.Exists(outDir));
        Assert.False(File.Exists(Path.Combine(dir.Root, "s.sh")));
    }

    [Fact]
    public void HelpListsTheDefaultSetAndTheOptions()
    {
        var text = string.Join(' ', Cli.Ok("compare", "--help").Out.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("constant, exponential, multistep, cosine, onecycle, adam-constant, warmup-cosine, wsd-1sqrt, warmup-linear, warmup-constant, two-stage]", text);
        foreach (var option in new[] { "--schedules", "--out", "--force", "--steps", "--lr", "--seeds", "--seed", "--eval-every", "--optimizer", "--data", "--target", "--branch-at", "--decay-fraction", "--shard", "--report-only", "--slurm", "--shards", "--threads" })
        {
            Assert.Contains(option, text);
        }
    }
}
