using Anneal.Training.Experiments;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary>The plan of a sweep and its fixed assignment of runs to shards.</summary>
public sealed class ShardTests
{
    private static readonly CompareEntry[] Entries = [CompareSet.Parse("constant"), CompareSet.Parse("cosine"), CompareSet.Parse("wsd-1sqrt")];

    [Fact]
    public void ThePlanIsSchedulesThenLearningRatesThenSeeds()
    {
        var runs = SweepPlan.Runs(Entries, [3e-3, 1e-2], [1337, 1338]);
        Assert.Equal(12, runs.Count);
        Assert.Equal(Enumerable.Range(0, 12), runs.Select(r => r.Index));
        Assert.Equal(
            ["constant lr 0.003 seed 1337", "constant lr 0.003 seed 1338", "constant lr 0.01 seed 1337", "constant lr 0.01 seed 1338", "cosine lr 0.003 seed 1337"],
            runs.Take(5).Select(r => r.Label));
        Assert.Equal("runs/wsd-1sqrt/lr-0.01/seed-1338", runs[^1].RelativeDirectory);
        Assert.Equal("runs/constant/lr-1e-05/seed-7", new SweepRun(0, Entries[0], 1e-5, 7).RelativeDirectory);
    }

    [Fact]
    public void TheDefaultSweepIsElevenSchedulesAtFourPeakLrsAndThreeSeeds()
    {
        var settings = new CompareSettings();
        settings.Validate();
        Assert.Equal(132, settings.Runs.Count); // 14 min 1 s on 2 quiet cores (6.4 s a run)
        Assert.Equal([1e-3, 3e-3, 1e-2, 3e-2], settings.LearningRates);
        Assert.Equal([1337, 1338, 1339], settings.Seeds);
        Assert.Equal((64, 2, 2, 300, 20), (settings.Training.EmbeddingDim, settings.Training.Layers, settings.Training.Heads, settings.Training.Steps, settings.Training.EvalEvery));
    }

    [Fact]
    public void EveryRunIsInExactlyOneShardForAnyShardCount()
    {
        foreach (var (lrs, seeds) in new[] { (1, 1), (1, 3), (3, 3), (2, 5) })
        {
            var runs = SweepPlan.Runs(Entries, [.. Enumerable.Range(1, lrs).Select(i => i * 1e-3)], [.. Enumerable.Range(1, seeds)]);
            foreach (var n in new[] { 1, 2, 3, 4, 7, runs.Count, runs.Count + 5 })
            {
                var shards = Enumerable.Range(0, n).Select(i => Shard.Create(i, n).Of(runs)).ToList();
                var all = shards.SelectMany(s => s).Select(r => r.Index).ToList();
                Assert.Equal(runs.Count, all.Count); // none twice
                Assert.Equal(Enumerable.Range(0, runs.Count), all.Order()); // none missing
                Assert.True(shards.Max(s => s.Count) - shards.Min(s => s.Count) <= 1, $"{runs.Count} runs in {n} shards: sizes {string.Join(",", shards.Select(s => s.Count))}");
            }
        }

        // The documented assignment: run k belongs to shard k mod N.
        var twelve = SweepPlan.Runs(Entries, [3e-3, 1e-2], [1337, 1338]);
        Assert.Equal([1, 5, 9], Shard.Create(1, 4).Of(twelve).Select(r => r.Index));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/5", 2, 5)]
    [InlineData(" 4/5 ", 4, 5)]
    public void IOverNParses(string text, int index, int count)
    {
        Assert.Equal(new Shard(index, count), Shard.Parse(text, _ => null));
        Assert.Equal(text.Trim(), new Shard(index, count).ToString());
    }

    [Theory]
    [InlineData("5/5", "Shard index must be in 0..4 for 5 shards (was 5)")]
    [InlineData("0/0", "Shard needs at least 1 shard (was 0)")]
    [InlineData("-1/3", "Shard must be I/N (shard I of N, from 0), auto or auto/N (was '-1/3')")]
    [InlineData("1", "Shard must be I/N (shard I of N, from 0), auto or auto/N (was '1')")]
    [InlineData("a/b", "Shard must be I/N (shard I of N, from 0), auto or auto/N (was 'a/b')")]
    [InlineData("auto", "Shard auto needs a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed job (JOB_COMPLETION_INDEX, with auto/N); outside one, give I/N")]
    public void BadShardsAreOneLineErrors(string text, string message)
    {
        var e = Assert.Throws<TrainingInputException>(() => Shard.Parse(text, _ => null));
        Assert.Equal(message, e.Message);
        Assert.Equal(TrainingOption.Shard, e.Option);
    }

    [Fact]
    public void AutoReadsASlurmArrayTaskOrAKubernetesIndexedJob()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] vars) => name => vars.FirstOrDefault(v => v.Name == name).Value;

        Assert.Equal(new Shard(2, 4), Shard.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        // --array=1-4: task ids 1..4 are shards 0..3.
        Assert.Equal(new Shard(3, 4), Shard.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1"))));
        Assert.Equal(new Shard(2, 4), Shard.Parse("auto/4", Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        Assert.Equal(new Shard(3, 8), Shard.Parse("auto/8", Env(("JOB_COMPLETION_INDEX", "3"))));

        string Error(string text, Func<string, string?> env) => Assert.Throws<TrainingInputException>(() => Shard.Parse(text, env)).Message;
        Assert.Equal("Shard auto/3: the Slurm array has 4 tasks (SLURM_ARRAY_TASK_COUNT), not 3", Error("auto/3", Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        Assert.Equal(
            "Shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes indexed job), which does not say how many shards there are; give the job's completions: auto/N",
            Error("auto", Env(("JOB_COMPLETION_INDEX", "3"))));
        Assert.Equal("Shard auto: SLURM_ARRAY_TASK_ID is 'x', not a whole number", Error("auto", Env(("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        Assert.Equal("Shard index must be in 0..3 for 4 shards (was 4)", Error("auto", Env(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
    }
}
