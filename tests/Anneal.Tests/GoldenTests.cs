namespace Anneal.Tests;

/// <summary>
/// Every schedule against values dumped from real PyTorch 1.13 and from Hugging Face's formulas driven by PyTorch's
/// LambdaLR (tools/golden/gen_golden.py). Tolerance: relative 1e-9, with an absolute floor of 1e-15 for values at 0.
/// </summary>
public sealed class GoldenTests
{
    private const double Relative = 1e-9;
    private const double Absolute = 1e-15;

    /// <summary>
    /// Cases where Anneal documents a different number on purpose. PyTorch chains CosineAnnealingLR with an eta_min
    /// through its recursive form, which makes the result depend on call order; Anneal's ChainedScheduler is the
    /// product of closed forms (see ChainedScheduler's docs and ChainedSchedulerTests).
    /// </summary>
    private static readonly HashSet<string> DocumentedDifferences = ["ChainedScheduler/cosine_multistep/adam"];

    public static TheoryData<GoldenCase> PyTorch() => [.. GoldenCase.Load("pytorch.json").Where(c => !DocumentedDifferences.Contains(c.Name))];

    public static TheoryData<GoldenCase> HuggingFace() => [.. GoldenCase.Load("huggingface.json")];

    [Theory]
    [MemberData(nameof(PyTorch))]
    public void Matches_pytorch(GoldenCase golden) => Check(golden);

    [Theory]
    [MemberData(nameof(HuggingFace))]
    public void Matches_hugging_face(GoldenCase golden) => Check(golden);

    [Fact]
    public void Golden_files_cover_every_spec_type()
    {
        var covered = GoldenCase.Load("pytorch.json").Concat(GoldenCase.Load("huggingface.json"))
            .Select(c => c.Json["spec"]!["type"]!.GetValue<string>()).ToHashSet();
        var uncovered = ScheduleSpec.TypeNames.Except(covered)
            .Except(["warmup", "restarts", "ramp", "tokens", "reduce_lr_on_plateau"]);
        Assert.Empty(uncovered);
    }

    private static void Check(GoldenCase golden)
    {
        var groups = golden.Groups();
        var initialMomenta = groups.Select(g => g.Momentum).ToArray();
        var schedule = golden.Schedule();
        var scheduler = new Scheduler(schedule, groups);
        var expectedLr = golden.Rows("lr");
        var expectedMomentum = golden.Rows("momentum_values");

        // A schedule that cycles momentum must have PyTorch's momentum column; one that does not must leave it alone.
        Assert.Equal(schedule.CyclesMomentum, expectedMomentum.Length > 0);
        var metrics = golden.Metrics;
        Assert.Equal(golden.Steps + 1, expectedLr.Length);
        for (var row = 0; row <= golden.Steps; row++)
        {
            if (row > 0)
            {
                if (metrics is null)
                {
                    scheduler.Step();
                }
                else
                {
                    scheduler.Step(metrics[row - 1]);
                }
            }

            for (var g = 0; g < groups.Length; g++)
            {
                AssertClose(expectedLr[row][g], groups[g].LearningRate, $"{golden.Name} row {row} lr{g}");
                if (expectedMomentum.Length > 0)
                {
                    AssertClose(expectedMomentum[row][g], groups[g].Momentum, $"{golden.Name} row {row} momentum{g}");
                }
                else
                {
                    Assert.Equal(initialMomenta[g], groups[g].Momentum);
                }
            }
        }
    }

    internal static void AssertClose(double expected, double actual, string what)
    {
        var tolerance = Relative * Math.Max(Math.Abs(expected), Math.Abs(actual)) + Absolute;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }
}
