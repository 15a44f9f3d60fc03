using System.Diagnostics;

namespace Anneal.Cli.Tests;

/// <summary>The one test that starts the real program: exit codes and plain output through real pipes.</summary>
public sealed class ProcessSmokeTest
{
    [Fact]
    public void RunsAsAProcess()
    {
        var ok = Start("schedule", """{"type":"StepLR","step_size":2,"gamma":0.5}""", "--steps", "2", "--lr", "1");
        Assert.Equal(0, ok.ExitCode);
        Assert.DoesNotContain('\u001b', ok.Out);
        Assert.Contains("lr min 0.5 (step 2), max 1 (step 0), end 0.5 (step 2)", ok.Out);

        var bad = Start("schedule", """{"type":"StepLR","step_size":0}""", "--steps", "2");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("error: step_size must be > 0 (was 0)\n", bad.Error);
    }

    private static CliResult Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Anneal.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "anneal did not exit");
        return new CliResult(process.ExitCode, stdout, stderr.Result);
    }
}
