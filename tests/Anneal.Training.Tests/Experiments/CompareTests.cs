using System.Globalization;
using Anneal.Training.Experiments;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary><see cref="Compare.Run"/> end to end on a tiny model: the files, the ranking, and resuming.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-compare-");

    internal static TrainingOptions Tiny => new()
    {
        Steps = 30,
        BatchSize = 8,
        Context = 32,
        Layers = 1,
        Heads = 2,
        EmbeddingDim = 32,
        EvalEvery = 10,
        EvalBatches = 2,
        CheckpointEvery = 0, // only at the end (and on Ctrl-C): fewer fsyncs
        CorpusCharacters = 50_000,
        LearningRate = 1e-2,
    };

    private static CompareSettings Three => new()
    {
        Training = Tiny,
        Entries = [CompareSet.Parse("constant"), CompareSet.Parse("cosine"), CompareSet.Parse("wsd-1sqrt")],
    };

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void ThreeSchedulesGiveARankedCsvAndSelfContainedReports()
    {
        var outDir = Path.Combine(_dir.FullName, "three");
        var report = Compare.Run(Three, outDir);

        Assert.False(report.Interrupted);
        var csv = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.Equal("rank,name,optimizer,status,final_val_loss,best_val_loss,excess_over_floor,tokens_to_target,largest_spike,steps,tokens,wall_seconds,schedule", csv[0]);
        Assert.Equal(4, csv.Length);
        var rows = csv.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(["1", "2", "3"], rows.Select(r => r[0]));
        Assert.Equal(["constant", "cosine", "wsd-1sqrt"], rows.Select(r => r[1]).Order());
        var finals = rows.Select(r => double.Parse(r[4], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(finals.Order(), finals); // ranked by final validation loss
        Assert.All(rows, r => Assert.Equal("completed", r[3]));
        Assert.All(rows, r => Assert.Equal("7680", r[10])); // 30 steps x 8 x 32 tokens, the same budget for all

        // The numbers are the runs' own: final loss from summary.json, excess over the built-in corpus's floor.
        foreach (var run in report.Runs)
        {
            // One session each: its wall time is the trainer's own, counted once.
            var summaryWall = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "runs", run.Name, "summary.json")))!["wall_seconds"]!.GetValue<double>();
            Assert.Equal(1, run.Sessions);
            Assert.InRange(run.WallSeconds, summaryWall, summaryWall + 0.5);
        }

        var best = report.Runs[0];
        Assert.Equal(best.FinalValidationLoss, best.Curves.Evaluations[^1].ValidationLoss);
        Assert.Equal(best.FinalValidationLoss - report.EntropyFloor, best.ExcessOverFloor);
        Assert.Equal(CompareMetrics.Median(report.Runs.Select(r => r.FinalValidationLoss!.Value)), report.Target);
        Assert.StartsWith($"{best.Name} (", report.Conclusion, StringComparison.Ordinal);
        Assert.Contains($"below the runner-up {report.Runs[1].Name}", report.Conclusion, StringComparison.Ordinal);

        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Equal(2, CountOf(html, "src=\"data:image/png;base64,"));
        Assert.Equal(2, CountOf(html, "src=")); // every image inline
        var text = System.Text.RegularExpressions.Regex.Replace(html, "data:image/png;base64,[A-Za-z0-9+/=]+", "data:");
        Assert.DoesNotContain("href", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(report.Conclusion), html, StringComparison.Ordinal);
        Assert.Contains("CosineAnnealingLR", html, StringComparison.Ordinal); // each run's spec

        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("](val_loss.png)", md, StringComparison.Ordinal);
        Assert.Contains("](lr.png)", md, StringComparison.Ordinal);
        Assert.Contains($"**{report.Conclusion}**", md, StringComparison.Ordinal);
        Assert.Contains("| 1 | " + best.Name + " | adamw | ", md, StringComparison.Ordinal);
        foreach (var png in new[] { "val_loss.png", "lr.png" })
        {
            Assert.True(new FileInfo(Path.Combine(outDir, png)).Length > 1000, png);
        }
    }

    [Fact]
    public void AnInterruptedCompareContinuesToTheSameTable()
    {
        var whole = Compare.Run(Three, Path.Combine(_dir.FullName, "whole"));

        // Cancelled at step 15 of the second run: the first is finished, the second writes a checkpoint at step 15.
        var resumedDir = Path.Combine(_dir.FullName, "resumed");
        var cancel = new CancelDuringRun(runIndex: 1, step: 15);
        var first = Compare.Run(Three, resumedDir, cancel, cancel.Source.Token);
        Assert.True(first.Interrupted);
        Assert.False(File.Exists(Path.Combine(resumedDir, "results.csv")));

        var planned = new RecordingProgress();
        var resumed = Compare.Run(Three, resumedDir, planned);
        Assert.False(resumed.Interrupted);
        Assert.Equal([true, false, false], planned.Plans.Select(p => p.Done));
        Assert.Equal([30, 15, 0], planned.Plans.Select(p => p.StartStep)); // Ctrl-C writes a checkpoint of the last finished step
        Assert.Equal(2, resumed.Runs.Single(r => r.Name == "cosine").Sessions);

        AssertSameTable(TableWithoutWallTime(Path.Combine(_dir.FullName, "whole")), TableWithoutWallTime(resumedDir));
        Assert.Equal(whole.Conclusion, resumed.Conclusion);
    }

    [Fact]
    public void ASubsetThenTheFullSetGivesTheSameTableAsTheFullSet()
    {
        var full = Path.Combine(_dir.FullName, "full");
        Compare.Run(Three, full);
        var grown = Path.Combine(_dir.FullName, "grown");
        Compare.Run(Three with { Entries = [Three.Entries[1]] }, grown);
        var second = new RecordingProgress();
        Compare.Run(Three, grown, second);
        Assert.Equal([false, true, false], second.Plans.Select(p => p.Done)); // the finished run is reused, not retrained
        AssertSameTable(TableWithoutWallTime(full), TableWithoutWallTime(grown));
    }

    /// <summary>
    /// Same rows, names, ranks and statuses; numbers equal within 1e-5 relative. A run repeated in another order within one
    /// process can differ in the last digits of its losses (libtorch's CPU kernels may take another code path for other
    /// buffer alignments), which is far below any difference the ranking reports.
    /// </summary>
    private static void AssertSameTable(string[] expected, string[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected[0], actual[0]);
        for (var row = 1; row < expected.Length; row++)
        {
            var e = expected[row].Split(',');
            var a = actual[row].Split(',');
            Assert.Equal(e.Length, a.Length);
            for (var col = 0; col < e.Length; col++)
            {
                if (double.TryParse(e[col], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x) &&
                    double.TryParse(a[col], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var y))
                {
                    Assert.True(Math.Abs(x - y) <= 1e-5 * Math.Max(Math.Abs(x), Math.Abs(y)) + 1e-12, $"row {row} column {col}: {e[col]} vs {a[col]}");
                }
                else
                {
                    Assert.Equal(e[col], a[col]);
                }
            }
        }
    }

    [Fact]
    public void ARunDirectoryTrainedWithOtherOptionsIsRefused()
    {
        var outDir = Path.Combine(_dir.FullName, "other");
        Compare.Run(Three with { Entries = [Three.Entries[0]] }, outDir);
        var e = Assert.Throws<Data.TrainingInputException>(() => Compare.Run(Three with { Entries = [Three.Entries[0]], Training = Tiny with { Seed = 7 } }, outDir));
        Assert.Equal($"'{Path.Combine(outDir, "runs", "constant")}' holds a run with other options (Seed 1337, now 7); use another --out or delete that directory", e.Message);
    }

    private static string[] TableWithoutWallTime(string directory)
    {
        var lines = File.ReadAllLines(Path.Combine(directory, "results.csv"));
        var wall = Array.IndexOf(lines[0].Split(','), "wall_seconds");
        return [.. lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != wall)))];
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private sealed class RecordingProgress : ICompareProgress
    {
        public List<PlannedRun> Plans { get; } = [];

        public void Planned(IReadOnlyList<PlannedRun> runs) => Plans.AddRange(runs);

        public ITrainingProgress Starting(PlannedRun run) => NullProgress.Instance;

        public void Finished(PlannedRun run, TrainingResult result)
        {
        }
    }

    private sealed class CancelDuringRun(int runIndex, int step) : ICompareProgress, ITrainingProgress
    {
        public CancellationTokenSource Source { get; } = new();

        public void Planned(IReadOnlyList<PlannedRun> runs)
        {
        }

        public ITrainingProgress Starting(PlannedRun run) => run.Index == runIndex ? this : NullProgress.Instance;

        public void Finished(PlannedRun run, TrainingResult result)
        {
        }

        public void Started(RunInfo info)
        {
        }

        public void Stepped(StepReport report)
        {
            if (report.Step + 1 == step)
            {
                Source.Cancel();
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
