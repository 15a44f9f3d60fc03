using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Anneal.Cli.Tests;

public sealed class FindLrCommandTests
{
    private static readonly string[] Tiny = ["--layers", "1", "--dim", "32", "--heads", "2", "--context", "32", "--batch-size", "8"];

    [Fact]
    public void TinySweepPrintsTheSuggestionsAndWritesCsvPlotAndSchedule()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "lr");
        var r = Cli.Ok(["find-lr", "--steps", "30", "--start-lr", "1e-4", "--end-lr", "10", "--train-steps", "400", "--out", outDir, .. Tiny]);

        // Progress as anneal train prints it when not a terminal: a header, then every 10th step.
        Assert.StartsWith("training: 14,816 parameters, 256 tokens/step", r.OutLines[0]);
        Assert.Contains("""schedule {"type":"ExponentialLR","gamma":1.4677992676220695} from lr 0.0001""", r.OutLines[0]);
        Assert.StartsWith("step 0 (1/30)  loss ", r.OutLines[1]);
        Assert.Contains("  lr 0.0001  ", r.OutLines[1]);
        Assert.StartsWith("step 10 (11/30)  loss ", r.OutLines[2]);
        Assert.Contains("  lr 0.004642  ", r.OutLines[2]);

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "lr_find.json")))!;
        var suggestions = summary["suggestions"]!;
        string Short(string name) => suggestions[name]!["lr"]!.GetValue<double>().ToString("G3", CultureInfo.InvariantCulture).Replace('E', 'e');
        Assert.Matches(@"\| suggestion \| +lr \| step \| smoothed loss \| rule +\|", r.Out);
        foreach (var name in new[] { "valley", "steep", "minimum/10" })
        {
            Assert.Contains(r.OutLines, l => Regex.IsMatch(l, $@"^\| {Regex.Escape(name)} +\| +{Regex.Escape(Short(name))} \| "));
        }

        const string Spec = """{"type":"cosine_with_min_lr","num_warmup_steps":20,"num_training_steps":400,"min_lr_rate":0.1}""";
        Assert.Contains(Spec, r.OutLines);
        var specPath = Path.Combine(outDir, "suggested_schedule.json");
        Assert.Contains($"train with: anneal train --lr {Short("steep")} --schedule {specPath} --steps 400 --batch-size 8 --context 32 --layers 1 --heads 2 --dim 32", r.OutLines);
        Assert.Equal(JsonNode.Parse(Spec)!.ToJsonString(), JsonNode.Parse(File.ReadAllText(specPath))!.ToJsonString());
        Assert.Equal($"wrote lr_find.csv, lr_find.png, lr_find.json, suggested_schedule.json in {outDir}", r.OutLines[^1][..r.OutLines[^1].LastIndexOf(" (", StringComparison.Ordinal)]);

        var csv = File.ReadAllLines(Path.Combine(outDir, "lr_find.csv"));
        Assert.Equal("step,lr,loss,smoothed_loss", csv[0]);
        Assert.Equal("0,0.0001,", csv[1][..9]);
        Assert.Equal(summary["steps_done"]!.GetValue<int>() + 1, csv.Length);
        var png = File.ReadAllBytes(Path.Combine(outDir, "lr_find.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.True(png.Length > 10_000);
    }

    [Fact]
    public void PeakPicksTheSuggestionOfTheSchedule()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "lr");
        var r = Cli.Ok(["find-lr", "--steps", "20", "--start-lr", "1e-3", "--end-lr", "10", "--peak", "minimum", "--out", outDir, .. Tiny]);

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "lr_find.json")))!;
        var minimum = summary["suggestions"]!["minimum/10"]!["lr"]!.GetValue<double>();
        Assert.Equal(minimum, summary["suggested_peak_lr"]!.GetValue<double>());
        Assert.Equal("minimum", summary["sweep"]!["peak_rule"]!.GetValue<string>());
        Assert.Contains(r.OutLines, l => l.StartsWith($"suggested schedule: the default of 'anneal train' (linear warmup over 5% of 600 steps, then cosine decay to 10%) with the minimum/10 {minimum.ToString("G3", CultureInfo.InvariantCulture).Replace('E', 'e')} as its peak", StringComparison.Ordinal));
    }

    [Fact]
    public void SweepThatDivergesAtOnceHasNoSuggestions()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "lr");
        var r = Cli.Run(["find-lr", "--steps", "20", "--start-lr", "1", "--end-lr", "1e6", "--out", outDir, .. Tiny]);

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("error: no suggestions: the sweep recorded ", r.Error);
        Assert.EndsWith(" holds fewer than 2; lower --start-lr or raise --steps\n", r.Error);
        Assert.Contains(r.OutLines, l => l.Contains(": diverged at step ", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(outDir, "lr_find.csv")));
        Assert.True(File.Exists(Path.Combine(outDir, "lr_find.png")));
        Assert.False(File.Exists(Path.Combine(outDir, "suggested_schedule.json")));
    }

    [Theory]
    [InlineData(new[] { "--start-lr", "1", "--end-lr", "0.1" }, "error: --start-lr must be less than the end learning rate (was 1 and 0.1)")]
    [InlineData(new[] { "--start-lr", "0.01", "--end-lr", "0.01" }, "error: --start-lr must be less than the end learning rate (was 0.01 and 0.01)")]
    [InlineData(new[] { "--steps", "5" }, "error: --steps must be >= 10 (was 5)")]
    [InlineData(new[] { "--steps", "10001" }, "error: --steps must be <= 10000 (was 10001)")]
    [InlineData(new[] { "--start-lr", "0" }, "error: --start-lr must be a finite number > 0 (was 0)")]
    [InlineData(new[] { "--start-lr", "-1", "--steps", "3" }, "error: --start-lr must be a finite number > 0 (was -1); --steps must be >= 10 (was 3)")]
    [InlineData(new[] { "--end-lr", "abc" }, "error: --end-lr 'abc' is not a finite number; run 'anneal find-lr --help' for usage")]
    [InlineData(new[] { "--steps", "ten" }, "error: --steps 'ten' is not a whole number; run 'anneal find-lr --help' for usage")]
    [InlineData(new[] { "--layers", "0" }, "error: --layers must be >= 1 (was 0)")]
    [InlineData(new[] { "--train-steps", "0" }, "error: --train-steps must be >= 1 (was 0)")]
    [InlineData(new[] { "--data", "missing.txt" }, "error: --data: file 'missing.txt' does not exist")]
    [InlineData(new[] { "--peak", "max" }, "error: --peak must be valley, steep or minimum (was 'max')")]
    [InlineData(new[] { "--lr", "0.1" }, "error: unknown option '--lr' for 'anneal find-lr'; run 'anneal find-lr --help' for usage")]
    public void BadInput(string[] options, string expected) => Cli.Fails(expected, ["find-lr", .. options]);

    [Fact]
    public void HelpListsTheSweepAndModelOptions()
    {
        var text = Cli.Ok("find-lr", "--help").Out;
        Assert.Contains("LR range test (Smith 2017, fastai's lr_find)", text);
        foreach (var option in new[] { "--start-lr", "--end-lr", "--steps", "--peak", "--train-steps", "--out", "--optimizer", "--data", "--layers", "--grad-clip", "--device" })
        {
            Assert.Contains(option, text);
        }

        Assert.Contains("find-lr", Cli.Ok("--help").Out);
    }
}
