namespace Anneal.Tests;

/// <summary>
/// <c>piecewise_linear</c>: golden values (tools/golden/gen_piecewise_linear.py: real PyTorch SequentialLR of LinearLR
/// where its factors allow, numpy.interp elsewhere; relative tolerance 1e-9), exact values at knots and between them,
/// the JSON round trip, and the exact error messages.
/// </summary>
public sealed class PiecewiseLinearTests
{
    public static TheoryData<GoldenCase> Golden() => [.. GoldenCase.Load("piecewise_linear.json")];

    [Theory]
    [MemberData(nameof(Golden))]
    public void Matches_golden_values(GoldenCase golden) => GoldenTests.Check(golden);

    [Fact]
    public void Values_at_and_between_knots_are_exact()
    {
        var s = new PiecewiseLinear([0, 100, 800, 1000], [0.0, 1.0, 1.0, 0.0]);
        Assert.Equal(0.0, s.Factor(0));
        Assert.Equal(0.5, s.Factor(50));
        Assert.Equal(1.0, s.Factor(100));
        Assert.Equal(1.0, s.Factor(799));
        Assert.Equal(1.0, s.Factor(800));
        Assert.Equal(0.5, s.Factor(900));
        Assert.Equal(0.0, s.Factor(1000));
        Assert.Equal(0.0, s.Factor(long.MaxValue));
        Assert.Equal(0.003 * 0.25, s.LearningRate(25, 0.003), 15);
    }

    [Fact]
    public void Holds_the_first_factor_before_the_first_knot()
    {
        var s = new PiecewiseLinear([10, 20], [0.4, 0.2]);
        Assert.Equal(0.4, s.Factor(0));
        Assert.Equal(0.4, s.Factor(10));
        Assert.Equal(0.3, s.Factor(15), 15);
        Assert.Equal(0.2, s.Factor(25));
    }

    [Fact]
    public void Round_trips_through_the_spec()
    {
        const string json = """{"type":"piecewise_linear","steps":[0,30,300,599],"factors":[0,1,0.4,0.001]}""";
        var schedule = ScheduleSpec.Parse(json);
        var written = ScheduleSpec.Write(schedule);
        Assert.Equal("""{"type":"piecewise_linear","steps":[0,30,300,599],"factors":[0,1,0.4,0.001]}""", written);
        var again = ScheduleSpec.Parse(written);
        for (var t = 0; t <= 700; t++)
        {
            Assert.Equal(schedule.LearningRate(t, 0.003), again.LearningRate(t, 0.003));
        }
    }

    [Theory]
    [InlineData("""{"type":"piecewise_linear","steps":[0,10],"factors":[1]}""", "factors must have one value per knot in steps: expected 2, got 1")]
    [InlineData("""{"type":"piecewise_linear","steps":[0,10,10],"factors":[1,1,0]}""", "steps[2] must be > steps[1] = 10: knots are strictly increasing (was 10)")]
    [InlineData("""{"type":"piecewise_linear","steps":[-1,10],"factors":[1,0]}""", "steps[0] must be >= 0 (was -1)")]
    [InlineData("""{"type":"piecewise_linear","steps":[0,10],"factors":[1,-0.5]}""", "factors[1] must be >= 0 (was -0.5)")]
    [InlineData("""{"type":"piecewise_linear","steps":[],"factors":[1]}""", "steps must not be empty")]
    [InlineData("""{"type":"piecewise_linear","factors":[1]}""", "steps is required by piecewise_linear")]
    public void Rejects_bad_specs_with_exact_messages(string json, string message)
    {
        var e = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse(json));
        Assert.Equal(message, e.Message);
    }
}
