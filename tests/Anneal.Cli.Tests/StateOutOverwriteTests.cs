namespace Anneal.Cli.Tests;

/// <summary><c>anneal schedule --state-out</c> never replaces a file silently.</summary>
public sealed class StateOutOverwriteTests
{
    [Fact]
    public void AnExistingStateFileIsReplacedOnlyWithForce()
    {
        using var dir = new TempDir();
        var state = dir.File("state.json", "my notes\n");
        Cli.Fails(
            $"error: --state-out '{state}' already exists; pass --force to overwrite it, or choose another file",
            "schedule", """{"type":"StepLR","step_size":2}""", "--steps", "3", "--state-out", state, "--format", "csv");
        Assert.Equal("my notes\n", File.ReadAllText(state));

        Cli.Ok("schedule", """{"type":"StepLR","step_size":2}""", "--steps", "3", "--state-out", state, "--format", "csv", "--force");
        Assert.Contains("\"format\": \"anneal.scheduler-state/1\"", File.ReadAllText(state));
    }
}
