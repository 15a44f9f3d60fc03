using System.Diagnostics;
using Anneal.Training.Runs;

namespace Anneal.Cli.Tests;

/// <summary>
/// The one-writer lock against another process: <c>flock(1)</c> holds a directory's <c>lock</c> file as anneal's own
/// lock does (<c>flock(LOCK_EX)</c>); train and compare are refused without touching the directory, and the lock goes
/// with the holder when it is killed.
/// </summary>
public sealed class LockTests
{
    [Fact]
    public void TrainAndCompareRefuseADirectoryAnotherProcessHoldsUntilItIsKilled()
    {
        using var dir = new TempDir();
        var report = Directory.CreateDirectory(Path.Combine(dir.Root, "report")).FullName;
        var run = Directory.CreateDirectory(Path.Combine(dir.Root, "run")).FullName;
        using var reportHolder = Hold(report);
        using var runHolder = Hold(run);

        var compare = Cli.Run("compare", "constant", "--steps", "2", "--out", report);
        Assert.Equal(2, compare.ExitCode);
        Assert.Equal($"error: '{report}' is in use: another process holds its lock ({Path.Combine(report, "lock")}); wait for that process to finish or stop it, or choose another directory\n", compare.Error);
        var train = Cli.Run("train", "--steps", "2", "--out", run);
        Assert.Equal(2, train.ExitCode);
        Assert.StartsWith($"error: --out: '{run}' is in use: another process holds its lock", train.Error);
        Assert.Equal(["lock"], Directory.GetFileSystemEntries(report).Select(Path.GetFileName));
        Assert.Equal(["lock"], Directory.GetFileSystemEntries(run).Select(Path.GetFileName));

        reportHolder.Kill();
        using (RunLock.Acquire(report))
        {
            Assert.True(RunLock.IsHeld(report)); // released by the killed holder, taken by this process
        }

        Assert.False(RunLock.IsHeld(report));
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
