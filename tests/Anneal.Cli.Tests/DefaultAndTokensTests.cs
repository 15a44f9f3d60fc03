namespace Anneal.Cli.Tests;

/// <summary>The built-in default run and schedules measured in tokens.</summary>
public sealed class DefaultAndTokensTests
{
    [Fact]
    public void Schedule_without_arguments_prints_the_built_in_default()
    {
        var result = Cli.Run("schedule", "--format", "csv");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.TrimEnd().Split('\n');
        Assert.Equal("step,lr", lines[0]);
        Assert.Equal(102, lines.Length);
        Assert.Equal("0,0", lines[1]);
        Assert.Equal("10,0.1", lines[11]);
        Assert.Equal("100,0.010000000000000002", lines[101]);
    }

    [Fact]
    public void Tokens_per_step_scales_a_schedule_measured_in_tokens()
    {
        const string spec = """{"type":"tokens","schedule":{"type":"linear","num_warmup_steps":1000,"num_training_steps":10000}}""";
        var result = Cli.Run("schedule", spec, "--steps", "10", "--tokens-per-step", "500", "--format", "csv");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.TrimEnd().Split('\n');
        Assert.Equal("1,0.05", lines[2]);
        Assert.Equal("2,0.1", lines[3]);
    }

    [Fact]
    public void A_schedule_in_tokens_without_tokens_per_step_is_a_usage_error()
    {
        const string spec = """{"type":"tokens","schedule":{"type":"linear","num_warmup_steps":1000,"num_training_steps":10000}}""";
        Cli.Fails(
            "error: tokens_per_step must be given for a schedule measured in tokens (batch size x context x gradient accumulation)",
            "schedule", spec, "--steps", "3");
    }
}
