using Anneal.Training.Laws;
using Xunit;

namespace Anneal.Training.Tests.Laws;

/// <summary>
/// The searched schedule keeps the fitted warmup, never rises after it, never exceeds the fitted peak, and ends lower
/// (by the law) than the shapes it starts from; its piecewise-linear spec reproduces its learning rates.
/// </summary>
public sealed class ScheduleOptimizerTests
{
    private const double Peak = 3e-3;

    private static FittedLaw Law(LossLaw law, int warmup = 10, int steps = 200) => new()
    {
        Law = law,
        PeakLr = Peak,
        LrUnit = Peak,
        WarmupArea = WarmupArea.Actual,
        Warmup = [.. Enumerable.Range(0, warmup + 1).Select(i => (double)i / warmup)],
        FittedSteps = steps,
        Options = new FitOptions { Law = law.Kind },
        Sources = [],
    };

    public static TheoryData<string> Laws() => ["multi-power", "tissue"];

    private static LossLaw Of(string name) => name == "multi-power"
        ? new MultiPowerLaw(L0: 0.5, A: 1.5, Alpha: 0.6, B: 0.3, C: 0.5, Beta: 0.6, Gamma: 0.5)
        : new TissueLaw(L0: 0.5, A: 1.5, Alpha: 0.6, C: 0.002, Lambda: 0.99);

    [Theory]
    [MemberData(nameof(Laws))]
    public void Optimized_schedule_keeps_the_warmup_and_only_decays_below_the_cap(string name)
    {
        var law = Law(Of(name));
        var result = ScheduleOptimizer.Optimize(law, 200);
        var rates = result.LearningRates;
        Assert.Equal(200, rates.Count);
        for (var t = 0; t <= 10; t++)
        {
            Assert.Equal(Peak * t / 10, rates[t], 15);
        }

        for (var t = 11; t < rates.Count; t++)
        {
            Assert.True(rates[t] <= rates[t - 1] + 1e-18, $"step {t}: {rates[t]} after {rates[t - 1]}");
            Assert.True(rates[t] >= 0 && rates[t] <= Peak, $"step {t}: {rates[t]}");
        }

        for (var t = 0; t < rates.Count; t++)
        {
            Assert.Equal(rates[t], result.Schedule.LearningRate(t, Peak), 15);
        }

        Assert.Equal(law.Final(rates), result.PredictedFinal, 12);
        double[] Shape(Func<double, double> f) => [.. Enumerable.Range(0, 200).Select(t => t <= 10 ? Peak * t / 10 : Peak * f((t - 10) / 189.0))];
        Assert.True(result.PredictedFinal <= law.Final(Shape(_ => 1)), "constant");
        Assert.True(result.PredictedFinal <= law.Final(Shape(p => 1 - p)), "linear");
        Assert.True(result.PredictedFinal <= law.Final(Shape(p => p < 0.8 ? 1 : (1 - p) / 0.2)), "wsd");
        Assert.Empty(law.Warnings(rates));
    }

    [Theory]
    [MemberData(nameof(Laws))]
    public void Wsd_family_search_finds_the_best_cooldown_of_every_length_and_shape(string name)
    {
        var law = Law(Of(name));
        var result = ScheduleOptimizer.OptimizeWsd(law, 200);
        var wsd = Assert.IsType<WarmupStableDecay>(result.Schedule);
        Assert.Equal(10, wsd.NumWarmupSteps);
        Assert.Equal(200, wsd.NumWarmupSteps + wsd.NumStableSteps + wsd.NumDecaySteps);
        for (var t = 0; t < 200; t++)
        {
            Assert.Equal(wsd.LearningRate(t, Peak), result.LearningRates[t], 15);
        }

        Assert.Equal(law.Final(result.LearningRates), result.PredictedFinal, 12);
        foreach (var shape in new[] { RampShape.Linear, RampShape.OneMinusSqrt, RampShape.Cosine })
        {
            foreach (var decay in new[] { 1, 20, 40, 95, 190 })
            {
                var other = new WarmupStableDecay(10, decay, 200, decayType: shape);
                var rates = Enumerable.Range(0, 200).Select(t => other.LearningRate(t, Peak)).ToArray();
                Assert.True(result.PredictedFinal <= law.Final(rates) + 1e-15, $"{shape} over {decay} steps");
            }
        }
    }

    [Fact]
    public void Steps_near_zero_count_the_rate_parked_below_one_percent_before_the_last_step()
    {
        double[] rates = [0, 0.001, 0.002, 0.002, 0.001, 1e-6, 0, 0, 1e-7];
        var schedule = new PiecewiseLinear([0], [1]);
        Assert.Equal(3, new OptimizedSchedule(schedule, rates, 0).StepsNearZero(0.002)); // steps 5, 6, 7; not the warmup's step 0, not the last
    }

    [Fact]
    public void Optimizer_refuses_a_budget_shorter_than_the_warmup()
    {
        var e = Assert.Throws<LawInputException>(() => ScheduleOptimizer.Optimize(Law(Of("tissue")), 12));
        Assert.Equal("Steps must be at least the fitted warmup (10 steps) + 3 (was 12)", e.Message);
    }
}
