using System.Globalization;
using System.Text;

namespace Anneal.Cli.Commands;

/// <summary>
/// The file <c>anneal compare ... --slurm FILE</c> writes: a bash driver that submits the comparison to Slurm as an
/// array job of shards (<c>--shard auto</c>: task I of N trains the runs of shard I) and a report job that depends on it
/// (<c>afterok</c>, <c>--kill-on-invalid-dep=yes</c>) and assembles the report with the same command without a shard.
/// Every path in it is absolute, so it works from any directory on a file system the nodes share.
/// </summary>
internal static class SlurmScript
{
    /// <summary>The environment variables the driver reads when it is run (all optional).</summary>
    internal static readonly string[] Settings = ["ANNEAL_SLURM_PARTITION", "ANNEAL_SLURM_TIME", "ANNEAL_SLURM_CPUS", "ANNEAL_SLURM_MAX_PARALLEL", "ANNEAL_SLURM_ARGS"];

    /// <summary>The driver's text.</summary>
    /// <param name="anneal">The command that runs anneal (<c>/usr/bin/dotnet /path/Anneal.Cli.dll</c> or the installed tool).</param>
    /// <param name="compareArguments">The arguments after <c>anneal</c> (<c>compare ... --out /abs/dir</c>), paths absolute, without any shard option.</param>
    /// <param name="outputDirectory">The report directory, absolute.</param>
    /// <param name="workingDirectory">The directory the jobs start in, absolute.</param>
    /// <param name="shards">The array's size.</param>
    /// <param name="runs">How many runs the comparison has (for the comment).</param>
    /// <param name="scriptPath">Where the driver is written (for the comment).</param>
    internal static string Write(IReadOnlyList<string> anneal, IReadOnlyList<string> compareArguments, string outputDirectory, string workingDirectory, int shards, int runs, string scriptPath)
    {
        var command = string.Join(' ', anneal.Concat(compareArguments).Select(Quote));
        var perShard = (runs + shards - 1) / shards;
        var s = new StringBuilder();
        s.Append($$"""
            #!/usr/bin/env bash
            # anneal compare on a Slurm cluster, written by `anneal compare ... --slurm`. It submits
            #   1. an array job of {{shards}} shards: task I runs the comparison with --shard auto, which trains the runs
            #      of shard I (run k of the plan belongs to shard k mod {{shards}}; {{runs}} runs, at most {{perShard}} per shard);
            #   2. a report job that starts when every shard has succeeded (afterok) and assembles the report with the
            #      same command without a shard (it trains nothing that is done; a failed shard cancels it).
            # Run it where sbatch works:   bash {{Quote(scriptPath)}}      (prints the two job ids: ARRAY_JOB_ID REPORT_JOB_ID)
            #
            # Settings, from the environment when you run it (or edit the defaults below):
            #   ANNEAL_SLURM_PARTITION     partition (default: the cluster's default partition)
            #   ANNEAL_SLURM_TIME          time limit of each job, as sbatch --time (default 04:00:00)
            #   ANNEAL_SLURM_CPUS          CPUs per shard, sbatch --cpus-per-task (default 1); anneal trains with that
            #                              many torch threads
            #   ANNEAL_SLURM_MAX_PARALLEL  run at most this many shards at once (default: as many as the cluster allows)
            #   ANNEAL_SLURM_ARGS          more sbatch options for both jobs, e.g. "--account=lab --mem=8G --gres=gpu:1"
            # The jobs run the anneal below (the one that wrote this file) in the directory below, and write the report
            # directory below: both must be on a file system every node sees. Job logs go to its slurm/ folder.
            set -euo pipefail

            partition=${ANNEAL_SLURM_PARTITION:-}
            time_limit=${ANNEAL_SLURM_TIME:-04:00:00}
            cpus=${ANNEAL_SLURM_CPUS:-1}
            max_parallel=${ANNEAL_SLURM_MAX_PARALLEL:-}
            read -r -a extra <<<"${ANNEAL_SLURM_ARGS:-}"

            """);
        s.Append("out=").Append(Quote(outputDirectory)).Append('\n');
        s.Append("workdir=").Append(Quote(workingDirectory)).Append('\n');
        s.Append(CultureInfo.InvariantCulture, $"shards={shards}\n");
        s.Append($$"""

            mkdir -p "$out/slurm"
            common=(--chdir="$workdir" --time="$time_limit" ${partition:+--partition="$partition"} "${extra[@]}")
            array="0-$((shards - 1))${max_parallel:+%$max_parallel}"

            arr=$(sbatch --parsable "${common[@]}" --array="$array" --cpus-per-task="$cpus" \
              --job-name=anneal-compare-shard --output="$out/slurm/shard-%A_%a.out" <<'SHARD'
            #!/usr/bin/env bash
            set -euo pipefail

            """);
        s.Append("exec ").Append(command).Append(" --shard auto\nSHARD\n)\n");
        s.Append($$"""
            arr=${arr%%;*}

            rep=$(sbatch --parsable "${common[@]}" --cpus-per-task="$cpus" --dependency="afterok:$arr" --kill-on-invalid-dep=yes \
              --job-name=anneal-compare-report --output="$out/slurm/report-%j.out" <<'REPORT'
            #!/usr/bin/env bash
            set -euo pipefail

            """);
        s.Append("exec ").Append(command).Append("\nREPORT\n)\n");
        s.Append("""
            rep=${rep%%;*}

            echo "anneal: submitted $shards shards as array job $arr and the report as job $rep (after every shard succeeds); logs in $out/slurm" >&2
            echo "$arr $rep"

            """);
        return s.ToString();
    }

    /// <summary>A word as bash needs it: bare when it is plain, else in single quotes.</summary>
    internal static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ',' or '=' or ':' or '+' or '@')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
