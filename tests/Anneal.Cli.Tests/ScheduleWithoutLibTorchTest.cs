using System.Diagnostics;

namespace Anneal.Cli.Tests;

/// <summary>
/// <c>anneal schedule</c> never loads libtorch: a copy of the program without any of libtorch's or TorchSharp's native
/// libraries prints a schedule (and a recipe's) as a process.
/// </summary>
public sealed class ScheduleWithoutLibTorchTest
{
    [Fact]
    public async Task ScheduleRunsWithTheNativeLibrariesAbsent()
    {
        using var dir = new TempDir();
        var app = Path.Combine(dir.Root, "app");
        var skipped = CopyWithoutTorchNatives(AppContext.BaseDirectory, app);
        Assert.Contains("libtorch_cpu.so", skipped);
        Assert.Contains("libLibTorchSharp.so", skipped);
        var args = dir.File("args.json", """{"learning_rate":0.001,"lr_scheduler_type":"linear","warmup_steps":2,"max_steps":4}""");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.Root };
        foreach (var arg in new[] { Path.Combine(app, "Anneal.Cli.dll"), "schedule", "--hf-args", args, "--format", "csv" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "anneal did not exit");

        Assert.Equal("", await stderr);
        Assert.Equal(0, process.ExitCode);
        Assert.Equal("step,lr\n0,0\n1,0.0005\n2,0.001\n3,0.0005\n4,0\n", stdout);
        Assert.False(Directory.Exists(Path.Combine(app, "cpu")), "TorchSharp's fallback loader must not have run");
    }

    /// <summary>Copies the build output, leaving out every native library of libtorch and TorchSharp; returns their names.</summary>
    private static HashSet<string> CopyWithoutTorchNatives(string from, string to)
    {
        var skipped = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            var name = Path.GetFileName(file);
            if (relative.StartsWith("runtimes", StringComparison.Ordinal) &&
                (name.StartsWith("libtorch", StringComparison.Ordinal) || name.StartsWith("libc10", StringComparison.Ordinal) ||
                 name.StartsWith("libgomp", StringComparison.Ordinal) || name.Contains("LibTorchSharp", StringComparison.Ordinal) ||
                 name.StartsWith("libshm", StringComparison.Ordinal) || name.StartsWith("lib", StringComparison.Ordinal) && name.Contains("backend", StringComparison.Ordinal) ||
                 name is "libaoti_custom_ops.so" or "libjitbackend_test.so" or "libtorchbind_test.so"))
            {
                skipped.Add(name);
                continue;
            }

            if (relative.StartsWith("runtimes", StringComparison.Ordinal) && !relative.Contains("linux-x64", StringComparison.Ordinal))
            {
                continue; // other platforms' natives are not needed here
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return skipped;
    }
}
