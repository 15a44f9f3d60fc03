namespace Anneal.Tests;

/// <summary>Schedules measured in tokens keep their curve per token when the batch size or accumulation changes.</summary>
public sealed class InTokensTests
{
    private const string Spec = """{"type":"tokens","schedule":{"type":"cosine","num_warmup_steps":1000,"num_training_steps":10000}}""";

    private static double[] LrPerStep(long tokensPerStep, int steps)
    {
        var group = new ParamGroup(0.1);
        var scheduler = new Scheduler(ScheduleSpec.Parse(Spec), [group], null, tokensPerStep);
        var lrs = new double[steps + 1];
        for (var t = 0; t <= steps; t++)
        {
            lrs[t] = group.LearningRate;
            if (t < steps)
            {
                scheduler.Step();
            }
        }

        return lrs;
    }

    [Fact]
    public void Same_curve_per_token_for_different_batch_sizes()
    {
        var small = LrPerStep(10, 1000);
        var large = LrPerStep(40, 250);
        for (var t = 0; t <= 250; t++)
        {
            Assert.Equal(small[4 * t], large[t]);
        }
    }

    [Fact]
    public void Horizon_is_in_tokens()
    {
        var lrs = LrPerStep(100, 100);
        Assert.Equal(0.0, lrs[0]);
        Assert.Equal(0.1 * 500 / 1000, lrs[5], 15);
        Assert.Equal(0.1, lrs[10], 15);
        Assert.Equal(0.0, lrs[100], 15);
    }

    [Fact]
    public void Without_tokens_per_step_the_scheduler_says_what_to_pass()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => new Scheduler(ScheduleSpec.Parse(Spec), [new ParamGroup(0.1)]));
        Assert.Equal("tokens_per_step must be given for a schedule measured in tokens (batch size x context x gradient accumulation)", error.Message);
    }

    [Fact]
    public void OneCycle_in_tokens_ends_at_its_last_whole_step()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"tokens","schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":1000}}""");
        var scheduler = new Scheduler(schedule, [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)], null, 300);
        scheduler.Step();
        scheduler.Step();
        scheduler.Step();
        Assert.Throws<InvalidOperationException>(scheduler.Step);
    }
}
