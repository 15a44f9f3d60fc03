namespace Anneal.Cli.Tests;

/// <summary><c>anneal compare</c>: the command line, the printed table and the report files.</summary>
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
        Assert.Contains("| rank | schedule | optimizer | final val | best val | excess |", result.Out);
        Assert.Contains(" wins: final validation loss ", result.Out);
        Assert.Contains($"report: {Path.Combine(outDir, "report.html")}", result.Out);
        foreach (var file in new[] { "results.csv", "report.md", "report.html", "val_loss.png", "lr.png", "compare.json" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }

        var rows = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.Equal(["constant", "cosine", "late"], rows.Skip(1).Select(r => r.Split(',')[1]).Order());
        Assert.Contains("anneal compare constant cosine late=wsd-1sqrt --out", File.ReadAllText(Path.Combine(outDir, "report.md")));

        // Running it again trains nothing and gives the same table.
        var again = Cli.Ok(["compare", "constant", "cosine", "late=wsd-1sqrt", "--out", outDir, .. Tiny]);
        Assert.Contains("[1/3] constant: finished earlier, skipped", again.Out);
        Assert.DoesNotContain("training to step", again.Out);
        Assert.Equal(rows, File.ReadAllLines(Path.Combine(outDir, "results.csv")));
    }

    [Fact]
    public void BadInputIsOneErrorLine()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "x");
        Cli.Fails("error: --branch-at 0.05: the cooldown of a 30-step budget would start at step 24, inside the 30-step warmup; use larger fractions or more --steps",
            "compare", "--branch-at", "0.05,1", "--steps", "600", "--out", outDir);
        Cli.Fails("error: two schedules are named 'cosine'; name them with NAME=SPEC", "compare", "cosine", "cosine", "--out", outDir);
        Cli.Fails("error: --decay-fraction needs --branch-at", "compare", "--decay-fraction", "0.3", "--out", outDir);
        Cli.Fails("error: --branch-at '0.5,x': 'x' is not a finite number; give comma-separated numbers such as --branch-at 0.25,0.5,1", "compare", "--branch-at", "0.5,x", "--out", outDir);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void HelpListsTheDefaultSetAndTheOptions()
    {
        var text = string.Join(' ', Cli.Ok("compare", "--help").Out.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("constant, exponential, multistep, cosine, onecycle, adam-constant, warmup-cosine, wsd-1sqrt, warmup-linear", text);
        foreach (var option in new[] { "--schedules", "--out", "--steps", "--lr", "--optimizer", "--data", "--target", "--branch-at", "--decay-fraction" })
        {
            Assert.Contains(option, text);
        }
    }
}
