using System.Diagnostics;
using System.Globalization;
using Anneal.Training.Runs;

namespace Anneal.Cli.Tests;

/// <summary>
/// I/O faults on a real, small file system (a 4 MiB tmpfs mounted for the test): a disk that fills during a run, and a
/// file system that turns read-only. Each ends with one <c>error:</c> line naming the path and the cause, exit code 1,
/// no temporary file, the checkpoint intact, and the command that continues; the run then resumes in place.
/// </summary>
public sealed class FaultTests
{
    private static readonly string[] Tiny =
    [
        "--layers", "1", "--heads", "2", "--dim", "16", "--context", "16", "--batch-size", "4",
        "--eval-every", "5", "--checkpoint-every", "5", "--schedule", "constant",
    ];

    [TmpfsFact]
    public void AFullDiskEndsWithOneErrorLineAndTheRunResumesInPlaceOnceSpaceIsFreed()
    {
        using var disk = Tmpfs.Mount("4m");
        var run = Path.Combine(disk.Path, "run");
        var filler = Path.Combine(disk.Path, "filler");

        // Once the first checkpoint is written, something else fills the disk; the run cannot end on its own.
        var fill = Task.Run(() =>
        {
            while (!File.Exists(Path.Combine(run, RunDirectory.CheckpointFileName)))
            {
                Thread.Sleep(5);
            }

            Tmpfs.Fill(filler);
        });
        var result = Cli.Run(["train", "--steps", "1000000", "--out", run, .. Tiny]);
        fill.Wait();

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: cannot write '{run}/", error, StringComparison.Ordinal);
        Assert.Contains("': No space left on device; nothing before it is lost (the checkpoint after ", error, StringComparison.Ordinal);
        Assert.EndsWith($" steps is intact); fix the cause (free space, make it writable), then continue with: anneal train --resume {run}", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));
        var checkpoint = new RunDirectory(run).ReadCheckpoint(null, out var notice);
        Assert.Null(notice);
        Assert.True(checkpoint.Verified);
        var at = checkpoint.Header.Step;
        Assert.Contains($"the checkpoint after {at} steps is intact", error, StringComparison.Ordinal);

        File.Delete(filler);
        var end = (at + 10).ToString(CultureInfo.InvariantCulture);
        var resumed = Cli.Run("train", "--resume", run, "--steps", end);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.StartsWith($"resuming at step {at}: ", resumed.OutLines[0], StringComparison.Ordinal);
        var history = new RunDirectory(run).ReadHistory();
        Assert.Equal(Enumerable.Range(0, at + 10), history.Steps);
        Assert.Equal(at + 10, new RunDirectory(run).ReadSummary()!.StepsDone);
    }

    [TmpfsFact]
    public void AReadOnlyFileSystemIsAFaultNamingThePathAndTheRunResumesOnceWritable()
    {
        using var disk = Tmpfs.Mount("4m");
        var run = Path.Combine(disk.Path, "run");
        Cli.Ok(["train", "--steps", "5", "--out", run, .. Tiny]);
        var before = Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        disk.Remount("ro");
        var result = Cli.Run("train", "--resume", run, "--steps", "8");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: cannot write '{Path.Combine(run, "lock")}': Read-only file system; nothing before it is lost (the checkpoint after 5 steps is intact); " +
            $"fix the cause (free space, make it writable), then continue with: anneal train --resume {run}\n",
            result.Error);
        Assert.Equal(before, Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes));

        disk.Remount("rw");
        var resumed = Cli.Run("train", "--resume", run, "--steps", "8");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(Enumerable.Range(0, 8), new RunDirectory(run).ReadHistory().Steps);
    }
}

/// <summary>A fact that needs to mount a tmpfs; skipped, with the reason, where mounting is not permitted.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A small tmpfs mounted for one test (root and CAP_SYS_ADMIN needed: CI and this machine run as root).</summary>
internal sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<string?> Probe = new(() =>
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux tmpfs";
        }

        try
        {
            Mount("64k").Dispose();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"mounting a tmpfs is not permitted here ({e.Message}); the disk-full and read-only fault tests need 'mount -t tmpfs' (root with CAP_SYS_ADMIN)";
        }
    });

    private Tmpfs(string path) => Path = path;

    /// <summary>Why tmpfs tests cannot run here, or null when they can.</summary>
    internal static string? Unavailable => Probe.Value;

    internal string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (mount's syntax: <c>4m</c>) on a new temporary folder.</summary>
    /// <exception cref="InvalidOperationException">mount failed.</exception>
    internal static Tmpfs Mount(string size)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "anneal-tmpfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        try
        {
            Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        }
        catch
        {
            Directory.Delete(path);
            throw;
        }

        return new Tmpfs(path);
    }

    /// <summary>Remounts read-only (<c>ro</c>) or writable (<c>rw</c>).</summary>
    internal void Remount(string mode) => Run("mount", "-o", $"remount,{mode}", Path);

    /// <summary>Writes <paramref name="path"/> until the file system is full, in ever smaller pieces down to one byte.</summary>
    internal static void Fill(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        for (var chunk = 1 << 16; chunk >= 1; chunk /= 2)
        {
            var bytes = new byte[chunk];
            try
            {
                while (true)
                {
                    stream.Write(bytes);
                }
            }
            catch (IOException)
            {
                // full at this size; try a smaller piece
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Run("umount", Path);
        }
        catch (InvalidOperationException)
        {
            Run("umount", "-l", Path); // still busy: detach now, freed when the last file closes
        }

        Directory.Delete(Path);
    }

    private static void Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{command}: {e.Message}");
        }

        using (process)
        {
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{command} {string.Join(' ', args)}: {error.Trim()} (exit {process.ExitCode})");
            }
        }
    }
}
