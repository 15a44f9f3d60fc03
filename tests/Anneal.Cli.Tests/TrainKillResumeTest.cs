using System.Diagnostics;
using System.Globalization;
using Anneal.Training.Runs;

namespace Anneal.Cli.Tests;

/// <summary>
/// <c>anneal train</c> as a real process that cannot finish on its own (a million steps), SIGKILLed after its checkpoint
/// after 20 steps: while it runs, a second writer is refused and the run goes on; once it is killed, its lock is gone and
/// <c>--resume</c> continues it to exactly the learning rates and losses of an uninterrupted run.
/// </summary>
public sealed class TrainKillResumeTest
{
    // StepLR has no horizon, so the killed run (planned for a million steps) may be resumed to end at any step.
    private static readonly string[] Tiny =
    [
        "train", "--layers", "1", "--heads", "2", "--dim", "32", "--context", "32", "--batch-size", "8",
        "--eval-every", "10", "--checkpoint-every", "5", "--seed", "7", "--schedule", """{"type":"StepLR","step_size":15,"gamma":0.5}""",
    ];

    [Fact]
    public async Task KilledRunIsLockedWhileAliveAndResumesOnTheUninterruptedRunsLearningRatesAndLosses()
    {
        using var dir = new TempDir();
        string reference = Path.Combine(dir.Root, "reference"), killed = Path.Combine(dir.Root, "killed");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "Anneal.Cli.dll"), .. Tiny, "--steps", "1000000", "--out", killed])
        {
            start.ArgumentList.Add(arg);
        }

        CliResult second;
        using (var process = Process.Start(start)!)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var seen = new List<string>();
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                seen.Add(line);
                if (line.StartsWith("checkpoint after 20 steps: ", StringComparison.Ordinal))
                {
                    break;
                }
            }

            // A second writer while the first is alive: refused before it reads or writes anything.
            second = Cli.Run("train", "--resume", killed);
            Assert.False(process.HasExited, $"the first run ended: {string.Join('\n', seen)}");
            process.Kill(); // SIGKILL: no handler runs, nothing is flushed, the lock goes with the process
            Assert.True(process.WaitForExit(120_000), "anneal did not exit");
            Assert.True(seen.Any(l => l.StartsWith("checkpoint after 20 steps: ", StringComparison.Ordinal)), $"no checkpoint before the kill: {string.Join('\n', seen)}\n{await stderr}");
            Assert.NotEqual(0, process.ExitCode);
        }

        Assert.Equal(2, second.ExitCode);
        Assert.Equal(
            $"error: --resume: '{killed}' is in use: another process holds its lock ({Path.Combine(killed, "lock")}); wait for that process to finish or stop it, or choose another directory\n",
            second.Error);
        Assert.Equal("", second.Out);

        var at = new RunDirectory(killed).ReadCheckpoint(null, out _).Header.Step; // whole: written atomically and checked
        Assert.True(at >= 20 && at % 5 == 0, $"checkpoint after {at} steps");
        var end = at + 20;
        var resumed = Cli.Run("train", "--resume", killed, "--steps", end.ToString(CultureInfo.InvariantCulture));
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal("", resumed.Error); // no horizon, so no warning
        Assert.StartsWith($"resuming at step {at}: ", resumed.OutLines[0], StringComparison.Ordinal);

        Cli.Ok([.. Tiny, "--steps", end.ToString(CultureInfo.InvariantCulture), "--out", reference]);
        var expected = Rows(reference);
        var actual = Rows(killed);
        Assert.Equal(end, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), actual[i][0]);
            Assert.Equal(expected[i][..6], actual[i][..6]); // step, tokens, both LRs, train and validation loss: the same text, so the same doubles
        }
    }

    private static string[][] Rows(string directory) =>
        [.. File.ReadAllLines(Path.Combine(directory, "metrics.csv")).Skip(1).Select(line => line.Split(','))];
}
