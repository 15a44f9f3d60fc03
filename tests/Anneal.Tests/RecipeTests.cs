namespace Anneal.Tests;

/// <summary>
/// The recipe readers' rules that golden rows do not show: which keys are ignored and listed, the notes on the rules
/// transformers applied, and the exact text of every error.
/// </summary>
public sealed class RecipeTests
{
    [Fact]
    public void TrainingArgumentsKeysThatDoNotAffectTheScheduleAreIgnoredAndListed()
    {
        var recipe = ScheduleSpec.FromHuggingFaceArgs("""
            {"output_dir": "out", "per_device_train_batch_size": 8, "learning_rate": 2e-5, "save_steps": 500,
             "lr_scheduler_type": "cosine", "eval_steps": 100, "warmup_ratio": 0.03, "max_steps": 1000, "seed": 42,
             "some_future_field": true}
            """);

        Assert.Equal(["output_dir", "per_device_train_batch_size", "save_steps", "eval_steps", "seed", "some_future_field"], recipe.IgnoredKeys);
        Assert.Equal(RecipeSource.HuggingFace, recipe.Source);
        Assert.Equal(30, recipe.WarmupSteps);
        Assert.Equal(1000, recipe.TrainingSteps);
        Assert.IsType<CosineWithWarmup>(recipe.Schedule);
    }

    [Fact]
    public void NotesSayWhichRuleDecided()
    {
        var recipe = ScheduleSpec.FromHuggingFaceArgs("""{"warmup_steps": 10, "warmup_ratio": 0.1, "max_steps": 50}""", stepsPerEpoch: 7);
        Assert.Equal(
            [
                "max_steps (50) is set, so it is the step count and the steps per epoch are not used (transformers: max_steps > 0 overrides num_train_epochs)",
                "warmup_steps (10) overrides warmup_ratio (0.1), as in transformers",
            ],
            recipe.Notes);
        Assert.Equal(10, recipe.WarmupSteps);

        var epochs = ScheduleSpec.FromHuggingFaceArgs("""{"num_train_epochs": 2.5}""", stepsPerEpoch: 7);
        Assert.Equal(["num_train_epochs 2.5 x 7 steps per epoch = 18 steps (ceil)"], epochs.Notes);
        Assert.Equal(18, epochs.TrainingSteps);
    }

    [Fact]
    public void PlateauGetsItsKwargsAndNoWarmupAsInGetScheduler()
    {
        var recipe = ScheduleSpec.FromHuggingFaceArgs(
            """{"lr_scheduler_type":"reduce_lr_on_plateau","lr_scheduler_kwargs":{"patience":2,"factor":0.5},"warmup_steps":5,"max_steps":10}""");

        var plateau = Assert.IsType<ReduceLROnPlateau>(recipe.Schedule);
        Assert.Equal(2, plateau.Patience);
        Assert.Equal(0.5, plateau.Factor);
        Assert.Equal(0, recipe.WarmupSteps);
        Assert.Equal(
            ["reduce_lr_on_plateau has no warmup in transformers: the 5 warmup steps are not used (use constant_with_warmup, or a warmup in front of the plateau)"],
            recipe.Notes);
    }

    [Fact]
    public void ADegenerateRecipeKeepsTheScheduleWarning()
    {
        // transformers accepts max_steps < warmup + decay (a negative stable phase); so does Anneal, with a warning.
        var recipe = ScheduleSpec.FromHuggingFaceArgs(
            """{"max_steps": 10, "lr_scheduler_type": "warmup_stable_decay", "lr_scheduler_kwargs": {"num_decay_steps": 20}}""");

        Assert.Equal(10, recipe.TrainingSteps);
        Assert.Contains(recipe.Schedule.Warnings, w => w.ToString().Contains("num_warmup_steps + num_decay_steps (20)", StringComparison.Ordinal));
    }

    [Fact]
    public void NanoGptIgnoresItsModelAndDataSettings()
    {
        var recipe = ScheduleSpec.FromNanoGptConfig("""
            {"dataset": "shakespeare_char", "n_layer": 6, "learning_rate": 1e-3, "max_iters": 5000, "lr_decay_iters": 5000,
             "min_lr": 1e-4, "beta2": 0.99, "warmup_iters": 100, "compile": false}
            """);
        Assert.Equal(["dataset", "n_layer", "beta2", "compile"], recipe.IgnoredKeys);
        Assert.Equal(5001, recipe.TrainingSteps);
        Assert.Equal(100, recipe.WarmupSteps);
        Assert.Equal(1e-3, recipe.LearningRate);
        Assert.Empty(recipe.Notes);
    }

