namespace Anneal.Cli.Tests;

public sealed class HelpTests
{
    [Fact]
    public void ScheduleHelpStartsWithTheDescriptionAndUsage()
    {
        var result = Cli.Ok("schedule", "--help");
        var lines = result.OutLines.Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(
            [
                "Description:",
                "  Print the learning rate of every step of a schedule (a JSON spec in PyTorch / Hugging Face",
                "  spelling), optionally plot it and save or resume the scheduler state. Types: StepLR, MultiStepLR,",
            ],
            lines[..3]);
        var usage = Array.IndexOf(lines, "Usage:");
        Assert.Equal("  anneal schedule [<spec>] [options]", lines[usage + 1]);
    }

    [Fact]
    public void ScheduleHelpListsEveryTypeAndOption()
    {
        var text = string.Join(' ', Cli.Ok("schedule", "-h").Out.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        foreach (var type in ScheduleSpec.TypeNames)
        {
            Assert.Contains($" {type},", text.Replace($" {type}.", $" {type},", StringComparison.Ordinal));
        }

        foreach (var option in new[] { "--steps", "--lr", "--momentum", "--betas", "--metrics", "--format", "--plot", "--state-out", "--state-in" })
        {
            Assert.Contains(option, text);
        }
    }

    [Fact]
    public void RootHelpListsTheScheduleCommand()
    {
        var result = Cli.Ok("--help");
        Assert.Contains("  anneal [command] [options]", result.Out);
        Assert.Contains("schedule <spec>", result.Out);
    }
}
