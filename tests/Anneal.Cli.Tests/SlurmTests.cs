using System.Diagnostics;
using System.Globalization;
using Anneal.Training.Experiments;

namespace Anneal.Cli.Tests;

/// <summary>
/// <c>anneal compare --slurm FILE</c>: the driver it writes, run against a stand-in <c>sbatch</c> that records what it is
/// given (always), and against a real one-node Slurm cluster (tests/slurm; <see cref="SlurmFactAttribute"/>). Both check
/// that the report the shards and the report job assemble equals the report of one unsharded process.
/// </summary>
public sealed class SlurmTests
{
    /// <summary>Two schedules x two peak LRs x two seeds of a tiny model: 8 runs, in 3 shards.</summary>
    private static readonly string[] Sweep = ["compare", "constant", "cosine", "--lr", "0.003,0.01", "--seeds", "2", .. CompareCommandTests.Tiny];

    [Fact]
    public void TheDriverSubmitsAnArrayOfShardsAndAReportJobThatAssemblesTheUnshardedReport()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "sharded");
        var script = Path.Combine(dir.Root, "sweep.sh");
        var wrote = Cli.Ok([.. Sweep, "--out", outDir, "--slurm", script, "--shards", "3"]);
        Assert.Equal($"wrote {script}: 3 shards over 8 runs, then a report job; submit with: bash {script} (settings: ANNEAL_SLURM_PARTITION, ANNEAL_SLURM_TIME, ANNEAL_SLURM_CPUS, ANNEAL_SLURM_MAX_PARALLEL, ANNEAL_SLURM_ARGS)\n", wrote.Out);
        Assert.Equal(["compare.json"], Directory.GetFileSystemEntries(outDir).Select(Path.GetFileName)); // the report directory, ready; nothing trained
        Assert.Equal(0, Run("bash", ["-n", script], dir.Root).ExitCode); // bash accepts it

        // A stand-in sbatch: numbers jobs from 41, keeps each one's options and the script it reads from stdin.
        var fake = Directory.CreateDirectory(Path.Combine(dir.Root, "fake")).FullName;
        File.WriteAllText(Path.Combine(fake, "sbatch"), """
            #!/usr/bin/env bash
            n=$(( $(cat "$FAKE_SLURM/count" 2>/dev/null || echo 40) + 1 ))
            echo "$n" >"$FAKE_SLURM/count"
            printf '%s\n' "$@" >"$FAKE_SLURM/args-$n"
            cat >"$FAKE_SLURM/script-$n"
            echo "$n;anneal"
            """);
        Assert.Equal(0, Run("chmod", ["+x", Path.Combine(fake, "sbatch")], fake).ExitCode);
        var submitted = Run("bash", [script], dir.Root, ("PATH", fake + ":" + Environment.GetEnvironmentVariable("PATH")), ("FAKE_SLURM", fake),
            ("ANNEAL_SLURM_PARTITION", "gpu"), ("ANNEAL_SLURM_ARGS", "--account=lab --mem=4G"));
        Assert.True(submitted.ExitCode == 0, submitted.Error);
        Assert.Equal("41 42\n", submitted.Out);
        Assert.Equal($"anneal: submitted 3 shards as array job 41 and the report as job 42 (after every shard succeeds); logs in {outDir}/slurm\n", submitted.Error);

        var shardArgs = File.ReadAllLines(Path.Combine(fake, "args-41"));
        var reportArgs = File.ReadAllLines(Path.Combine(fake, "args-42"));
        foreach (var arg in new[] { $"--chdir={Directory.GetCurrentDirectory()}", "--time=04:00:00", "--partition=gpu", "--account=lab", "--mem=4G", "--array=0-2", "--cpus-per-task=1", $"--output={outDir}/slurm/shard-%A_%a.out" })
        {
            Assert.Contains(arg, shardArgs);
        }

        foreach (var arg in new[] { "--dependency=afterok:41", "--kill-on-invalid-dep=yes", "--partition=gpu", $"--output={outDir}/slurm/report-%j.out" })
        {
            Assert.Contains(arg, reportArgs);
        }

        Assert.True(Directory.Exists(Path.Combine(outDir, "slurm")));
        var shardScript = File.ReadAllText(Path.Combine(fake, "script-41"));
        var reportScript = File.ReadAllText(Path.Combine(fake, "script-42"));
        var command = $"compare constant cosine --lr 0.003,0.01 --seeds 2 {string.Join(' ', CompareCommandTests.Tiny)} --out {outDir}";
        Assert.EndsWith($"Anneal.Cli.dll {command} --shard auto\n", shardScript);
        Assert.EndsWith($"Anneal.Cli.dll {command}\n", reportScript);

        // Run the jobs as Slurm would: each task with its array variables and one CPU, then the report job.
        for (var task = 0; task < 3; task++)
        {
            var job = Run("bash", [Path.Combine(fake, "script-41")], dir.Root, ("SLURM_ARRAY_TASK_ID", task.ToString(CultureInfo.InvariantCulture)), ("SLURM_ARRAY_TASK_COUNT", "3"), ("DOTNET_PROCESSOR_COUNT", "1"));
            Assert.True(job.ExitCode == 0, job.Error);
            Assert.Contains($"shard {task}/3: its {(task < 2 ? 3 : 2)} runs are done", job.Out);
        }

        var report = Run("bash", [Path.Combine(fake, "script-42")], dir.Root, ("DOTNET_PROCESSOR_COUNT", "1"));
        Assert.True(report.ExitCode == 0, report.Error);
        Assert.Contains("8 of 8 runs finished earlier, skipped", report.Out);
        AssertSameAsUnsharded(dir, outDir);
    }

    [SlurmFact]
    public void TheDriverRunsOnARealSlurmClusterAndGivesTheUnshardedReport()
    {
        var cluster = Path.Combine(Repository.Root, "tests", "slurm", "cluster.sh");
        var start = Run(cluster, ["start"], Repository.Root);
        Assert.True(start.ExitCode == 0, $"tests/slurm/cluster.sh start failed:\n{start.Out}\n{start.Error}");

        // Jobs must see the directory: a folder in /tmp is shared on this one-node cluster.
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Root, "sharded");
        var script = Path.Combine(dir.Root, "sweep.sh");
        Cli.Ok([.. Sweep, "--out", outDir, "--slurm", script, "--shards", "3"]);
        var submitted = Run("bash", [script], dir.Root);
        Assert.True(submitted.ExitCode == 0, $"submitting failed:\n{submitted.Error}");
        var ids = submitted.Out.Trim().Split(' ');
        Assert.Equal(2, ids.Length);

        var wait = Run(cluster, ["wait", ids[0], ids[1]], Repository.Root, ("SLURM_WAIT_TIMEOUT", "900"));
        var logs = Directory.Exists(Path.Combine(outDir, "slurm"))
            ? string.Join("\n", Directory.GetFiles(Path.Combine(outDir, "slurm")).Order(StringComparer.Ordinal).Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"))
            : "(no slurm/ folder)";
        Assert.True(wait.ExitCode == 0, $"the jobs did not all complete:\n{wait.Out}\n{wait.Error}\n{logs}");
        Assert.Contains($"job {ids[0]} task 2", wait.Out);

        // Each shard ran in a 1-CPU job, and sized its torch threads from it.
        var sessions = new CompareDirectory(outDir).ReadSessions();
        Assert.Equal(["0/3", "1/3", "2/3"], sessions.Select(s => s.Shard).Order());
        Assert.All(sessions, s => Assert.Equal((1, (int?)1), (s.Cpus, s.Threads)));
        Assert.True(File.Exists(Path.Combine(outDir, "slurm", $"report-{ids[1]}.out")));
        AssertSameAsUnsharded(dir, outDir);
    }

    /// <summary>
    /// The same sweep in one process, as the jobs ran it (its own process, one CPU, so one torch thread: runs at another
    /// thread count round their last digits differently); runs.csv and results.csv must match the sharded ones (wall
    /// times aside).
    /// </summary>
    private static void AssertSameAsUnsharded(TempDir dir, string sharded)
    {
        var whole = Path.Combine(dir.Root, "whole");
        var anneal = Anneal.Cli.Commands.CompareCommand.AnnealCommand();
        var unsharded = Run(anneal[0], [.. anneal.Skip(1), .. Sweep, "--out", whole], dir.Root, ("DOTNET_PROCESSOR_COUNT", "1"));
        Assert.True(unsharded.ExitCode == 0, unsharded.Error);
        foreach (var file in new[] { "runs.csv", "results.csv", "lr_sensitivity.csv" })
        {
            Assert.True(File.Exists(Path.Combine(sharded, file)), file);
            AssertSameCsv(File.ReadAllLines(Path.Combine(whole, file)), File.ReadAllLines(Path.Combine(sharded, file)), file);
        }

        Assert.True(File.Exists(Path.Combine(sharded, "report.html")));
    }

    /// <summary>Same header and rows; numbers within 1e-5 relative (libtorch may round the last digits differently in another process); wall times left out.</summary>
    internal static void AssertSameCsv(string[] expected, string[] actual, string what)
    {
        Assert.Equal(expected[0], actual[0]);
        Assert.Equal(expected.Length, actual.Length);
        var header = expected[0].Split(',');
        for (var row = 1; row < expected.Length; row++)
        {
            // The spec (last column) holds commas inside quotes: compare it whole.
            var e = CsvLine.Fields(expected[row]);
            var a = CsvLine.Fields(actual[row]);
            Assert.Equal(e.Count, a.Count);
            for (var col = 0; col < e.Count; col++)
            {
                if (header[col] is "wall_seconds" or "sessions")
                {
                    continue;
                }

                if (double.TryParse(e[col], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.TryParse(a[col], NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
                {
                    Assert.True(Math.Abs(x - y) <= (1e-5 * Math.Max(Math.Abs(x), Math.Abs(y))) + 1e-12, $"{what} row {row} {header[col]}: {e[col]} vs {a[col]}");
                }
                else
                {
                    Assert.True(e[col] == a[col], $"{what} row {row} {header[col]}: {e[col]} vs {a[col]}");
                }
            }
        }
    }

    private static CliResult Run(string file, string[] args, string workingDirectory, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(1_200_000), $"{file} did not exit");
        return new CliResult(process.ExitCode, stdout, stderr.Result);
    }
}

/// <summary>
/// A test that needs a real Slurm (tests/slurm/cluster.sh starts a one-node cluster on localhost, as root). It runs when
/// <c>ANNEAL_SLURM=1</c> (CI sets it: then a cluster that does not start fails the test), or when the variable is unset
/// and <c>sbatch</c> is installed and the tests run as root; otherwise it is skipped, saying why.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        var flag = Environment.GetEnvironmentVariable("ANNEAL_SLURM");
        if (flag == "1")
        {
            return;
        }

        var sbatch = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(p => p.Length > 0 && File.Exists(Path.Combine(p, "sbatch")));
        var root = Environment.UserName == "root";
        if (flag == "0" || !sbatch || !root)
        {
            Skip = flag == "0" ? "ANNEAL_SLURM=0" : $"no Slurm here ({(!sbatch ? "no sbatch on PATH" : "not root")}); run tests/slurm/cluster.sh start as root, or set ANNEAL_SLURM=1 to make this a failure";
        }
    }
}
