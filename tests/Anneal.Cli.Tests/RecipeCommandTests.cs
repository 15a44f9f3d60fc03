using System.Globalization;

namespace Anneal.Cli.Tests;

/// <summary><c>anneal schedule --hf-args / --nanogpt-config</c>: recipes in, the same rows as the hand-written spec.</summary>
public sealed class RecipeCommandTests
{
    private const string IssueRecipe =
        """{"output_dir":"out","learning_rate":2e-5,"lr_scheduler_type":"cosine","warmup_ratio":0.03,"max_steps":1000,"seed":42}""";

    [Fact]
    public void HuggingFaceArgsGiveTheRowsOfTheHandTranslatedSpec()
    {
        using var dir = new TempDir();
        var file = dir.File("args.json", IssueRecipe);

        var rows = Csv(Cli.Ok("schedule", "--hf-args", file, "--format", "csv"));
        var byHand = Csv(Cli.Ok("schedule", """{"type":"cosine","num_warmup_steps":30,"num_training_steps":1000}""", "--lr", "2e-5", "--steps", "1000", "--format", "csv"));

        Assert.Equal(1001, rows.Length);
        Assert.Equal(byHand, rows);
        Assert.Equal(0.0, rows[0]);
        Assert.Equal(2e-5, rows[30]);
    }

    [Fact]
    public void EpochsNeedStepsPerEpoch()
    {
        using var dir = new TempDir();
        var file = dir.File("args.json", """{"num_train_epochs":2,"warmup_steps":3,"learning_rate":0.001}""");

        var rows = Csv(Cli.Ok("schedule", "--hf-args", file, "--steps-per-epoch", "10", "--format", "csv"));

        Assert.Equal(21, rows.Length); // 2 x 10 steps: rows 0..20
        Assert.Equal(0.001 / 3, rows[1], 1e-18);
        Assert.Equal(0.0, rows[20]);
        Cli.Fails(
            $"error: --hf-args {file}: max_steps is not set, so the step count is num_train_epochs x steps per epoch: pass --steps-per-epoch N (optimizer steps per epoch), or set max_steps in the file",
            "schedule", "--hf-args", file);
        Cli.Fails("error: --steps-per-epoch must be > 0 (was 0)", "schedule", "--hf-args", file, "--steps-per-epoch", "0");
    }

    [Fact]
    public void NanoGptConfigWarmsUpFromLrOverWarmupPlusOne()
    {
        using var dir = new TempDir();
        var file = dir.File("nano.json", """{"learning_rate":1e-3,"max_iters":50,"warmup_iters":4,"lr_decay_iters":40,"min_lr":1e-4,"n_layer":6}""");

        var rows = Csv(Cli.Ok("schedule", "--nanogpt-config", file, "--format", "csv"));

        Assert.Equal(52, rows.Length); // iterations 0..50 and the value after the last
        Assert.Equal(1e-3 * 1 / 5, rows[0], 1e-18);
        Assert.Equal(1e-3 * 4 / 5, rows[3], 1e-18);
        Assert.Equal(1e-3, rows[4], 1e-18);
        Assert.Equal(1e-4, rows[40], 1e-18);
        Assert.Equal(1e-4, rows[50]);
    }

    [Fact]
    public void VerboseSaysWhatTheRecipeBecameAndWhatWasIgnored()
    {
        using var dir = new TempDir();
        var file = dir.File("args.json", IssueRecipe);

        var result = Cli.Run("schedule", "--hf-args", file, "--format", "csv", "--steps", "2", "--verbose");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "recipe (Hugging Face TrainingArguments): learning rate 2E-05, 1000 steps, 30 warmup steps\n"
            + "schedule: {\"type\":\"cosine\",\"num_warmup_steps\":30,\"num_training_steps\":1000,\"num_cycles\":0.5}\n"
            + "ignored (they do not change the schedule): output_dir, seed\n",
            result.Error);
        Assert.Equal(3, Csv(result).Length);
    }

    [Fact]
    public void RecipeErrorsNameTheOptionAndTheFile()
    {
        using var dir = new TempDir();
        var file = dir.File("args.json", """{"max_steps":10,"warmup_ration":0.1}""");
        var nano = dir.File("nano.json", "{}");

        Cli.Fails($"error: --hf-args {file}: warmup_ration is not a TrainingArguments setting (did you mean 'warmup_ratio'?)", "schedule", "--hf-args", file);
        Cli.Fails("error: --hf-args and --nanogpt-config are two recipes; give one", "schedule", "--hf-args", file, "--nanogpt-config", nano);
        Cli.Fails("error: give SPEC or --nanogpt-config, not both: the recipe is the schedule", "schedule", """{"type":"StepLR","step_size":2}""", "--nanogpt-config", nano);
        Cli.Fails("error: --nanogpt-config sets the learning rate (learning_rate = 0.0006); drop --lr or change the file", "schedule", "--nanogpt-config", nano, "--lr", "0.1");
        Cli.Fails("error: --steps-per-epoch turns --hf-args' num_train_epochs into steps; it needs --hf-args FILE.json", "schedule", "--nanogpt-config", nano, "--steps-per-epoch", "3");
        Cli.Fails("error: --verbose describes a recipe; it needs --hf-args FILE.json or --nanogpt-config FILE.json", "schedule", "--verbose");
        Cli.Fails($"error: --hf-args file '{dir.File("missing.json")}' does not exist", "schedule", "--hf-args", dir.File("missing.json"));
    }

    private static double[] Csv(CliResult result) =>
        [.. result.OutLines.Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture))];
}
