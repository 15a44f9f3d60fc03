namespace Anneal.Cli.Tests;

public sealed class StateResumeTests
{
    private const string Plateau = """{"type":"SequentialLR","schedulers":[{"type":"LinearLR","start_factor":0.5,"total_iters":3},{"type":"ReduceLROnPlateau","patience":1,"factor":0.5}],"milestones":[3]}""";

    [Theory]
    [InlineData("""{"type":"OneCycleLR","max_lr":[0.1,0.02],"total_steps":20}""", 7)]
    [InlineData("""{"type":"CosineAnnealingWarmRestarts","T_0":4,"T_mult":2}""", 5)]
    [InlineData(Plateau, 6)]
    [InlineData(Plateau, 0)]
    [InlineData(Plateau, 20)]
    public void ResumingReproducesTheUninterruptedRows(string spec, int split)
    {
        using var dir = new TempDir();
        var metrics = dir.File("metrics.txt", string.Join('\n', Enumerable.Range(0, 20).Select(i => i < 8 ? 1.0 - i / 10.0 : 0.3)) + "\n");
        var state = dir.File("state.json");
        string[] common = ["--lr", "0.1,0.02", "--metrics", metrics, "--format", "csv"];

        var full = Cli.Ok(["schedule", spec, "--steps", "20", .. common]).OutLines;
        var first = Cli.Ok(["schedule", spec, "--steps", split.ToString(), "--state-out", state, .. common]).OutLines;
        var second = Cli.Ok(["schedule", spec, "--steps", "20", "--state-in", state, .. common]).OutLines;

        Assert.Equal(full[..(split + 2)], first);
        Assert.Equal([full[0], .. full[(split + 1)..]], second);
        Assert.False(File.Exists(state + ".tmp"));
    }

    [Fact]
    public void TheStateFileNamesItsFormatAndStep()
    {
        using var dir = new TempDir();
        var state = dir.File("state.json");
        Cli.Ok("schedule", """{"type":"StepLR","step_size":2}""", "--steps", "3", "--state-out", state, "--format", "csv");
        var text = File.ReadAllText(state);
        Assert.Contains("\"format\": \"anneal.scheduler-state/1\"", text);
        Assert.Contains("\"step\": 3", text);
    }

    [Fact]
    public void AFailingRunLeavesAnExistingStateFileAlone()
    {
        using var dir = new TempDir();
        var state = dir.File("state.json", "keep me");
        var metrics = dir.File("m.txt", "1\n2\nabc\n");

        Assert.Equal(2, Cli.Run("schedule", """{"type":"ReduceLROnPlateau"}""", "--steps", "3", "--metrics", metrics, "--state-out", state).ExitCode);
        Assert.Equal(2, Cli.Run("schedule", """{"type":"StepLR"}""", "--steps", "3", "--state-out", state).ExitCode);
        var missingFolder = Path.Combine(dir.Root, "no", "plot.png");
        Assert.Equal(2, Cli.Run("schedule", """{"type":"StepLR","step_size":1}""", "--steps", "3", "--state-out", state, "--plot", missingFolder).ExitCode);

        Assert.Equal("keep me", File.ReadAllText(state));
        Assert.Equal(["state.json", "m.txt"], Directory.GetFiles(dir.Root).Select(Path.GetFileName).Order().Reverse());
    }

    [Fact]
    public void ResumingWithOtherLearningRatesIsAnError()
    {
        using var dir = new TempDir();
        var state = dir.File("state.json");
        Cli.Ok("schedule", """{"type":"StepLR","step_size":2}""", "--steps", "3", "--state-out", state, "--format", "csv");
        Cli.Fails(
            $"error: --state-in '{state}' was saved with --lr 0.1 but this run has --lr 0.2; pass the same --lr to resume",
            "schedule", """{"type":"StepLR","step_size":2}""", "--steps", "5", "--state-in", state, "--lr", "0.2");
    }

    [Fact]
    public void ResumingAnotherScheduleIsAnError()
    {
        using var dir = new TempDir();
        var state = dir.File("state.json");
        Cli.Ok("schedule", """{"type":"StepLR","step_size":2}""", "--steps", "3", "--state-out", state, "--format", "csv");
        var result = Cli.Run("schedule", """{"type":"StepLR","step_size":3}""", "--steps", "5", "--state-in", state);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: --state-in '{state}': state.schedule was saved for {{\"type\":\"StepLR\",\"step_size\":2", result.Error);
    }

    [Fact]
    public void ResumingPastStepsIsAnError()
    {
        using var dir = new TempDir();
        var state = dir.File("state.json");
        Cli.Ok("schedule", """{"type":"StepLR","step_size":2}""", "--steps", "3", "--state-out", state, "--format", "csv");
        Cli.Fails(
            $"error: --state-in '{state}' is at step 3, past --steps 2; pass --steps 3 or more",
            "schedule", """{"type":"StepLR","step_size":2}""", "--steps", "2", "--state-in", state);
    }
}
