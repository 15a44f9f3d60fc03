namespace Anneal.Tests;

/// <summary>
/// Every schedule against values dumped from real PyTorch 1.13 and from Hugging Face's formulas driven by PyTorch's
/// LambdaLR (tools/golden/gen_golden.py), every case and every value: ordinary configurations (pytorch.json,
/// huggingface.json), degenerate ones PyTorch accepts and SequentialLR's construction-order effects (degenerate.json),
/// every ordered pair of ChainedScheduler member types and a few longer chains (chained.json), Hugging Face's
/// warmup-equals-training boundaries (huggingface.json, hf/boundary). Tolerance: relative 1e-9, with an absolute
/// floor of 1e-15 for values at 0. Inputs PyTorch crashes on (rejected.json) are rejected with a message.
/// </summary>
public sealed class GoldenTests
{
    private const double Relative = 1e-9;
    private const double Absolute = 1e-15;

    public static TheoryData<GoldenCase> PyTorch() => [.. GoldenCase.Load("pytorch.json")];

    public static TheoryData<GoldenCase> Degenerate() => [.. GoldenCase.Load("degenerate.json")];

    public static TheoryData<GoldenCase> Chained() => [.. GoldenCase.Load("chained.json")];

    public static TheoryData<GoldenCase> HuggingFace() => [.. GoldenCase.Load("huggingface.json")];

    public static TheoryData<GoldenCase> Rejected() => [.. GoldenCase.Load("rejected.json")];

    [Theory]
    [MemberData(nameof(PyTorch))]
    public void Matches_pytorch(GoldenCase golden) => Check(golden);

    [Theory]
    [MemberData(nameof(Degenerate))]
    public void Matches_pytorch_on_degenerate_inputs(GoldenCase golden) => Check(golden);

    [Theory]
    [MemberData(nameof(Chained))]
    public void Matches_pytorch_chained(GoldenCase golden) => Check(golden);

    [Theory]
    [MemberData(nameof(HuggingFace))]
    public void Matches_hugging_face(GoldenCase golden) => Check(golden);

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Rejects_what_pytorch_divides_by_zero_on(GoldenCase golden)
    {
        Assert.StartsWith(golden.Json["name"]!.GetValue<string>().StartsWith("ChainedScheduler", StringComparison.Ordinal) ? "TypeError" : "ZeroDivisionError", golden.Json["pytorch_raises"]!.GetValue<string>(), StringComparison.Ordinal);
        var error = Assert.Throws<ScheduleArgumentException>(() => new Scheduler(golden.Schedule(), golden.Groups()));
        Assert.NotEmpty(error.Parameter);
        Assert.Contains("must", error.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Chained_pairs_cover_every_ordered_pair_of_member_types()
    {
        var pairs = GoldenCase.Load("chained.json").Select(c => c.Name).Where(n => n.StartsWith("chain/", StringComparison.Ordinal) && n.Contains('+')).ToList();
        var members = pairs.SelectMany(n => n["chain/".Length..].Split('+')).Distinct().ToList();
        Assert.Equal(15, members.Count);
        Assert.Equal(members.Count * (members.Count - 1), pairs.Count(n => n.Count(ch => ch == '+') == 1 && !n.Contains("nested", StringComparison.Ordinal)));
    }

    [Fact]
    public void Golden_files_cover_every_spec_type()
    {
        var covered = GoldenCase.Load("pytorch.json").Concat(GoldenCase.Load("huggingface.json")).Concat(GoldenCase.Load("degenerate.json")).Concat(GoldenCase.Load("piecewise_linear.json"))
            .Select(c => c.Json["spec"]!["type"]!.GetValue<string>()).ToHashSet();
        var uncovered = ScheduleSpec.TypeNames.Except(covered)
            .Except(["warmup", "restarts", "ramp", "tokens", "reduce_lr_on_plateau"]);
        Assert.Empty(uncovered);
    }

    /// <summary>Drives the case's schedule over its groups and compares every row's learning rates (and momenta) to the golden values.</summary>
    internal static void Check(GoldenCase golden)
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
