using System.Text.Json;

namespace Anneal.Cli.Tests;

public sealed class JsonAndTableFormatTests
{
    [Fact]
    public void JsonHoldsTheSpecAndOneRowPerStep()
    {
        var result = Cli.Ok("schedule", """{"type":"OneCycleLR","max_lr":0.1,"total_steps":10}""", "--steps", "3", "--format", "json");
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.Equal("OneCycleLR", root.GetProperty("spec").GetProperty("type").GetString());
        Assert.Equal(10, root.GetProperty("spec").GetProperty("total_steps").GetInt64());
        Assert.Equal(0.1, root.GetProperty("base_lrs")[0].GetDouble());
        var rows = root.GetProperty("rows");
        Assert.Equal(4, rows.GetArrayLength());
        Assert.Equal(2, rows[2].GetProperty("step").GetInt64());
        Assert.Equal(0.1, rows[2].GetProperty("lr")[0].GetDouble());
        Assert.Equal(0.85, rows[2].GetProperty("momentum")[0].GetDouble());
        Assert.Equal(0.0040000000000000036, rows[0].GetProperty("lr")[0].GetDouble());
    }

    [Fact]
    public void JsonRowsHaveNoMomentumWhenNotCycled()
    {
        var result = Cli.Ok("schedule", """{"type":"StepLR","step_size":1}""", "--steps", "1", "--format", "json");
        using var document = JsonDocument.Parse(result.Out);
        Assert.False(document.RootElement.GetProperty("rows")[0].TryGetProperty("momentum", out _));
    }

    [Fact]
    public void TableIsPlainTextWithAllRowsOfAShortRun()
    {
        var result = Cli.Ok("schedule", """{"type":"StepLR","step_size":2,"gamma":0.5}""", "--steps", "4", "--lr", "1");
        Assert.DoesNotContain('\u001b', result.Out);
        Assert.Contains("| step |   lr |", result.Out);
        Assert.Contains("|    4 | 0.25 |", result.Out);
        Assert.Equal("lr min 0.25 (step 4), max 1 (step 0), end 0.25 (step 4)", result.OutLines[^1]);
    }

    [Fact]
    public void TableOfALongRunShowsASubsetAndSaysSo()
    {
        var result = Cli.Ok("schedule", """{"type":"CosineAnnealingLR","T_max":1000}""", "--steps", "1000");
        Assert.Contains("showing 30 of 1001 rows: the first 10, every 50th step and the last; --format csv prints all", result.Out);
        Assert.Contains("|  950 |", result.Out);
        Assert.Contains("| 1000 |", result.Out);
        Assert.DoesNotContain("|   11 |", result.Out);
        Assert.StartsWith("lr min 0 (step 1000), max 0.1 (step 0), end 0 (step 1000)", result.OutLines[^1]);
    }
}
