using System.Globalization;
using Anneal.Training.Experiments;
using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary><see cref="Compare.Run"/> end to end on a tiny model: the sweep, the statistics, shards, assembly, resuming.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-compare-");

    internal static TrainingOptions Tiny => TinyRun.Options with { Steps = 30, CheckpointEvery = 0 }; // checkpoints only at the end (and on Ctrl-C)

    /// <summary>
    /// The process's torch threads as they are: the count is global to the process, and a test that changed it would
    /// change the last digits of runs that tests running at the same time compare bit for bit.
    /// </summary>
    internal static CompareInvocation Whole { get; } = new();

    /// <summary>Two schedules x two peak LRs x two seeds of 12 steps: 8 runs.</summary>
    private static CompareSettings Sweep => new()
    {
        Training = Tiny with { Steps = 12, EvalEvery = 4 },
        Entries = [CompareSet.Parse("constant"), CompareSet.Parse("cosine")],
        LearningRates = [3e-3, 1e-2],
        SeedCount = 2,
    };

    private static CompareSettings Three => new()
    {
        Training = Tiny,
        Entries = [CompareSet.Parse("constant"), CompareSet.Parse("cosine"), CompareSet.Parse("wsd-1sqrt")],
        LearningRates = [1e-2],
        SeedCount = 1,
    };

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void ASweepTrainsEveryScheduleAtEveryLrAndSeedAndRanksThemAtTheirBest()
    {
        var outDir = Path.Combine(_dir.FullName, "sweep");
        var outcome = Compare.Run(Sweep, outDir, Whole);
        Assert.Equal(CompareStatus.Reported, outcome.Status);
        Assert.Equal(8, outcome.Trained.Count);
        var report = outcome.Report!;

        // Every run, in plan order, in its own directory, with its LR and seed.
        Assert.Equal(
            ["constant/lr-0.003/seed-1337", "constant/lr-0.003/seed-1338", "constant/lr-0.01/seed-1337", "constant/lr-0.01/seed-1338",
             "cosine/lr-0.003/seed-1337", "cosine/lr-0.003/seed-1338", "cosine/lr-0.01/seed-1337", "cosine/lr-0.01/seed-1338"],
            report.Runs.Select(r => r.Run.RelativeDirectory["runs/".Length..]));
        foreach (var run in report.Runs)
        {
            var manifest = new RunDirectory(Path.Combine(outDir, run.Run.RelativeDirectory)).ReadManifest();
            Assert.Equal(run.LearningRate, manifest.Options.LearningRate);
            Assert.Equal(run.Seed, manifest.Options.Seed);
            Assert.Equal(run.FinalValidationLoss, new RunDirectory(run.Directory).ReadSummary()!.FinalValLoss);
        }

        // Paired by seed: at step 0 (before any update) two schedules of one seed see the same weights and batch, so the
        // same loss; another seed gives another loss.
        double FirstLoss(string name, double lr, int seed) => report.Runs.Single(r => r.Name == name && r.LearningRate == lr && r.Seed == seed).History.Rows[0].TrainLoss;
        Assert.Equal(FirstLoss("constant", 1e-2, 1337), FirstLoss("cosine", 1e-2, 1337));
        Assert.Equal(FirstLoss("constant", 3e-3, 1338), FirstLoss("cosine", 1e-2, 1338));
        Assert.NotEqual(FirstLoss("constant", 1e-2, 1337), FirstLoss("constant", 1e-2, 1338));

        // Each schedule at each LR: the mean of its two seeds; its best LR the lower mean; ranked by it.
        foreach (var s in report.Schedules)
        {
            foreach (var p in s.ByLearningRate)
            {
                var finals = report.Runs.Where(r => r.Name == s.Name && r.LearningRate == p.LearningRate).Select(r => r.FinalValidationLoss!.Value).ToList();
                Assert.Equal((finals[0] + finals[1]) / 2, p.Final!.Mean, 12);
                Assert.Equal(Math.Abs(finals[0] - finals[1]) / Math.Sqrt(2), p.Final.StandardDeviation!.Value, 12);
            }

            Assert.Equal(s.ByLearningRate.Min(p => p.Final!.Mean), s.Best!.Final!.Mean);
        }

        Assert.True(report.Schedules[0].Best!.Final!.Mean <= report.Schedules[1].Best!.Final!.Mean);
        var winner = report.Schedules[0];
        var second = report.Schedules[1];
        var d = second.Best!.Runs.Select((r, i) => r.FinalValidationLoss!.Value - winner.Best!.Runs[i].FinalValidationLoss!.Value).ToList();
        Assert.Equal((d[0] + d[1]) / 2, second.DiffToBest!.Summary.Mean, 12);
        Assert.StartsWith(winner.Name + " ", report.Conclusion, StringComparison.Ordinal); // "X (...) wins" or "X and Y are tied"

        // The report directory says what it is: every run with its LR, seed, directory and spec; one session.
        var directory = new CompareDirectory(outDir);
        Assert.True(directory.IsReport);
        Assert.Equal(8, directory.Runs.Count);
        var written = directory.ReadManifest();
        Assert.Equal(CompareManifest.CurrentFormat, written.Format);
        Assert.Equal([3e-3, 1e-2], written.LearningRates);
        Assert.Equal([1337, 1338], written.Seeds);
        Assert.Equal(report.Runs.Select(r => r.Run.RelativeDirectory), written.Runs.Select(r => r.Directory));
        Assert.Equal(report.Runs.Select(r => r.Spec), written.Runs.Select(r => r.Spec));
        var session = Assert.Single(directory.ReadSessions());
        Assert.Equal((null, 8, (int?)null, false), (session.Shard, session.RunsTrained, session.Threads, session.Interrupted));
    }

    [Fact]
    public void ShardsThenAssemblyGiveTheUnshardedReport()
    {
        var whole = Compare.Run(Sweep, Path.Combine(_dir.FullName, "whole"), Whole).Report!;

        var sharded = Path.Combine(_dir.FullName, "sharded");
        var assigned = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var shard = Compare.Run(Sweep, sharded, Whole with { Shard = Shard.Create(i, 3) });
            Assert.Equal(CompareStatus.ShardDone, shard.Status);
            Assert.Null(shard.Report);
            assigned.Add(shard.Assigned);
            Assert.Equal(shard.Assigned, shard.Trained.Count);
        }

        Assert.Equal([3, 3, 2], assigned); // runs 0,3,6 / 1,4,7 / 2,5
        Assert.Equal(["0/3", "1/3", "2/3"], new CompareDirectory(sharded).ReadSessions().Select(s => s.Shard).Order());

        // Assembling trains nothing and gives the unsharded table.
        var assembled = Compare.Run(Sweep, sharded, Whole with { ReportOnly = true });
        Assert.Equal(CompareStatus.Reported, assembled.Status);
        Assert.Empty(assembled.Trained);
        AssertSameTable(Table(whole), Table(assembled.Report!));
        Assert.Equal(whole.Conclusion, assembled.Report!.Conclusion);
        Assert.Equal(3, assembled.Report.Sessions.Count);

        // So does the same call without --report-only, which would have trained what was missing.
        var again = Compare.Run(Sweep, sharded, Whole);
        Assert.Empty(again.Trained);
        AssertSameTable(Table(whole), Table(again.Report!));
    }

    [Fact]
    public void ReportOnlyListsTheMissingRunsAndWritesNothing()
    {
        var fresh = Path.Combine(_dir.FullName, "fresh");
        var none = Compare.Run(Sweep, fresh, Whole with { ReportOnly = true });
        Assert.Equal(CompareStatus.RunsMissing, none.Status);
        Assert.Equal(8, none.Missing.Count);
        Assert.False(Directory.Exists(fresh));

        var half = Path.Combine(_dir.FullName, "half");
        Compare.Run(Sweep, half, Whole with { Shard = Shard.Create(0, 2) });
        var before = TinyRun.Snapshot(half);
        var missing = Compare.Run(Sweep, half, Whole with { ReportOnly = true });
        Assert.Equal(CompareStatus.RunsMissing, missing.Status);
        Assert.Equal(
            ["constant lr 0.003 seed 1338", "constant lr 0.01 seed 1338", "cosine lr 0.003 seed 1338", "cosine lr 0.01 seed 1338"], // shard 1 of 2: the odd runs
            missing.Missing.Select(m => m.Name));
        Assert.Equal(before, TinyRun.Snapshot(half));
    }

    [Fact]
    public void AnInterruptedCompareContinuesToTheSameTable()
    {
        var whole = Compare.Run(Three, Path.Combine(_dir.FullName, "whole"), Whole).Report!;

        // Cancelled at step 15 of the second run: the first is finished, the second writes a checkpoint at step 15.
        var resumedDir = Path.Combine(_dir.FullName, "resumed");
        var cancel = new CancelDuringRun(runIndex: 1, step: 15);
        var first = Compare.Run(Three, resumedDir, Whole, cancel, cancel.Source.Token);
        Assert.Equal(CompareStatus.Interrupted, first.Status);
        Assert.True(new CompareDirectory(resumedDir).ReadSessions().Single().Interrupted);

        var planned = new RecordingProgress();
        var resumed = Compare.Run(Three, resumedDir, Whole, planned).Report!;
        Assert.Equal([true, false, false], planned.Plans.Select(p => p.Done));
        Assert.Equal([30, 15, 0], planned.Plans.Select(p => p.StartStep)); // Ctrl-C writes a checkpoint of the last finished step
        Assert.Equal(2, resumed.Runs.Single(r => r.Name == "cosine").Sessions);

        AssertSameTable(Table(whole), Table(resumed));
        Assert.Equal(whole.Conclusion, resumed.Conclusion);
    }

    [Fact]
    public void ASubsetThenTheFullSetGivesTheSameTableAsTheFullSet()
    {
        var full = Compare.Run(Three, Path.Combine(_dir.FullName, "full"), Whole).Report!;
        var grown = Path.Combine(_dir.FullName, "grown");
        Compare.Run(Three with { Entries = [Three.Entries[1]] }, grown, Whole);
        var second = new RecordingProgress();
        var grownReport = Compare.Run(Three, grown, Whole, second).Report!;
        Assert.Equal([false, true, false], second.Plans.Select(p => p.Done)); // the finished run is reused, not retrained
        AssertSameTable(Table(full), Table(grownReport));
    }

    [Fact]
    public void ARunDirectoryTrainedWithOtherOptionsIsRefused()
    {
        var outDir = Path.Combine(_dir.FullName, "other");
        Compare.Run(Three with { Entries = [Three.Entries[0]] }, outDir, Whole);
        var e = Assert.Throws<TrainingInputException>(() => Compare.Run(Three with { Entries = [Three.Entries[0]], Training = Tiny with { Steps = 31 } }, outDir, Whole));
        Assert.Equal($"OutputDirectory: '{Path.Combine(outDir, "runs/constant/lr-0.01/seed-1337")}' holds a run with other options (steps 30, now 31); choose another directory or delete that one", e.Message);
    }

    [Fact]
    public void AReportDirectoryIsNotATrainRunNorAnOlderComparison()
    {
        var train = Path.Combine(_dir.FullName, "train");
        Trainer.Run(Tiny with { Steps = 2, CheckpointEvery = 0 }, null, train);
        var before = TinyRun.Snapshot(train);
        var e = Assert.Throws<TrainingInputException>(() => Compare.Run(Three, train, Whole));
        Assert.Equal($"OutputDirectory '{train}' holds a training run, not a comparison; choose a new directory; pass force: true to write into it anyway", e.Message);
        Assert.Equal(before, TinyRun.Snapshot(train));

        var old = Path.Combine(_dir.FullName, "old");
        Directory.CreateDirectory(old);
        File.WriteAllText(Path.Combine(old, CompareDirectory.ManifestFile), """{"format":"anneal.compare/2"}""");
        e = Assert.Throws<TrainingInputException>(() => Compare.Run(Three, old, Whole));
        Assert.Equal($"OutputDirectory '{old}' holds a comparison written by an earlier anneal (anneal.compare/2); its run directories still read (anneal train --resume) but this version does not continue it; choose a new directory", e.Message);
    }

    /// <summary>
    /// Same rows, names, ranks and statuses; numbers equal within 1e-5 relative. A run repeated in another order within one
    /// process can differ in the last digits of its losses (libtorch's CPU kernels may take another code path for other
    /// buffer alignments), which is far below any difference the ranking reports.
    /// </summary>
    internal static void AssertSameTable(string[] expected, string[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var row = 0; row < expected.Length; row++)
        {
            var e = expected[row].Split(',');
            var a = actual[row].Split(',');
            Assert.Equal(e.Length, a.Length);
            for (var col = 0; col < e.Length; col++)
            {
                if (double.TryParse(e[col], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) &&
                    double.TryParse(a[col], NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
                {
                    Assert.True(Math.Abs(x - y) <= (1e-5 * Math.Max(Math.Abs(x), Math.Abs(y))) + 1e-12, $"row {row} column {col}: {e[col]} vs {a[col]}");
                }
                else
                {
                    Assert.Equal(e[col], a[col]);
                }
            }
        }
    }

    /// <summary>The report as text rows: each schedule (rank, best LR, mean, interval, difference, tie) then each run; wall times left out.</summary>
    private static string[] Table(CompareReport report) =>
    [
        .. report.Schedules.Select(s => string.Join(',', s.Rank, s.Name, R(s.BestLearningRate), R(s.Best?.Final?.Mean), R(s.Best?.Final?.Ci95Low), R(s.Best?.Final?.Ci95High),
            R(s.DiffToBest?.Summary.Mean), R(s.DiffToBest?.Summary.Ci95Low), s.TiedWithBest, s.Edge, R(s.TokensToTarget), R(s.LargestSpike))),
        .. report.Runs.Select(r => string.Join(',', r.Run.Label, r.Status, R(r.FinalValidationLoss), R(r.BestValidationLoss), R(r.ExcessOverFloor), r.TokensToTarget, R(r.LargestSpike), r.Steps, r.Tokens)),
    ];

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
