using System.Diagnostics;
using System.Globalization;

namespace Anneal.Cli.Tests;

/// <summary>
/// <c>anneal train</c> as a real process killed with SIGKILL after a checkpoint and some steps beyond it, then
/// <c>--resume</c>d: the continued run's metrics.csv equals an uninterrupted run's, learning rates and losses exactly.
/// </summary>
public sealed class TrainKillResumeTest
{
    private static readonly string[] Tiny =
    [
        "train", "--steps", "80", "--layers", "1", "--heads", "2", "--dim", "32", "--context", "32", "--batch-size", "8",
        "--eval-every", "10", "--checkpoint-every", "5", "--seed", "7",
    ];

    [Fact]
    public async Task KilledRunResumesOnTheUninterruptedRunsLearningRatesAndLosses()
    {
        using var dir = new TempDir();
        string reference = Path.Combine(dir.Root, "reference"), killed = Path.Combine(dir.Root, "killed");
        Cli.Ok([.. Tiny, "--out", reference]);

        // Plain progress prints "step 1/80", "step 11/80", ... and flushes each line: kill after step 21, at least one
        // step after the checkpoint of step 20 and long before the end.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "Anneal.Cli.dll"), .. Tiny, "--out", killed])
        {
            start.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(start)!)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var seen = new List<string>();
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                seen.Add(line);
                if (line.StartsWith("step 21/80 ", StringComparison.Ordinal))
                {
                    process.Kill(); // SIGKILL: no handler runs, nothing is flushed
                    break;
                }
            }

            Assert.True(process.WaitForExit(60_000), "anneal did not exit");
            var errors = await stderr;
            Assert.True(seen.Any(l => l.StartsWith("checkpoint at step 20: ", StringComparison.Ordinal)), $"no checkpoint before the kill: {string.Join('\n', seen)}\n{errors}");
            Assert.NotEqual(0, process.ExitCode);
        }

        Assert.False(File.Exists(Path.Combine(killed, "summary.json")), "the run finished before it was killed");
        var resumed = Cli.Ok("train", "--resume", killed); // loads the checkpoint: it is whole
        var from = int.Parse(resumed.OutLines[0].Split(' ', ':')[3], CultureInfo.InvariantCulture); // "resuming at step N: ..."
        Assert.True(from >= 20 && from < 80 && from % 5 == 0, resumed.OutLines[0]);

        var expected = Rows(reference);
        var actual = Rows(killed);
        Assert.Equal(80, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), actual[i][0]);
            Assert.Equal(expected[i][..6], actual[i][..6]); // step, tokens, both LRs, train and validation loss: the same text, so the same doubles
        }
    }

    private static string[][] Rows(string directory) =>
        [.. File.ReadAllLines(Path.Combine(directory, "metrics.csv")).Skip(1).Select(line => line.Split(','))];
}
