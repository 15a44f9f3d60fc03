using System.Globalization;

namespace Anneal.Training.Experiments;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of a comparison: the runs one process trains. The assignment is fixed:
/// run k of the plan (<see cref="SweepPlan.Runs"/>: schedules in the order given, then learning rates, then seeds) belongs
/// to shard <c>k mod Count</c>, so every run is in exactly one shard, shards differ in size by at most one run, and a
/// schedule's runs spread over the shards.
/// </summary>
/// <param name="Index">The shard, 0 to <see cref="Count"/> - 1.</param>
/// <param name="Count">The number of shards, at least 1.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The environment variables <see cref="FromEnvironment"/> reads.</summary>
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID", SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT", SlurmTaskMin = "SLURM_ARRAY_TASK_MIN", KubernetesIndex = "JOB_COMPLETION_INDEX";

    /// <summary>True when run <paramref name="runIndex"/> of the plan is this shard's: <c>runIndex mod Count == Index</c>.</summary>
    public bool Contains(int runIndex) => runIndex % Count == Index;

    /// <summary>The runs of <paramref name="runs"/> that are this shard's.</summary>
    public IReadOnlyList<SweepRun> Of(IReadOnlyList<SweepRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var shard = this;
        return [.. runs.Where(r => shard.Contains(r.Index))];
    }

    /// <summary><c>I/N</c>.</summary>
    public override string ToString() => $"{Index.ToString(CultureInfo.InvariantCulture)}/{Count.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Parses <c>I/N</c> (0 &lt;= I &lt; N), <c>auto</c> (from the environment: a Slurm array task) or <c>auto/N</c> (from the
    /// environment with N shards: a Slurm array task or a Kubernetes indexed job), see <see cref="FromEnvironment"/>.
    /// </summary>
    /// <exception cref="TrainingInputException">Not of that form, out of range, or <c>auto</c> without the variables it needs.</exception>
    public static Shard Parse(string text, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(environment);
        var parts = text.Trim().Split('/');
        if (parts.Length is 1 or 2 && parts[0] == "auto")
        {
            int? count = parts.Length == 2 ? Number(parts[1], text) : null;
            return FromEnvironment(environment, count);
        }

        if (parts.Length != 2)
        {
            throw Bad(text);
        }

        return Create(Number(parts[0], text), Number(parts[1], text));
    }

    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <exception cref="TrainingInputException">Count below 1, or index outside [0, count).</exception>
    public static Shard Create(int index, int count)
    {
        if (count < 1)
        {
            throw new TrainingInputException(TrainingOption.Shard, $"needs at least 1 shard (was {count})");
        }

        if (index < 0 || index >= count)
        {
            throw new TrainingInputException(TrainingOption.Shard, $"index must be in 0..{count - 1} for {count} shards (was {index})");
        }

        return new Shard(index, count);
    }

    /// <summary>
    /// The shard of this process from its environment. A Slurm array task: index <c>SLURM_ARRAY_TASK_ID</c> minus
    /// <c>SLURM_ARRAY_TASK_MIN</c> (0 when unset; an array <c>--array=1-8</c> gives shards 0 to 7), count
    /// <c>SLURM_ARRAY_TASK_COUNT</c> (which must equal <paramref name="count"/> when that is given). Otherwise a Kubernetes
    /// indexed job: index <c>JOB_COMPLETION_INDEX</c>, count <paramref name="count"/> (Kubernetes does not export the job's
    /// completions, so it must be given: <c>auto/N</c>).
    /// </summary>
    /// <exception cref="TrainingInputException">Neither is set, a value is not a number, or the counts disagree.</exception>
    public static Shard FromEnvironment(Func<string, string?> environment, int? count)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(SlurmTaskId) is { Length: > 0 } id)
        {
            var index = Variable(SlurmTaskId, id) - (environment(SlurmTaskMin) is { Length: > 0 } min ? Variable(SlurmTaskMin, min) : 0);
            var slurmCount = environment(SlurmTaskCount) is { Length: > 0 } c
                ? Variable(SlurmTaskCount, c)
                : count ?? throw new TrainingInputException(TrainingOption.Shard, $"auto: {SlurmTaskId} is set but {SlurmTaskCount} is not; give the number of shards: auto/N");
            if (count is { } given && given != slurmCount)
            {
                throw new TrainingInputException(TrainingOption.Shard, $"auto/{given}: the Slurm array has {slurmCount} tasks ({SlurmTaskCount}), not {given}");
            }

            return Create(index, slurmCount);
        }

        if (environment(KubernetesIndex) is { Length: > 0 } k)
        {
            return count is { } n
                ? Create(Variable(KubernetesIndex, k), n)
                : throw new TrainingInputException(TrainingOption.Shard, $"auto: {KubernetesIndex} is set (a Kubernetes indexed job), which does not say how many shards there are; give the job's completions: auto/N");
        }

        throw new TrainingInputException(TrainingOption.Shard, $"auto needs a Slurm array task ({SlurmTaskId}, {SlurmTaskCount}) or a Kubernetes indexed job ({KubernetesIndex}, with auto/N); outside one, give I/N");
    }

    private static int Number(string part, string text) =>
        int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(text);

    private static int Variable(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new TrainingInputException(TrainingOption.Shard, $"auto: {name} is '{value}', not a whole number");

    private static TrainingInputException Bad(string text) =>
        new(TrainingOption.Shard, $"must be I/N (shard I of N, from 0), auto or auto/N (was '{text}')");
}
