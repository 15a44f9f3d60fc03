using System.Text.Json.Nodes;

namespace Anneal.Tests;

/// <summary>
/// Recipes against their trainers' numbers (tools/golden/gen_recipes.py): Hugging Face TrainingArguments through
/// transformers' step, warmup and get_scheduler rules and lr_lambda formulas driven by real PyTorch 1.13 LambdaLR, and
/// nanoGPT configs through train.py's get_lr. Step count, warmup and peak learning rate exactly; every row's learning
/// rate within relative 1e-12 (nanoGPT's arithmetic order differs from the joined ramps by a few ulps at most).
/// </summary>
public sealed class RecipeGoldenTests
{
    private const double Relative = 1e-12;
    private const double Absolute = 1e-18;

    public static TheoryData<GoldenCase> Cases() => [.. GoldenCase.Load("recipes.json")];

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheTrainer(GoldenCase golden)
    {
        var json = golden.Json;
        var args = json["args"]!.ToJsonString();
        var recipe = json["kind"]!.GetValue<string>() == "huggingface"
            ? ScheduleSpec.FromHuggingFaceArgs(args, json["steps_per_epoch"]?.GetValue<long>())
            : ScheduleSpec.FromNanoGptConfig(args);

        Assert.Equal(json["learning_rate"]!.GetValue<double>(), recipe.LearningRate);
        Assert.Equal(json["training_steps"]!.GetValue<long>(), recipe.TrainingSteps);
        Assert.Equal(json["warmup_steps"]!.GetValue<long>(), recipe.WarmupSteps);
        var expected = json["lr"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        Assert.Equal(recipe.TrainingSteps + 1, expected.Length);

        var group = new ParamGroup(recipe.LearningRate);
        var scheduler = new Scheduler(recipe.Schedule, [group]);
        for (var row = 0; row < expected.Length; row++)
        {
            if (row > 0)
            {
                scheduler.Step();
            }

            var tolerance = Relative * Math.Max(Math.Abs(expected[row]), Math.Abs(group.LearningRate)) + Absolute;
            Assert.True(
                Math.Abs(expected[row] - group.LearningRate) <= tolerance,
                $"{golden.Name} row {row}: expected {expected[row]:R}, got {group.LearningRate:R}");
        }
    }

    [Fact]
    public void EveryTransformersSchedulerTypeExceptPlateauIsCovered()
    {
        var covered = GoldenCase.Load("recipes.json")
            .Where(c => c.Json["kind"]!.GetValue<string>() == "huggingface")
            .Select(c => c.Json["args"]!["lr_scheduler_type"]?.GetValue<string>() ?? "linear")
            .ToHashSet();
        string[] all =
        [
            "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup", "inverse_sqrt",
            "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay",
        ];
        Assert.Empty(all.Except(covered));
    }

    [Fact]
    public void NanoGptWarmupIsNotZeroAtStepZero()
    {
        // train.py: learning_rate * (it + 1) / (warmup_iters + 1); Hugging Face's linear warmup starts at 0.
        var recipe = ScheduleSpec.FromNanoGptConfig("""{"learning_rate":1e-3,"warmup_iters":9,"max_iters":100,"lr_decay_iters":100,"min_lr":1e-4}""");
        var group = new ParamGroup(recipe.LearningRate);
        var scheduler = new Scheduler(recipe.Schedule, [group]);
        Assert.Equal(1e-4, group.LearningRate, 1e-19);
        for (var i = 0; i < 9; i++)
        {
            scheduler.Step();
        }

        Assert.Equal(1e-3, group.LearningRate, 1e-18);
        _ = JsonNode.Parse(ScheduleSpec.Write(recipe.Schedule)); // the recipe's schedule has a JSON spec (run.json keeps it)
    }
}
