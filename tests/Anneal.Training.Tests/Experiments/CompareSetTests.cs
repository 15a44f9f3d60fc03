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
            ["constant", "exponential", "multistep", "cosine", "onecycle", "adam-constant", "warmup-cosine", "wsd-1sqrt", "warmup-linear", "warmup-constant", "two-stage"],
            CompareSet.Default.Select(e => e.Name));
        // The adaptive baseline is Adam as it is used: no weight decay (an L2 term, which Adam's step scales away); the L2
        // variant is there by name.
        Assert.Equal([("adam-constant", OptimizerKind.Adam, (double?)0.0)], CompareSet.Default.Where(e => e.Optimizer is not null || e.WeightDecay is not null).Select(e => (e.Name, e.Optimizer!.Value, e.WeightDecay)));
        Assert.Equal(new CompareEntry("adam-l2-constant", "constant", OptimizerKind.Adam, CompareSet.Extra[0].Description, null), CompareSet.Parse("adam-l2-constant"));
        Assert.Equal((OptimizerKind.RmsProp, (double?)0.0), (CompareSet.Parse("rmsprop-constant").Optimizer!.Value, CompareSet.Parse("rmsprop-constant").WeightDecay));

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
        File.WriteAllText(json, """[{"name":"a","schedule":"cosine","optimizer":"sgd","weight_decay":0.01},{"name":"b","schedule":{"type":"constant"}}]""");
        var entries = CompareSet.ReadFile(json);
        Assert.Equal(CompareSet.Default[3] with { Name = "a", Optimizer = OptimizerKind.Sgd, WeightDecay = 0.01 }, entries[0]);
        Assert.Equal("b", entries[1].Name);
        Assert.Equal("constant", JsonNode.Parse(entries[1].Schedule)!["type"]!.GetValue<string>());

        File.WriteAllText(json, """[{"name":"a","schedule":3}]""");
        var e = Assert.Throws<TrainingInputException>(() => CompareSet.ReadFile(json));
        Assert.Equal($"ScheduleFile: {json}[0].schedule must be a preset name or a spec object", e.Message);
        File.WriteAllText(json, """[{"name":"a","schedule":"cosine","weight_decay":-1}]""");
        e = Assert.Throws<TrainingInputException>(() => CompareSet.ReadFile(json));
        Assert.Equal($"ScheduleFile: {json}[0].weight_decay must be a number >= 0", e.Message);
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
    public void EveryWarmupPresetHasTheSameWarmupBitForBit()
    {
        // (warmup-plateau has the same `warmup` as two-stage, but its plateau needs a Scheduler to be evaluated.)
        string[] warmups = ["warmup-cosine", "warmup-linear", "wsd", "wsd-1sqrt", "warmup-constant", "two-stage"];
        const double lr = 3e-3;
        foreach (var steps in new[] { 40, 300, 600, 1000, 4097 })
        {
            var w = steps / 20;
            foreach (var name in warmups)
            {
                var schedule = SchedulePresets.Resolve(name, steps, lr, OptimizerKind.AdamW).Schedule;
                for (var t = 0; t < w; t++)
                {
                    Assert.True(lr * ((double)t / w) == schedule.LearningRate(t, lr), $"{name} at step {t} of {steps}: {schedule.LearningRate(t, lr)}");
                }

                Assert.True(lr == schedule.LearningRate(w, lr), $"{name} reaches the peak at step {w} of {steps}");
            }
        }
    }

    [Fact]
    public void WarmupConstantHoldsThePeakAndTwoStageDropsItTenfoldAtMidTraining()
    {
        const double lr = 3e-3;
        const int steps = 600;
        Assert.Equal("""{"type":"constant_with_warmup","num_warmup_steps":30}""", SchedulePresets.Spec("warmup-constant", steps, lr, OptimizerKind.AdamW));
        Assert.Equal("""{"type":"warmup","num_warmup_steps":30,"schedule":{"type":"MultiStepLR","milestones":[270],"gamma":0.1}}""", SchedulePresets.Spec("two-stage", steps, lr, OptimizerKind.AdamW));
        var constant = SchedulePresets.Resolve("warmup-constant", steps, lr, OptimizerKind.AdamW).Schedule;
        var twoStage = SchedulePresets.Resolve("two-stage", steps, lr, OptimizerKind.AdamW).Schedule;
        for (var t = 30; t < steps; t++)
        {
            Assert.Equal(lr, constant.LearningRate(t, lr));
            Assert.Equal(t < 300 ? lr : lr * 0.1, twoStage.LearningRate(t, lr), 1e-18);
        }
    }
}
