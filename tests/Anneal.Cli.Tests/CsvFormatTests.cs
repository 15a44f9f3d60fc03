namespace Anneal.Cli.Tests;

public sealed class CsvFormatTests
{
    private const string StepLr = """{"type":"StepLR","step_size":2,"gamma":0.5}""";

    [Fact]
    public void OneGroupHasStepAndLrColumns()
    {
        var result = Cli.Ok("schedule", StepLr, "--steps", "4", "--lr", "1", "--format", "csv");
        Assert.Equal("step,lr\n0,1\n1,1\n2,0.5\n3,0.5\n4,0.25\n", result.Out);
    }

    [Fact]
    public void TwoGroupsHaveOneColumnEach()
    {
        var result = Cli.Ok("schedule", StepLr, "--steps", "2", "--lr", "1,0.1", "--format", "csv");
        Assert.Equal("step,lr0,lr1\n0,1,0.1\n1,1,0.1\n2,0.5,0.05\n", result.Out);
    }

    [Fact]
    public void DefaultIsOneGroupAtPointOne()
    {
        var result = Cli.Ok("schedule", StepLr, "--steps", "2", "--format", "csv");
        Assert.Equal("step,lr\n0,0.1\n1,0.1\n2,0.05\n", result.Out);
    }

    [Fact]
    public void OneCycleAddsMomentumColumnsWithRoundTripValues()
    {
        var result = Cli.Ok("schedule", """{"type":"OneCycleLR","max_lr":0.1,"total_steps":10}""", "--steps", "10", "--format", "csv");
        var lines = result.OutLines;
        Assert.Equal("step,lr,momentum", lines[0]);
        Assert.Equal("0,0.0040000000000000036,0.95", lines[1]);
        Assert.Equal("2,0.1,0.85", lines[3]);
        Assert.Equal("9,4E-07,0.95", lines[10]);
        Assert.Equal(12, lines.Length);
    }

    [Fact]
    public void AdamBetasCycleBeta1InTwoGroups()
    {
        var result = Cli.Ok(
            "schedule", """{"type":"OneCycleLR","max_lr":[0.1,0.01],"total_steps":10}""", "--steps", "2", "--lr", "0.1,0.01", "--betas", "0.9,0.999", "--format", "csv");
        Assert.Equal("step,lr0,lr1,momentum0,momentum1", result.OutLines[0]);
        Assert.Equal("2,0.1,0.01,0.85,0.85", result.OutLines[3]);
    }

    [Fact]
    public void SpecIsReadFromAJsonFile()
    {
        using var dir = new TempDir();
        var spec = dir.File("spec.json", StepLr);
        var result = Cli.Ok("schedule", spec, "--steps", "4", "--lr", "1", "--format", "csv");
        Assert.Equal("step,lr\n0,1\n1,1\n2,0.5\n3,0.5\n4,0.25\n", result.Out);
    }

    [Fact]
    public void PlateauReadsLineKAtStepK()
    {
        using var dir = new TempDir();
        var metrics = dir.File("m.txt", "1\n1\n1\n1\n");
        var result = Cli.Ok(
            "schedule", """{"type":"ReduceLROnPlateau","patience":1,"factor":0.5}""", "--steps", "4", "--lr", "1", "--metrics", metrics, "--format", "csv");
        Assert.Equal("step,lr\n0,1\n1,1\n2,1\n3,0.5\n4,0.5\n", result.Out);
    }

    [Fact]
    public void MetricsAreIgnoredWhenNotNeeded()
    {
        using var dir = new TempDir();
        var metrics = dir.File("m.txt", "5\n");
        var result = Cli.Ok("schedule", StepLr, "--steps", "2", "--lr", "1", "--metrics", metrics, "--format", "csv");
        Assert.Equal("step,lr\n0,1\n1,1\n2,0.5\n", result.Out);
    }
}