    public static TheoryData<string, string> HuggingFaceErrors() => new()
    {
        { """{"max_steps": 10, "warmup_ration": 0.1}""", "warmup_ration is not a TrainingArguments setting (did you mean 'warmup_ratio'?)" },
        { """{"max_steps": 10, "lr_scheduler": "cosine"}""", "lr_scheduler is not a TrainingArguments setting (did you mean 'lr_scheduler_type'?)" },
        { """{"max_steps": 10, "lr_scheduler_type": "cosin"}""", "lr_scheduler_type 'cosin' is not a transformers scheduler type (did you mean 'cosine'?)" },
        {
            """{"max_steps": 10, "lr_scheduler_type": "OneCycleLR"}""",
            "lr_scheduler_type 'OneCycleLR' is not a transformers scheduler type (known: linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup, inverse_sqrt, reduce_lr_on_plateau, cosine_with_min_lr, cosine_warmup_with_min_lr, warmup_stable_decay)"
        },
        {
            """{"max_steps": 10, "lr_scheduler_type": "cosine", "lr_scheduler_kwargs": {"num_cycle": 1}}""",
            "lr_scheduler_kwargs.num_cycle is not a parameter of cosine (did you mean 'num_cycles'?)"
        },
        {
            """{"max_steps": 10, "lr_scheduler_type": "inverse_sqrt", "lr_scheduler_kwargs": {"timescale": 5}}""",
            "lr_scheduler_kwargs.timescale is not used: transformers' get_scheduler passes no lr_scheduler_kwargs to inverse_sqrt; remove it"
        },
        {
            """{"max_steps": 10, "lr_scheduler_type": "cosine", "lr_scheduler_kwargs": {"num_warmup_steps": 3}}""",
            "lr_scheduler_kwargs.num_warmup_steps is set from warmup_steps / warmup_ratio; remove it (transformers would fail with 'got multiple values')"
        },
        { """{"max_steps": 10, "lr_scheduler_kwargs": "{not json"}""", "lr_scheduler_kwargs must be a JSON object such as {\"num_cycles\":0.5} (was \"{not json\")" },
        {
            """{"max_steps": 10, "lr_scheduler_type": "warmup_stable_decay"}""",
            "num_decay_steps is required by warmup_stable_decay"
        },
        {
            """{"max_steps": 10, "lr_scheduler_type": "polynomial", "lr_scheduler_kwargs": {"power": "2"}}""",
            "lr_scheduler_kwargs.power must be a number (was \"2\")"
        },
        { """{"num_train_epochs": 3}""", "steps_per_epoch must be given to turn num_train_epochs (3) into optimizer steps, as max_steps is not set (-1); or set max_steps" },
        { """{"max_steps": 10, "learning_rate": "2e-5"}""", "learning_rate must be a number (was \"2e-5\")" },
        { """{"max_steps": 10.5}""", "max_steps must be an integer (was 10.5)" },
        { """{"max_steps": 10, "warmup_ratio": 1.5}""", "warmup_ratio must be between 0 and 1 (was 1.5)" },
        { """{"max_steps": 10, "warmup_steps": -1}""", "warmup_steps must be >= 0 (was -1)" },
        { """{"max_steps": 10,""", "TrainingArguments is not valid JSON at line 1, position 17" },
        { """{"max_steps": 10, "learning_rate": NaN}""", "TrainingArguments is not valid JSON at line 1, position 36 (NaN and Infinity are not JSON numbers; use finite numbers)" },
        { "[1]", "TrainingArguments must be a JSON object of settings (was [1])" },
    };

    [Theory]
    [MemberData(nameof(HuggingFaceErrors))]
    public void HuggingFaceErrorsNameTheKey(string json, string message)
    {
        var e = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.FromHuggingFaceArgs(json));
        Assert.Equal(message, e.Message);
    }

    public static TheoryData<string, string> NanoGptErrors() => new()
    {
        { """{"warmup_iter": 100}""", "warmup_iter is not a nanoGPT config setting (did you mean 'warmup_iters'?)" },
        { """{"lr_decay_iters": 100, "warmup_iters": 100}""", "lr_decay_iters must differ from warmup_iters (100): nanoGPT's get_lr divides by lr_decay_iters - warmup_iters (was 100)" },
        { """{"decay_lr": "True"}""", "decay_lr must be true or false (was \"True\")" },
        { """{"learning_rate": 0}""", "learning_rate must be > 0 (was 0)" },
        { """{"max_iters": -1}""", "max_iters must be >= 0 (was -1)" },
    };

    [Theory]
    [MemberData(nameof(NanoGptErrors))]
    public void NanoGptErrorsNameTheKey(string json, string message)
    {
        var e = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.FromNanoGptConfig(json));
        Assert.Equal(message, e.Message);
    }
}
