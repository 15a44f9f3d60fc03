using System.Text.Json.Nodes;
using Anneal.Training.Experiments;
using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests.Experiments;

/// <summary>The default set, the parsing of schedules, and the measurements of the table (no training).</summary>
public sealed class CompareSetTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-compare-set-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void TheDefaultSetIsTheArticlesStrategiesAndTheLlmPresetsAllAtThePeakWithTheRunsHorizon()
    {
        Assert.Equal(
            ["constant", "exponential", "multistep", "cosine", "onecycle", "adam-constant", "warmup-cosine", "wsd-1sqrt", "warmup-linear"],
            CompareSet.Default.Select(e => e.Name));
        Assert.Equal([OptimizerKind.Adam], CompareSet.Default.Where(e => e.Optimizer is not null).Select(e => e.Optimizer!.Value));

        const int steps = 300;
        const double lr = 3e-3;
        foreach (var entry in CompareSet.Default)
        {
            var schedule = SchedulePresets.Resolve(entry.Schedule, steps, lr, OptimizerKind.AdamW).Schedule;
            var values = Enumerable.Range(0, steps).Select(t => schedule.LearningRate(t, lr)).ToList();
            Assert.True(Math.Abs(values.Max() - lr) < 1e-12 * lr, $"{entry.Name} peaks at {values.Max()}");
        }

        Assert.Equal(lr * 0.01, ScheduleSpec.Parse(SchedulePresets.Spec("exponential", steps, lr, OptimizerKind.AdamW)).LearningRate(steps, lr), 1e-15);
        Assert.Equal("""{"type":"MultiStepLR","milestones":[150,225],"gamma":0.1}""", SchedulePresets.Spec("multistep", steps, lr, OptimizerKind.AdamW));
        Assert.Equal("""{"type":"CosineAnnealingLR","T_max":300,"eta_min":0}""", SchedulePresets.Spec("cosine", steps, lr, OptimizerKind.AdamW));
        Assert.Equal(
            """{"type":"warmup_stable_decay","num_warmup_steps":15,"num_decay_steps":60,"num_training_steps":300,"decay_type":"1-sqrt"}""",
            SchedulePresets.Spec("wsd-1sqrt", steps, lr, OptimizerKind.AdamW));
        var wsd = ScheduleSpec.Parse(SchedulePresets.Spec("wsd-1sqrt", steps, lr, OptimizerKind.AdamW));
        Assert.Equal(lr, wsd.LearningRate(240, lr)); // the cooldown starts at 80%
        Assert.Equal(0.0, wsd.LearningRate(300, lr));
    }

    [Fact]
    public void SchedulesParseFromNamesPresetsSpecsAndNamedSpecs()
    {
        Assert.Equal(CompareSet.Default[5], CompareSet.Parse("adam-constant"));
        Assert.Equal(new CompareEntry("wsd", "wsd", null, "the 'wsd' preset of anneal train"), CompareSet.Parse("wsd"));
        Assert.Equal(new CompareEntry("StepLR", """{"type":"StepLR","step_size":10}"""), CompareSet.Parse("""{"type":"StepLR","step_size":10}"""));
        Assert.Equal(new CompareEntry("steps", """{"type":"StepLR","step_size":10}"""), CompareSet.Parse("""steps={"type":"StepLR","step_size":10}"""));
        Assert.Equal("fast", CompareSet.Parse("fast=onecycle").Name);
        Assert.Equal("onecycle", CompareSet.Parse("fast=onecycle").Schedule);
    }

    [Fact]
    public void AnUnknownNameSuggestsTheClosestPreset()
    {
        var e = Assert.Throws<TrainingInputException>(() => CompareSet.Parse("cosin"));
        Assert.StartsWith("Schedule 'cosin' is not a preset, a JSON spec or an existing file (did you mean 'cosine'?)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileListsSchedulesOnePerLineOrAsAJsonArray()
    {
        var lines = Path.Combine(_dir.FullName, "schedules.txt");
        File.WriteAllText(lines, "# mine\nconstant\n\nslow={\"type\":\"ExponentialLR\",\"gamma\":0.99}\n");
        Assert.Equal(["constant", "slow"], CompareSet.ReadFile(lines).Select(e => e.Name));

        var json = Path.Combine(_dir.FullName, "schedules.json");
        File.WriteAllText(json, """[{"name":"a","schedule":"cosine","optimizer":"sgd"},{"name":"b","schedule":{"type":"constant"}}]""");
        var entries = CompareSet.ReadFile(json);
        Assert.Equal(CompareSet.Default[3] with { Name = "a", Optimizer = OptimizerKind.Sgd }, entries[0]);
        Assert.Equal("b", entries[1].Name);
        Assert.Equal("constant", JsonNode.Parse(entries[1].Schedule)!["type"]!.GetValue<string>());

        File.WriteAllText(json, """[{"name":"a","schedule":3}]""");
        var e = Assert.Throws<TrainingInputException>(() => CompareSet.ReadFile(json));
        Assert.Equal($"ScheduleFile: {json}[0].schedule must be a preset name or a spec object", e.Message);
        File.WriteAllText(lines, "constant\nnope\n");
        e = Assert.Throws<TrainingInputException>(() => CompareSet.ReadFile(lines));
        Assert.StartsWith($"{lines} line 2: Schedule 'nope' is not a preset", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoSchedulesWithOneNameAreAnError()
    {
        var e = Assert.Throws<TrainingInputException>(() => CompareSet.CheckDistinct([CompareSet.Parse("cosine"), CompareSet.Parse("cosine=wsd")]));
        Assert.Equal("two schedules are named 'cosine'; name them with NAME=SPEC", e.Message);
    }

    [Fact]
    public void TheMedianTargetAndTokensToReachIt()
    {
        Assert.Equal(2.0, CompareMetrics.Median([3.0, 1.0, 2.0]));
        Assert.Equal(2.5, CompareMetrics.Median([4.0, 1.0, 2.0, 3.0]));
        Assert.Null(CompareMetrics.Median([]));

        Evaluation[] evals = [new(9, 100, 3.0), new(19, 200, 2.0), new(29, 300, 1.5)];
        Assert.Equal(200, CompareMetrics.TokensToReach(evals, 2.0)); // at or below
        Assert.Equal(300, CompareMetrics.TokensToReach(evals, 1.9));
        Assert.Null(CompareMetrics.TokensToReach(evals, 1.0));
    }

    [Fact]
    public void TheLargestSpikeIsTheLargestRiseAboveTheEarlierMinimum()
    {
        Assert.Equal(0.0, CompareMetrics.LargestSpike([3.0, 2.0, 1.0]));
        Assert.Equal(0.5, CompareMetrics.LargestSpike([3.0, 2.0, 2.25, 2.5, 1.0]), 12); // a rise over two evaluations counts whole
        Assert.Equal(1.0, CompareMetrics.LargestSpike([3.0, 1.0, 1.5, 0.5, 1.5]), 12);
        Assert.Equal(0.0, CompareMetrics.LargestSpike([]));
    }

    [Fact]
    public void RankingIsByFinalLossWithUnfinishedRunsLastAndTheConclusionSaysByHowMuch()
    {
        CompareRun Run(string name, double? final, string? description = null) =>
            new(0, name, OptimizerKind.AdamW, description, "{}", final is null ? TrainingStatus.Diverged : TrainingStatus.Completed, final, final, null, null, 0, 10, 100, 1, 1, "", RunHistory.Empty(2));
        var ranked = CompareMetrics.Rank([Run("a", 1.30), Run("b", null), Run("c", 1.25, "my schedule"), Run("d", 1.40)]);
        Assert.Equal(["c", "a", "d", "b"], ranked.Select(r => r.Name));
        Assert.Equal([1, 2, 3, 4], ranked.Select(r => r.Rank));
        Assert.Equal(
            "c (my schedule) wins: final validation loss 1.250, 0.050 (3.8%) below the runner-up a (1.300) and 0.850 above the entropy floor.",
            CompareMetrics.Conclusion(ranked, 0.4));
        Assert.Equal("c (my schedule) wins: final validation loss 1.250, 0.050 (3.8%) below the runner-up a (1.300).", CompareMetrics.Conclusion(ranked, null));
        Assert.Equal("No run finished with a validation loss: every schedule diverged.", CompareMetrics.Conclusion([Run("b", null)], null));
    }
}
