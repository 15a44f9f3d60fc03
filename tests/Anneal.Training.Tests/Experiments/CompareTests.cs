using System.Globalization;
using Anneal.Training.Experiments;
using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary><see cref="Compare.Run"/> end to end on a tiny model: the files, the ranking, and resuming.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-compare-");

    internal static TrainingOptions Tiny => TinyRun.Options with { Steps = 30, CheckpointEvery = 0 }; // checkpoints only at the end (and on Ctrl-C)

    private static CompareSettings Three => new()
    {
        Training = Tiny,
        Entries = [CompareSet.Parse("constant"), CompareSet.Parse("cosine"), CompareSet.Parse("wsd-1sqrt")],
    };

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void ThreeSchedulesAreRankedFromTheirRunDirectories()
    {
        var outDir = Path.Combine(_dir.FullName, "three");
        var report = Compare.Run(Three, outDir);

        Assert.False(report.Interrupted);
        Assert.Equal([1, 2, 3], report.Runs.Select(r => r.Rank));
        Assert.Equal(["constant", "cosine", "wsd-1sqrt"], report.Runs.Select(r => r.Name).Order());
        var finals = report.Runs.Select(r => r.FinalValidationLoss!.Value).ToList();
        Assert.Equal(finals.Order(), finals); // ranked by final validation loss
        Assert.All(report.Runs, r => Assert.Equal(TrainingStatus.Completed, r.Status));
        Assert.All(report.Runs, r => Assert.Equal(7680, r.Tokens)); // 30 steps x 8 x 32 tokens, the same budget for all

        // The numbers are the runs' own, read through RunDirectory: summary, whole history, one session each.
        foreach (var run in report.Runs)
        {
            var dir = new RunDirectory(Path.Combine(outDir, "runs", run.Name));
            var summary = dir.ReadSummary()!;
            Assert.Equal(summary.FinalValLoss, run.FinalValidationLoss);
            Assert.Equal(summary.WallSeconds, run.WallSeconds);
            Assert.Equal(1, run.Sessions);
            Assert.Equal(dir.ReadHistory().Rows, run.History.Rows);
            Assert.Equal(30, run.History.Rows.Count);
        }

        var best = report.Runs[0];
        Assert.Equal(best.FinalValidationLoss, best.History.Evaluations[^1].ValidationLoss);
        Assert.Equal(best.FinalValidationLoss - report.EntropyFloor, best.ExcessOverFloor);
        Assert.Equal(CompareMetrics.Median(report.Runs.Select(r => r.FinalValidationLoss!.Value)), report.Target);
        Assert.StartsWith($"{best.Name} (", report.Conclusion, StringComparison.Ordinal);
        Assert.Contains($"below the runner-up {report.Runs[1].Name}", report.Conclusion, StringComparison.Ordinal);

        // The report directory says what it is, and lists its runs.
        var directory = new CompareDirectory(outDir);
        Assert.True(directory.IsReport);
        Assert.Equal(["constant", "cosine", "wsd-1sqrt"], directory.Runs.Select(r => Path.GetFileName(r.Path)));
        var manifest = directory.ReadManifest();
        Assert.Equal(CompareManifest.CurrentFormat, manifest.Format);
        Assert.Equal(Tiny, manifest.Training);
        Assert.Equal(report.Runs.Single(r => r.Name == "cosine").Spec, manifest.Entries.Single(e => e.Name == "cosine").Spec);
    }

    [Fact]
    public void AReportDirectoryIsNotATrainRunAndViceVersa()
    {
        var train = Path.Combine(_dir.FullName, "train");
        Trainer.Run(Tiny with { Steps = 2, CheckpointEvery = 0 }, null, train);
        var before = TinyRun.Snapshot(train);
        var e = Assert.Throws<TrainingInputException>(() => Compare.Run(Three, train));
        Assert.Equal($"OutputDirectory '{train}' holds a training run, not a comparison; choose a new directory; pass force: true to write into it anyway", e.Message);
        Assert.Equal(before, TinyRun.Snapshot(train));
    }

    [Fact]
    public void AnInterruptedCompareContinuesToTheSameTable()
    {
        var whole = Compare.Run(Three, Path.Combine(_dir.FullName, "whole"));

        // Cancelled at step 15 of the second run: the first is finished, the second writes a checkpoint at step 15.
        var resumedDir = Path.Combine(_dir.FullName, "resumed");
        var cancel = new CancelDuringRun(runIndex: 1, step: 15);
        var first = Compare.Run(Three, resumedDir, progress: cancel, cancellation: cancel.Source.Token);
        Assert.True(first.Interrupted);
        Assert.False(File.Exists(Path.Combine(resumedDir, "results.csv")));

        var planned = new RecordingProgress();
        var resumed = Compare.Run(Three, resumedDir, progress: planned);
        Assert.False(resumed.Interrupted);
        Assert.Equal([true, false, false], planned.Plans.Select(p => p.Done));
        Assert.Equal([30, 15, 0], planned.Plans.Select(p => p.StartStep)); // Ctrl-C writes a checkpoint of the last finished step
        Assert.Equal(2, resumed.Runs.Single(r => r.Name == "cosine").Sessions);

        AssertSameTable(Table(whole), Table(resumed));
        Assert.Equal(whole.Conclusion, resumed.Conclusion);
    }

    [Fact]
    public void ASubsetThenTheFullSetGivesTheSameTableAsTheFullSet()
    {
        var full = Compare.Run(Three, Path.Combine(_dir.FullName, "full"));
        var grown = Path.Combine(_dir.FullName, "grown");
        Compare.Run(Three with { Entries = [Three.Entries[1]] }, grown);
        var second = new RecordingProgress();
        var grownReport = Compare.Run(Three, grown, progress: second);
        Assert.Equal([false, true, false], second.Plans.Select(p => p.Done)); // the finished run is reused, not retrained
        AssertSameTable(Table(full), Table(grownReport));
    }

    /// <summary>
    /// Same rows, names, ranks and statuses; numbers equal within 1e-5 relative. A run repeated in another order within one
    /// process can differ in the last digits of its losses (libtorch's CPU kernels may take another code path for other
    /// buffer alignments), which is far below any difference the ranking reports.
    /// </summary>
    private static void AssertSameTable(string[] expected, string[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var row = 0; row < expected.Length; row++)
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
        var e = Assert.Throws<TrainingInputException>(() => Compare.Run(Three with { Entries = [Three.Entries[0]], Training = Tiny with { Seed = 7 } }, outDir));
        Assert.Equal($"OutputDirectory: '{Path.Combine(outDir, "runs", "constant")}' holds a run with other options (seed 1337, now 7); choose another directory or delete that one", e.Message);
    }

    /// <summary>The report's table as text rows (rank, name, status, the losses, tokens), wall times left out.</summary>
    private static string[] Table(CompareReport report) =>
        [.. report.Runs.Select(r => string.Join(',', r.Rank, r.Name, r.Status, R(r.FinalValidationLoss), R(r.BestValidationLoss), R(r.ExcessOverFloor), r.TokensToTarget, R(r.LargestSpike), r.Steps, r.Tokens))];

    private static string R(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";

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
