using System.Diagnostics;
using Anneal.Training.Runs;

namespace Anneal.Cli.Tests;

/// <summary>
/// The one-writer lock against another process: <c>flock(1)</c> holds a directory's <c>lock</c> file as anneal's own
/// lock does (<c>flock(LOCK_EX)</c>); train is refused without touching the directory, compare skips the run, and the
/// lock goes with the holder when it is killed.
/// </summary>
public sealed class LockTests
{
    [Fact]
    public void TrainRefusesARunAnotherProcessHoldsAndCompareTrainsTheOthersUntilTheHolderIsKilled()
    {
        using var dir = new TempDir();
        var report = Path.Combine(dir.Root, "report");
        var run = Directory.CreateDirectory(Path.Combine(dir.Root, "run")).FullName;
        using var runHolder = Hold(run);

        var train = Cli.Run("train", "--steps", "2", "--out", run);
        Assert.Equal(2, train.ExitCode);
        Assert.StartsWith($"error: --out: '{run}' is in use: another process holds its lock", train.Error);
        Assert.Equal(["lock"], Directory.GetFileSystemEntries(run).Select(Path.GetFileName));

        // A comparison holds only the lock of the run it trains: with seed 1339 done (shard 2 of 3) and seed 1337 held by
        // another process, it trains seed 1338, skips the held one, writes no report and says how to finish (exit 1:
        // nothing is wrong with the input).
        string[] tiny = ["--steps", "4", "--layers", "1", "--heads", "2", "--dim", "16", "--batch-size", "4", "--context", "16", "--eval-every", "2", "--eval-batches", "1", "--corpus-chars", "20000"];
        string[] compare = ["compare", "constant", "--lr", "0.01", "--seeds", "3", "--out", report, .. tiny];
        Cli.Ok([.. compare, "--shard", "2/3"]);
        var held = Directory.CreateDirectory(Path.Combine(report, "runs", "constant", "lr-0.01", "seed-1337")).FullName;
        using var sweepHolder = Hold(held);
        var busy = Cli.Run(compare);
        Assert.Equal(1, busy.ExitCode);
        Assert.Contains($"busy: constant lr 0.01 seed 1337 ({held}): another process holds its lock", busy.OutLines);
        Assert.StartsWith("error: another process is training 1 run of this comparison (listed above), this one trained 1 run; when that process is done, run anneal compare constant --lr 0.01 --seeds 3 --out ", busy.Error);
        Assert.Equal(["lock"], Directory.GetFileSystemEntries(held).Select(Path.GetFileName));
        Assert.False(File.Exists(Path.Combine(report, "report.md")));
        Assert.True(File.Exists(Path.Combine(report, "runs", "constant", "lr-0.01", "seed-1338", "summary.json")));

        sweepHolder.Kill();
        Cli.Ok(compare);
        Assert.True(File.Exists(Path.Combine(report, "report.md")));

        runHolder.Kill();
        using (RunLock.Acquire(run))
        {
            Assert.True(RunLock.IsHeld(run)); // released by the killed holder, taken by this process
        }

        Assert.False(RunLock.IsHeld(run));
    }

    [Fact]
    public void TheLockIsReentrantWithinAProcess()
    {
        using var dir = new TempDir();
        using var outer = RunLock.Acquire(dir.Root);
        using (var inner = RunLock.Acquire(dir.Root))
        {
            Assert.Equal(outer.Path, inner.Path);
        }

        Assert.True(RunLock.IsHeld(dir.Root)); // the outer hold remains
    }

    /// <summary>A <c>flock</c> process holding <paramref name="directory"/>'s lock (on a descriptor its child does not inherit) until killed.</summary>
    private static Holder Hold(string directory)
    {
        var start = new ProcessStartInfo("flock") { RedirectStandardOutput = true };
        foreach (var arg in new[] { "--exclusive", "--close", Path.Combine(directory, "lock"), "sh", "-c", "echo held; exec sleep 600" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        Assert.Equal("held", process.StandardOutput.ReadLine());
        return new Holder(process);
    }

    private sealed class Holder(Process process) : IDisposable
    {
        /// <summary>SIGKILL to the holder and its child, then waits for them.</summary>
        public void Kill()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
        }

        public void Dispose()
        {
            Kill();
            process.Dispose();
        }
    }
}
