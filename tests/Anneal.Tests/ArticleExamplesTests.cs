using Anneal.Samples;

namespace Anneal.Tests;

/// <summary>The article's six strategies, as samples/ArticleStrategies writes them, give the article's formulas.</summary>
public sealed class ArticleExamplesTests
{
    private static double[] Run(Schedule schedule, IParamGroup[] groups, int steps, Func<IParamGroup, double>? read = null)
    {
        read ??= g => g.LearningRate;
        var scheduler = new Scheduler(schedule, groups);
        var values = new double[steps + 1];
        for (var t = 0; t <= steps; t++)
        {
            values[t] = read(groups[0]);
            if (t < steps)
            {
                scheduler.Step();
            }
        }

        return values;
    }

    private static IParamGroup[] Sgd() => [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)];

    [Fact]
    public void Constant_keeps_lr0()
    {
        Assert.All(Run(Strategies.Constant(), Sgd(), 100), lr => Assert.Equal(0.1, lr));
    }

    [Fact]
    public void Exponential_is_lr0_exp_minus_kt()
    {
        var lrs = Run(Strategies.Exponential(0.05), Sgd(), 100);
        for (var t = 0; t <= 100; t++)
        {
            GoldenTests.AssertClose(0.1 * Math.Exp(-0.05 * t), lrs[t], $"t={t}");
        }
    }

    [Fact]
    public void Piecewise_constant_drops_tenfold_at_each_milestone()
    {
        var lrs = Run(Strategies.PiecewiseConstant(), Sgd(), 100);
        Assert.Equal(0.1, lrs[29]);
        GoldenTests.AssertClose(0.01, lrs[30], "t=30");
        GoldenTests.AssertClose(0.01, lrs[59], "t=59");
        GoldenTests.AssertClose(0.001, lrs[60], "t=60");
        GoldenTests.AssertClose(0.0001, lrs[80], "t=80");
    }

    [Fact]
    public void Cosine_follows_the_article_formula()
    {
        var lrs = Run(Strategies.Cosine(100, 1e-4), Sgd(), 100);
        for (var t = 0; t <= 100; t++)
        {
            GoldenTests.AssertClose(1e-4 + 0.5 * (0.1 - 1e-4) * (1 + Math.Cos(Math.PI * t / 100)), lrs[t], $"t={t}");
        }

        Assert.Equal(0.1, lrs[0]);
        GoldenTests.AssertClose(1e-4, lrs[100], "t=T_max");
    }

    [Fact]
    public void One_cycle_rises_to_the_peak_then_anneals_with_momentum_inverse()
    {
        var lrs = Run(Strategies.OneCycle(0.1, 100), Sgd(), 99);
        var momenta = Run(Strategies.OneCycle(0.1, 100), Sgd(), 99, g => g.Momentum);
        GoldenTests.AssertClose(0.1 / 25, lrs[0], "start = max_lr / div_factor");
        GoldenTests.AssertClose(0.1, lrs[29], "peak at pct_start * total - 1");
        GoldenTests.AssertClose(0.1 / 25 / 1e4, lrs[99], "end = initial / final_div_factor");
        Assert.Equal(0.95, momenta[0]);
        GoldenTests.AssertClose(0.85, momenta[29], "momentum at the peak");
        Assert.True(lrs.Take(30).Zip(lrs.Skip(1).Take(29)).All(p => p.First < p.Second));
        Assert.True(lrs.Skip(29).Zip(lrs.Skip(30)).All(p => p.First > p.Second));
    }

    [Fact]
    public void Adaptive_optimizer_takes_any_schedule_and_keeps_its_beta1()
    {
        var (schedule, groups) = Strategies.AdaptiveWithSchedule();
        var lrs = Run(schedule, groups, 100);
        Assert.Equal(0.0, lrs[0]);
        GoldenTests.AssertClose(3e-4, lrs[10], "end of warmup");
        GoldenTests.AssertClose(3e-5, lrs[100], "floor = 10%");
        Assert.Equal(0.9, groups[0].Momentum);
    }
}
