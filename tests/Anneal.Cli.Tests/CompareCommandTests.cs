using System.Globalization;
using System.Text.RegularExpressions;
using Anneal.Cli.Reports;
using Anneal.Training.Experiments;
using Anneal.Training.Runs;

namespace Anneal.Cli.Tests;

/// <summary><c>anneal compare</c>: the command line, the printed table and the report files it renders.</summary>
public sealed class CompareCommandTests
{
    private static readonly string[] Tiny =
    [
        "--steps", "20", "--layers", "1", "--heads", "2", "--dim", "32", "--batch-size", "8", "--context", "32",
        "--eval-every", "10", "--eval-batches", "2", "--corpus-chars", "50000", "--lr", "0.01",
    ];

    [Fact]
    public void ComparesThreeSchedulesPrintsTheRankedTableAndWritesTheReport()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "report");
        var result = Cli.Ok(["compare", "constant", "cosine", "late=wsd-1sqrt", "--out", outDir, .. Tiny]);

        Assert.Contains("[1/3] constant: training to step 20", result.Out);
        Assert.Contains("[3/3] late: completed, final validation loss ", result.Out);
        var header = "| " + string.Join(" | ", CompareTable.Columns.Select(c => c.Header)) + " |";
        Assert.Equal("| rank | schedule | optimizer | final val loss | best val loss | excess over floor | tokens to target | largest spike | wall time |", header);
        string[] Cells(string line) => [.. line.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim())];
        Assert.Equal(Cells(header), Cells(result.OutLines.First(l => l.StartsWith("| rank ", StringComparison.Ordinal))));
        Assert.Contains(" wins: final validation loss ", result.Out);
        Assert.Contains($"report: {Path.Combine(outDir, "report.html")}", result.Out);
        foreach (var file in new[] { "results.csv", "report.md", "report.html", "val_loss.png", "lr.png", "compare.json", "load.json" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }

        foreach (var run in new[] { "constant", "cosine", "late" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, "runs", run, RunDirectory.CurvesFile)), run);
        }

        var rows = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.Equal("rank,name,optimizer,status,final_val_loss,best_val_loss,excess_over_floor,tokens_to_target,largest_spike,steps,tokens,wall_seconds,schedule", rows[0]);
        Assert.Equal(["constant", "cosine", "late"], rows.Skip(1).Select(r => r.Split(',')[1]).Order());
        Assert.All(rows.Skip(1), r => Assert.Equal("5120", r.Split(',')[10])); // 20 steps x 8 x 32 tokens for every run
        var finals = rows.Skip(1).Select(r => double.Parse(r.Split(',')[4], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(finals.Order(), finals);

        // One table definition: the terminal's rows are the Markdown's and the HTML's.
        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("anneal compare constant cosine late=wsd-1sqrt --out", md);
        Assert.Contains(header, md);
        var best = rows[1].Split(',')[1];
        var printed = result.OutLines.Where(l => Regex.IsMatch(l, @"^\|\s+\d+ \|")).Select(Cells).ToList();
        var written = md.Split('\n').Where(l => Regex.IsMatch(l, @"^\| \d+ \|")).Select(Cells).ToList();
        Assert.Equal(3, printed.Count);
        Assert.Equal(printed, written);
        Assert.Contains($"<tr><td class=\"n\">1</td><td>{best}</td><td>adamw</td>", html);
        Assert.Equal(2, Regex.Count(html, "src=\"data:image/png;base64,"));
        Assert.Equal(2, Regex.Count(html, "src=")); // every image inline
        var text = Regex.Replace(html, "data:image/png;base64,[A-Za-z0-9+/=]+", "data:");
        Assert.DoesNotContain("href", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("CosineAnnealingLR", html); // each run's spec
        Assert.Contains("](val_loss.png)", md);
        Assert.Contains("](lr.png)", md);

        // Running it again trains nothing and gives the same table.
        var again = Cli.Ok(["compare", "constant", "cosine", "late=wsd-1sqrt", "--out", outDir, .. Tiny]);
        Assert.Contains("[1/3] constant: finished earlier, skipped", again.Out);
        Assert.DoesNotContain("training to step", again.Out);
        Assert.Equal(rows, File.ReadAllLines(Path.Combine(outDir, "results.csv")));

        // A train run is not a report directory, and a report directory is not a train run.
        var train = Path.Combine(outDir, "runs", "constant");
        var before = Directory.GetFiles(train).ToDictionary(f => f, File.ReadAllBytes);
        Cli.Fails($"error: --out '{train}' holds a training run, not a comparison; choose a new directory; pass --force to write into it anyway", ["compare", "constant", "--out", train, .. Tiny]);
        Assert.Equal(before, Directory.GetFiles(train).ToDictionary(f => f, File.ReadAllBytes));
        var intoReport = Cli.Run("train", "--out", outDir, "--steps", "2");
        Assert.Equal(2, intoReport.ExitCode);
        Assert.StartsWith($"error: --out '{outDir}' is not empty (", intoReport.Error);
        Assert.EndsWith("holds no anneal run; choose a new or empty directory; pass --force to write into it anyway\n", intoReport.Error);
    }

    [Fact]
    public void TheCommittedReportIsReadBackWithoutTrainingAndGivesItsOwnTable()
    {
        // docs/reports/builtin was written by the first format (anneal.train/1 runs, no checkpoints): its command again
        // reads every run and branch back and renders the same results.csv.
        using var dir = new TempDir();
        var committed = Path.Combine(Repository.Root, "docs", "reports", "builtin");
        var copy = Path.Combine(dir.Root, "builtin");
        Repository.CopyDirectory(committed, copy);
        var result = Cli.Ok("compare", "--out", copy, "--branch-at", "0.25,0.5,1");

        Assert.Equal(13, Regex.Count(result.Out, ": finished earlier, skipped"));
        Assert.DoesNotContain("training to step", result.Out);
        Assert.Equal(File.ReadAllLines(Path.Combine(committed, "results.csv")), File.ReadAllLines(Path.Combine(copy, "results.csv")));
        Assert.Equal(File.ReadAllLines(Path.Combine(committed, "branching.csv")), File.ReadAllLines(Path.Combine(copy, "branching.csv")));
        Assert.Equal(CompareManifest.CurrentFormat, new CompareDirectory(copy).ReadManifest().Format);
        Assert.Equal(9, new CompareDirectory(copy).Runs.Count);
    }

    [Fact]
    public void BranchingSentenceCountsTheTokens()
    {
        var plan = BranchingPlan.Create(40, new BranchingOptions());
        var empty = RunHistory.Empty(2);
        var branches = plan.Budgets.Select(b => new BranchResult(b, 1.0, b.Budget * 256L, b.DecaySteps * 256L, empty)).ToList();
        var report = new BranchingReport(plan, branches, empty, plan.StableSteps * 256L, (plan.StableSteps + plan.Budgets.Sum(b => b.DecaySteps)) * 256L, plan.Budgets.Sum(b => b.Budget) * 256L, 0);
        Assert.Equal(
            "One stable run to step 32 (8,192 tokens) and 3 cooldowns branched off it (3,584 tokens) cost 11,776 training tokens; separate runs of the 3 budgets would have cost 17,920 (34.3% saved).",
            CompareReportWriter.BranchingSentence(report));
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
        Cli.Fails("error: --eval-batches must be >= 1 (was 0)", "compare", "--eval-batches", "0", "--out", outDir);
        Cli.Fails("error: schedule 'cosin' is not a preset, a JSON spec or an existing file (did you mean 'cosine'?); presets: " + string.Join(", ", Anneal.Training.SchedulePresets.Names),
            "compare", "cosin", "--out", outDir); // compare has no --schedule flag: the option is named in words
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void HelpListsTheDefaultSetAndTheOptions()
    {
        var text = string.Join(' ', Cli.Ok("compare", "--help").Out.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("constant, exponential, multistep, cosine, onecycle, adam-constant, warmup-cosine, wsd-1sqrt, warmup-linear", text);
        foreach (var option in new[] { "--schedules", "--out", "--force", "--steps", "--lr", "--optimizer", "--data", "--target", "--branch-at", "--decay-fraction" })
        {
            Assert.Contains(option, text);
        }
    }
}
