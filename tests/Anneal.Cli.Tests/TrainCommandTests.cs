using System.Text.Json.Nodes;
using Anneal.Training;

namespace Anneal.Cli.Tests;

/// <summary><c>anneal train</c>: its help, its one-line errors (exit 2, nothing on standard output), and a tiny real run.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void HelpStartsWithTheDescriptionAndUsage()
    {
        var lines = Cli.Ok("train", "--help").OutLines.Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(
            [
                "Description:",
                "  Train a small GPT under a schedule and optimizer; writes metrics.csv, TensorBoard events,",
                "  curves.png, run.json, summary.json and a checkpoint.",
                "",
                "Usage:",
                "  anneal train [options]",
                "",
                "Options:",
            ],
            lines[..8]);
        var text = string.Join('\n', lines);
        foreach (var option in new[] { "--schedule", "--optimizer", "--lr", "--steps", "--seed", "--data", "--tokenizer", "--out", "--eval-every", "--checkpoint-every", "--resume" })
        {
            Assert.Contains($"  {option} ", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UnknownPreset() => Cli.Fails(
        $"error: --schedule 'onecylce' is not a preset, a JSON spec or an existing file (did you mean 'onecycle'?); presets: {string.Join(", ", SchedulePresets.Names)}",
        "train", "--schedule", "onecylce", "--out", Out());

    [Fact]
    public void UnknownTokenizer() => Cli.Fails(
        "error: --tokenizer must be char or gpt2 (was 'bogus')",
        "train", "--tokenizer", "bogus", "--out", Out());

    [Fact]
    public void ContextLongerThanTheData() => Cli.Fails(
        "error: --context 8 is longer than the data allows: 18 tokens give 16 for training and 2 for validation, and each needs at least context + 1 = 9",
        "train", "--data", _dir.File("tiny.txt", "hello world, tiny."), "--context", "8", "--out", Out());

    [Fact]
    public void EmptyData()
    {
        var path = _dir.File("empty.txt", "");
        Cli.Fails($"error: --data: file '{path}' is empty", "train", "--data", path, "--out", Out());
    }

    [Fact]
    public void DataThatIsNotUtf8()
    {
        var path = _dir.File("latin1.txt");
        File.WriteAllBytes(path, [0x61, 0x62, 0xFF, 0x63]);
        Cli.Fails($"error: --data: file '{path}' is not valid UTF-8 (invalid byte sequence at byte 2)", "train", "--data", path, "--out", Out());
    }

    [Fact]
    public void MissingData()
    {
        var path = _dir.File("missing.txt");
        Cli.Fails($"error: --data: file '{path}' does not exist", "train", "--data", path, "--out", Out());
    }

    [Fact]
    public void CudaWithoutCuda() => Cli.Fails(
        "error: --device: Device 'cuda' was requested but CUDA is not available: the referenced libtorch package is a CPU build " +
        "(libtorch-cpu-*), or no NVIDIA GPU and driver are present. To train on a GPU, reference a CUDA backend package instead " +
        "(on Linux libtorch-cuda-12.8-linux-x64, or the libtorch-cuda-12.8 meta package; never together with a libtorch-cpu package) " +
        "and run on a machine with an NVIDIA GPU and driver. Use 'cpu' otherwise.",
        "train", "--device", "cuda", "--data", _dir.File("text.txt", string.Concat(Enumerable.Repeat("The old fox sees a river. ", 40))), "--out", Out());

    [Fact]
    public void ResumeWithoutACheckpoint()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_dir.Root, "no-checkpoint")).FullName;
        Cli.Fails($"error: --resume: '{empty}' has no checkpoint (checkpoint.bin)", "train", "--resume", empty);
        Cli.Fails($"error: --resume: '{empty}-missing' does not exist", "train", "--resume", empty + "-missing");
    }

    [Fact]
    public void TinyRunWritesTheRunDirectory()
    {
        var outDir = Out();
        var result = Cli.Ok(
            "train", "--steps", "6", "--layers", "1", "--heads", "2", "--dim", "16", "--context", "16", "--batch-size", "4",
            "--eval-every", "3", "--checkpoint-every", "3", "--out", outDir);

        Assert.StartsWith("training: ", result.OutLines[0], StringComparison.Ordinal);
        Assert.Contains("step 5 (6/6)  loss ", result.Out, StringComparison.Ordinal); // steps numbered from 0, as in metrics.csv
        Assert.Contains("step 5: validation loss ", result.Out, StringComparison.Ordinal);
        Assert.Contains($"checkpoint after 6 steps: {Path.Combine(outDir, "checkpoint.bin")}", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"^validation loss: final \d\.\d{4}, best \d\.\d{4} \(at step [25]\); ", result.OutLines[^2]);
        Assert.StartsWith("6 steps (6 this session), ", result.OutLines[^1], StringComparison.Ordinal);
        foreach (var file in new[] { "metrics.csv", "summary.json", "run.json", "checkpoint.bin", "curves.png" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        }

        var rows = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.Equal(7, rows.Length);
        Assert.StartsWith("5,384,", rows[^1], StringComparison.Ordinal); // step 5 (the 6th), 6 x 4 x 16 tokens
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        Assert.Equal("completed", summary["status"]!.GetValue<string>());
        Assert.Equal(6, summary["steps_done"]!.GetValue<int>());
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "run.json")))!;
        Assert.Equal("anneal.run/2", run["format"]!.GetValue<string>());
        Assert.Equal(16, run["options"]!["embedding_dim"]!.GetValue<int>());
        Assert.Equal("adamw", run["options"]!["optimizer"]!.GetValue<string>()); // enums by their lowercase names
        Assert.Equal("cosine_with_min_lr", run["schedule"]!["type"]!.GetValue<string>()); // the spec as JSON, not a string of JSON
        Assert.Equal(64, run["tokens_per_step"]!.GetValue<int>());
    }

    [Fact]
    public void TokenBudgetSetsTheSteps()
    {
        var outDir = Out();
        Cli.Ok(
            "train", "--tokens", "300", "--layers", "1", "--heads", "2", "--dim", "16", "--context", "16", "--batch-size", "4",
            "--eval-every", "5", "--checkpoint-every", "0", "--out", outDir);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        Assert.Equal(5, summary["steps_done"]!.GetValue<int>()); // ceil(300 / (4 x 16)) = 5
    }

    [Fact]
    public void TokensAndStepsTogether() =>
        Cli.Fails(
            "error: --steps and --tokens cannot both be given: --tokens N trains ceil(N / (batch size x context x accumulation)) steps",
            "train", "--tokens", "1000", "--steps", "3");

    [Fact]
    public void TokensMustBePositive() => Cli.Fails("error: --tokens must be > 0 (was 0)", "train", "--tokens", "0");

    private string Out() => Path.Combine(_dir.Root, "run-" + Guid.NewGuid().ToString("N")[..8]);
}
