using System.Globalization;
using System.Text.Json.Nodes;

namespace Anneal.Cli.Tests;

/// <summary><c>anneal train --hf-args / --nanogpt-config</c>: a tiny real run under the recipe's schedule, LR and steps.</summary>
public sealed class TrainRecipeTests : IDisposable
{
    private static readonly string[] Tiny =
        ["--layers", "1", "--heads", "2", "--dim", "16", "--context", "16", "--batch-size", "4", "--eval-every", "3", "--checkpoint-every", "0"];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TrainsUnderTheHuggingFaceRecipe()
    {
        var args = _dir.File("args.json", """{"learning_rate":0.002,"lr_scheduler_type":"cosine","warmup_steps":2,"max_steps":6,"per_device_train_batch_size":4}""");
        var outDir = Path.Combine(_dir.Root, "run");

        var result = Cli.Ok(["train", "--hf-args", args, "--out", outDir, .. Tiny]);

        Assert.Equal("recipe (Hugging Face TrainingArguments): learning rate 0.002, 6 steps, 2 warmup steps", result.OutLines[0]);
        Assert.Equal("ignored (they do not change the schedule): per_device_train_batch_size", result.OutLines[2]);
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "run.json")))!;
        Assert.Equal(6, JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!["steps_done"]!.GetValue<int>());
        var expected = new Scheduler(ScheduleSpec.Parse("""{"type":"cosine","num_warmup_steps":2,"num_training_steps":6}"""), [new ParamGroup(0.002)]);
        var lrs = LearningRates(outDir);
        Assert.Equal(6, lrs.Length);
        for (var step = 0; step < lrs.Length; step++)
        {
            Assert.Equal(expected.LastLearningRates[0], lrs[step], 1e-12);
            expected.Step();
        }

        Assert.Equal(0.0, lrs[0]);
        Assert.Equal(0.002, lrs[2], 1e-15);
        Assert.Contains("\"num_warmup_steps\":2", run.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheRecipeReplacesScheduleLrAndSteps()
    {
        var nano = _dir.File("nano.json", """{"max_iters":5,"warmup_iters":1,"lr_decay_iters":4}""");
        Cli.Fails(
            "error: --lr cannot be given with --nanogpt-config: the recipe sets the schedule, the learning rate and the step count",
            "train", "--nanogpt-config", nano, "--lr", "0.01");
        Cli.Fails(
            "error: --steps cannot be given with --nanogpt-config: the recipe sets the schedule, the learning rate and the step count",
            "train", "--nanogpt-config", nano, "--steps", "3");
        Cli.Fails(
            "error: --nanogpt-config cannot be given with --resume: a resumed run keeps its options (only --steps, --schedule and --device may change)",
            "train", "--resume", _dir.Root, "--nanogpt-config", nano);
        Cli.Fails(
            "error: --nanogpt-config cannot be given with --init-from: give the new run's schedule as --schedule and --lr",
            "train", "--init-from", _dir.Root, "--out", Path.Combine(_dir.Root, "new"), "--nanogpt-config", nano);
    }

    /// <summary>Group 0's learning rate of every step in metrics.csv (the column after step and tokens).</summary>
    private static double[] LearningRates(string runDir)
    {
        var lines = File.ReadAllLines(Path.Combine(runDir, "metrics.csv"));
        var column = Array.IndexOf(lines[0].Split(','), lines[0].Split(',').First(h => h.StartsWith("lr", StringComparison.Ordinal)));
        return [.. lines.Skip(1).Select(l => double.Parse(l.Split(',')[column], CultureInfo.InvariantCulture))];
    }
}
