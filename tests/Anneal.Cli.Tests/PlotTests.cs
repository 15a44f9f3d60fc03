namespace Anneal.Cli.Tests;

public sealed class PlotTests
{
    [Fact]
    public void WritesAPng()
    {
        using var dir = new TempDir();
        var png = dir.File("curve.png");
        Cli.Ok("schedule", """{"type":"OneCycleLR","max_lr":[0.1,0.05],"total_steps":50}""", "--steps", "50", "--lr", "0.1,0.05", "--plot", png, "--format", "csv");
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.True(bytes.Length > 10_000, $"PNG is only {bytes.Length} bytes");
        Assert.False(File.Exists(png + ".tmp"));
    }

    [Fact]
    public void WritesAnSvgWithTitleAndLabels()
    {
        using var dir = new TempDir();
        var svg = dir.File("curve.svg");
        Cli.Ok("schedule", """{"type":"CosineAnnealingLR","T_max":10}""", "--steps", "10", "--plot", svg, "--format", "csv");
        var text = File.ReadAllText(svg);
        Assert.True(text.StartsWith("<?xml", StringComparison.Ordinal) || text.StartsWith("<svg", StringComparison.Ordinal));
        Assert.Contains("<svg", text);
    }

    [Fact]
    public void RejectsOtherExtensions()
    {
        Cli.Fails("error: --plot 'curve.jpg' must end in .png or .svg", "schedule", """{"type":"StepLR","step_size":1}""", "--steps", "1", "--plot", "curve.jpg");
    }
}
