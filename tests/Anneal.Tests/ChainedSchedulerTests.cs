namespace Anneal.Tests;

/// <summary>
/// <see cref="ChainedScheduler"/> beyond the golden values: random access replays the same recurrence a driven
/// <see cref="Scheduler"/> steps (bit for bit), nesting flattens, and what PyTorch cannot chain is rejected.
/// </summary>
public sealed class ChainedSchedulerTests
{
    private static readonly string[] Chains =
    [
        """{"type":"ChainedScheduler","schedulers":[{"type":"CosineAnnealingLR","T_max":7,"eta_min":0.003},{"type":"StepLR","step_size":5,"gamma":0.7}]}""",
        """{"type":"ChainedScheduler","schedulers":[{"type":"ExponentialLR","gamma":0.97},{"type":"CyclicLR","base_lr":[0.001,0.002],"max_lr":0.02,"step_size_up":4},{"type":"CosineAnnealingLR","T_max":9}]}""",
        """{"type":"ChainedScheduler","schedulers":[{"type":"OneCycleLR","max_lr":0.1,"total_steps":300},{"type":"LinearLR","start_factor":0.3,"total_iters":20}]}""",
        """{"type":"ChainedScheduler","schedulers":[{"type":"ConstantLR","factor":0.5,"total_iters":6},{"type":"SequentialLR","milestones":[10],"schedulers":[{"type":"LinearLR","start_factor":0.1,"total_iters":10},{"type":"CosineAnnealingWarmRestarts","T_0":8,"T_mult":2}]}]}""",
    ];

    public static TheoryData<int> ChainIndices() => [.. Enumerable.Range(0, Chains.Length)];

    [Theory]
    [MemberData(nameof(ChainIndices))]
    public void Random_access_equals_the_driven_value_bit_for_bit(int index)
    {
        var schedule = ScheduleSpec.Parse(Chains[index]);
        ParamGroup[] groups = [new(0.1, MomentumKind.Momentum, 0.9), new(0.03, MomentumKind.Momentum, 0.9)];
        var scheduler = new Scheduler(schedule, groups);
        for (var step = 0; step <= 300; step++)
        {
            if (step > 0)
            {
                scheduler.Step();
            }

            for (var g = 0; g < groups.Length; g++)
            {
                var context = new ScheduleContext(g, scheduler.BaseLearningRates[g], scheduler.BaseLearningRates[0]);
                SpecRoundTripTests.AssertBitwise(schedule.Evaluate(step, context), groups[g].LearningRate, $"chain {index} group {g} step {step}");
            }
        }
    }

    [Fact]
    public void Random_access_far_out_equals_the_driven_value()
    {
        var schedule = new ChainedScheduler([new CosineAnnealingLR(1000, 1e-4), new StepLR(3000, 0.5)]);
        var group = new ParamGroup(0.1);
        var scheduler = new Scheduler(schedule, [group]);
        for (var step = 1; step <= 100_000; step++)
        {
            scheduler.Step();
        }

        SpecRoundTripTests.AssertBitwise(schedule.LearningRate(100_000, 0.1), group.LearningRate, "step 100000");
    }

    [Fact]
    public void A_nested_chain_steps_exactly_like_the_flat_chain()
    {
        var nested = new ChainedScheduler([new ConstantLR(0.5, 4), new ChainedScheduler([new CosineAnnealingLR(5, 0.002), new LinearLR(0.2, 1.0, 6)])]);
        var flat = new ChainedScheduler([new ConstantLR(0.5, 4), new CosineAnnealingLR(5, 0.002), new LinearLR(0.2, 1.0, 6)]);
        for (var step = 0; step <= 40; step++)
        {
            SpecRoundTripTests.AssertBitwise(flat.LearningRate(step, 0.1), nested.LearningRate(step, 0.1), $"step {step}");
        }

        Assert.Equal(2, nested.Children.Count);
    }

    [Fact]
    public void Multiplicative_members_chain_to_the_product_of_their_factors()
    {
        // For pure factors PyTorch's recurrence is the product of closed forms (rounding aside).
        var chain = new ChainedScheduler([new StepLR(3, 0.5), new ExponentialLR(0.9), new LinearLR(0.2, 1.0, 5)]);
        for (var step = 0; step <= 30; step++)
        {
            var product = 0.1 * Math.Pow(0.5, step / 3) * Math.Pow(0.9, step) * (0.2 + 0.8 * Math.Min(step, 5) / 5);
            GoldenTests.AssertClose(product, chain.LearningRate(step, 0.1), $"step {step}");
        }
    }

    [Fact]
    public void The_last_member_that_cycles_momentum_sets_it()
    {
        var cyclic = new CyclicLR(0.001, 0.01, 3, baseMomentum: 0.8, maxMomentum: 0.9);
        var oneCycle = new OneCycleLR(0.05, totalSteps: 24);
        var group = new ParamGroup(0.1, MomentumKind.Momentum, 0.5);
        var scheduler = new Scheduler(new ChainedScheduler([oneCycle, new ExponentialLR(0.9), cyclic]), [group]);
        for (var step = 1; step <= 24; step++)
        {
            scheduler.Step();
            Assert.Equal(cyclic.Momentum(step, new ScheduleContext(0, 0.1)), group.Momentum);
        }
    }

    [Fact]
    public void A_plateau_schedule_cannot_be_chained()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse(
            """{"type":"ChainedScheduler","schedulers":[{"type":"ExponentialLR","gamma":0.9},{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"ReduceLROnPlateau"}}]}"""));
        Assert.Equal(
            "schedulers[1] must not be or contain ReduceLROnPlateau (was warmup): PyTorch's ChainedScheduler steps its members without a metric; put a warmup in front of a plateau schedule with warmup or SequentialLR instead",
            error.Message);
    }

    [Fact]
    public void A_chain_cannot_be_measured_in_tokens()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse(
            """{"type":"tokens","schedule":{"type":"SequentialLR","milestones":[100],"schedulers":[{"type":"constant"},{"type":"ChainedScheduler","schedulers":[{"type":"StepLR","step_size":10}]}]}}"""));
        Assert.Equal(
            "schedule must not contain a ChainedScheduler: its recurrence advances one step at a time, so measured in tokens it would replay every token; give each member's horizon in tokens per step instead",
            error.Message);
    }

    [Fact]
    public void Members_may_be_measured_in_tokens_and_set_their_value_outright()
    {
        var chain = ScheduleSpec.Parse("""{"type":"ChainedScheduler","schedulers":[{"type":"StepLR","step_size":2},{"type":"tokens","schedule":{"type":"linear","num_warmup_steps":0,"num_training_steps":1000}}]}""");
        var group = new ParamGroup(0.1);
        var scheduler = new Scheduler(chain, [group], null, tokensPerStep: 100);
        scheduler.Step();
        scheduler.Step();
        Assert.Equal(0.1 * 0.8, group.LearningRate, 15);
        Assert.Equal(
            "schedulers[1] (tokens) sets the learning rate outright at every step, so schedulers[0] has no effect (it has no chainable form in PyTorch)",
            Assert.Single(chain.Warnings).ToString());
    }
}
