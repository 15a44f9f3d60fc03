namespace Anneal.Tests;

/// <summary>
/// The driver: what <see cref="Scheduler.Step()"/> and <see cref="Scheduler.Step(double)"/> accept, what they write
/// into the parameter groups (and what they leave alone), and per-group curves.
/// </summary>
public sealed class SchedulerTests
{
    /// <summary>A parameter group that counts the writes into it.</summary>
    private sealed class CountingGroup(double lr, MomentumKind kind, double momentum) : IParamGroup
    {
        private double _momentum = momentum;
        private double _lr = lr;

        public int LearningRateWrites { get; private set; }

        public int MomentumWrites { get; private set; }

        public MomentumKind MomentumKind { get; } = kind;

        public double LearningRate
        {
            get => _lr;
            set
            {
                _lr = value;
                LearningRateWrites++;
            }
        }

        public double Momentum
        {
            get => _momentum;
            set
            {
                _momentum = value;
                MomentumWrites++;
            }
        }
    }

    // Step rules

    [Theory]
    [InlineData("""{"type":"ReduceLROnPlateau"}""", "ReduceLROnPlateau needs the validation metric: call Step(metric)")]
    [InlineData("""{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"ReduceLROnPlateau"}}""", "warmup contains ReduceLROnPlateau, which needs the validation metric: call Step(metric)")]
    [InlineData("""{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"ReduceLROnPlateau"}],"milestones":[5]}""", "SequentialLR contains ReduceLROnPlateau, which needs the validation metric: call Step(metric)")]
    public void Step_without_a_metric_on_a_plateau_schedule_throws(string json, string message)
    {
        var group = new ParamGroup(0.1);
        var scheduler = new Scheduler(ScheduleSpec.Parse(json), [group]);
        var error = Assert.Throws<InvalidOperationException>(scheduler.Step);
        Assert.Equal(message, error.Message);
        Assert.Equal(0, scheduler.StepCount);
    }

    [Fact]
    public void Step_with_NaN_throws_and_does_not_advance()
    {
        var scheduler = new Scheduler(new ReduceLROnPlateau(), [new ParamGroup(0.1)]);
        var error = Assert.Throws<ScheduleArgumentException>(() => scheduler.Step(double.NaN));
        Assert.Equal("metric must be a number (was NaN)", error.Message);
        Assert.Equal(0, scheduler.StepCount);
        Assert.Equal(0, scheduler.GetState().Plateaus[0].LastEpoch);
    }

    [Fact]
    public void Step_with_NaN_throws_for_a_schedule_without_plateau_too()
    {
        var scheduler = new Scheduler(new StepLR(2), [new ParamGroup(0.1)]);
        Assert.Equal("metric must be a number (was NaN)", Assert.Throws<ScheduleArgumentException>(() => scheduler.Step(double.NaN)).Message);
    }

    [Fact]
    public void Step_with_a_metric_on_a_schedule_without_plateau_ignores_it()
    {
        var group = new ParamGroup(0.1);
        var scheduler = new Scheduler(new StepLR(2, 0.5), [group]);
        scheduler.Step(123.0);
        scheduler.Step(-5.0);
        Assert.Equal(2, scheduler.StepCount);
        Assert.Equal(0.05, group.LearningRate);
    }

    [Fact]
    public void OneCycleLR_allows_exactly_total_steps_steps()
    {
        var group = new ParamGroup(0.1, MomentumKind.Momentum, 0.9);
        var scheduler = new Scheduler(new OneCycleLR(0.1, totalSteps: 10), [group]);
        for (var i = 0; i < 10; i++)
        {
            scheduler.Step();
        }

        Assert.Equal(10, scheduler.StepCount);
        var error = Assert.Throws<InvalidOperationException>(scheduler.Step);
        Assert.Equal("tried to step 11 times, but OneCycleLR is defined for 10 steps (total_steps)", error.Message);
        Assert.Equal(10, scheduler.StepCount);
    }

    [Fact]
    public void OneCycleLR_inside_SequentialLR_limits_the_whole_schedule()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"OneCycleLR","max_lr":0.1,"total_steps":10}],"milestones":[5]}""");
        Assert.Equal(15, schedule.MaxStep);
        var scheduler = new Scheduler(schedule, [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)]);
        for (var i = 0; i < 15; i++)
        {
            scheduler.Step();
        }

        Assert.Equal(
            "tried to step 16 times, but SequentialLR is defined for 15 steps (total_steps)",
            Assert.Throws<InvalidOperationException>(scheduler.Step).Message);
    }

    [Fact]
    public void OneCycleLR_ends_at_its_minimum()
    {
        var group = new ParamGroup(0.1, MomentumKind.Momentum, 0.9);
        var scheduler = new Scheduler(new OneCycleLR(0.1, totalSteps: 100), [group]);
        for (var i = 0; i < 99; i++)
        {
            scheduler.Step();
        }

        // Step total_steps - 1 is the end of the last phase: max_lr / div_factor / final_div_factor, max_momentum.
        Assert.Equal(0.1 / 25 / 1e4, group.LearningRate);
        Assert.Equal(0.95, group.Momentum);
    }

    // What is written

    [Fact]
    public void LastLearningRates_equal_the_groups_after_every_step()
    {
        var schedule = ScheduleSpec.Parse("""
            {"type":"SequentialLR","milestones":[10],"schedulers":[
              {"type":"LinearLR","start_factor":0.1,"total_iters":10},
              {"type":"ReduceLROnPlateau","factor":0.5,"patience":1,"min_lr":[0.001,0.0001]}]}
            """);
        ParamGroup[] groups = [new(0.1), new(0.01)];
        var scheduler = new Scheduler(schedule, groups);
        Assert.Equal(groups.Select(g => g.LearningRate), scheduler.LastLearningRates);
        for (var t = 1; t <= 60; t++)
        {
            scheduler.Step(1.0);
            Assert.Equal(groups.Select(g => g.LearningRate), scheduler.LastLearningRates);
        }
    }

    [Fact]
    public void LastLearningRates_show_the_reduced_lr_right_after_a_plateau_reduction()
    {
        // TorchSharp's ReduceLROnPlateau left get_last_lr() stale after a reduction; here it is the value written.
        var group = new ParamGroup(0.1);
        var scheduler = new Scheduler(new ReduceLROnPlateau(factor: 0.5, patience: 0), [group]);
        scheduler.Step(1.0);
        Assert.Equal([0.1], scheduler.LastLearningRates);
        scheduler.Step(1.0);
        Assert.Equal(0.05, group.LearningRate);
        Assert.Equal([0.05], scheduler.LastLearningRates);
        scheduler.Step(1.0);
        Assert.Equal([0.025], scheduler.LastLearningRates);
        Assert.Equal(0.025, group.LearningRate);
    }

    [Fact]
    public void Plateau_respects_min_lr_per_group_and_eps()
    {
        ParamGroup[] groups = [new(0.1), new(0.1)];
        var scheduler = new Scheduler(new ReduceLROnPlateau(factor: 0.1, patience: 0, minLr: new[] { 0.005, 0.0 }, eps: 1e-4), groups);
        scheduler.Step(1.0);
        // Group 0 stops at its min_lr 0.005; group 1 stops when a reduction would change it by no more than eps.
        const double Once = 0.1 * 0.1, Twice = Once * 0.1, Thrice = Twice * 0.1;
        double[][] expected = [[Once, Once], [0.005, Twice], [0.005, Thrice], [0.005, Thrice]];
        foreach (var row in expected)
        {
            scheduler.Step(1.0);
            Assert.Equal(row, groups.Select(g => g.LearningRate).ToArray());
        }
    }

    [Fact]
    public void Constructing_the_scheduler_writes_step_zero()
    {
        var group = new CountingGroup(0.1, MomentumKind.Momentum, 0.5);
        var scheduler = new Scheduler(new OneCycleLR(1.0, totalSteps: 100, divFactor: 4, baseMomentum: 0.5, maxMomentum: 0.75), [group]);
        Assert.Equal(1, group.LearningRateWrites);
        Assert.Equal(1, group.MomentumWrites);
        Assert.Equal(0.25, group.LearningRate);
        Assert.Equal(0.75, group.Momentum);
        Assert.Equal([0.75], scheduler.LastMomenta);
        Assert.Equal([0.1], scheduler.BaseLearningRates);
    }

    [Theory]
    [InlineData("""{"type":"CosineAnnealingLR","T_max":10}""")]
    [InlineData("""{"type":"ReduceLROnPlateau","patience":0}""")]
    [InlineData("""{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"step_size_up":3,"cycle_momentum":false}""")]
    [InlineData("""{"type":"OneCycleLR","max_lr":0.1,"total_steps":30,"cycle_momentum":false}""")]
    [InlineData("""{"type":"warmup_stable_decay","num_warmup_steps":3,"num_decay_steps":5,"num_stable_steps":5}""")]
    [InlineData("""{"type":"ChainedScheduler","schedulers":[{"type":"ExponentialLR","gamma":0.9},{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"cycle_momentum":false}]}""")]
    public void Momentum_is_never_written_by_schedules_that_do_not_cycle_it(string json)
    {
        CountingGroup[] groups = [new(0.1, MomentumKind.Momentum, 0.9), new(0.1, MomentumKind.Beta1, 0.99)];
        var scheduler = new Scheduler(ScheduleSpec.Parse(json), groups);
        for (var t = 0; t < 30; t++)
        {
            scheduler.Step(1.0);
        }

        Assert.All(groups, g => Assert.Equal(0, g.MomentumWrites));
        Assert.Equal(0.9, groups[0].Momentum);
        Assert.Equal(0.99, groups[1].Momentum);
        Assert.All(scheduler.LastMomenta, m => Assert.True(double.IsNaN(m)));
        Assert.All(groups, g => Assert.Equal(31, g.LearningRateWrites));
    }

    [Fact]
    public void Non_cycling_schedule_accepts_groups_without_momentum()
    {
        var group = new CountingGroup(0.1, MomentumKind.None, 0);
        var scheduler = new Scheduler(new CosineAnnealingLR(10), [group]);
        scheduler.Step();
        Assert.Equal(0, group.MomentumWrites);
    }

    [Fact]
    public void Momentum_stops_being_written_after_a_cycling_schedule_hands_over()
    {
        // SequentialLR of OneCycleLR then a constant: momentum is written only while OneCycleLR runs, as in PyTorch,
        // where the finished OneCycleLR is no longer stepped.
        var schedule = new SequentialLR([new OneCycleLR(0.1, totalSteps: 10), new Constant(0.01)], [10]);
        var group = new CountingGroup(0.1, MomentumKind.Momentum, 0.5);
        var scheduler = new Scheduler(schedule, [group]);
        for (var t = 1; t <= 9; t++)
        {
            scheduler.Step();
        }

        Assert.Equal(10, group.MomentumWrites);
        var last = group.Momentum;
        for (var t = 10; t <= 20; t++)
        {
            scheduler.Step();
        }

        Assert.Equal(10, group.MomentumWrites);
        Assert.Equal(last, group.Momentum);
        Assert.True(double.IsNaN(scheduler.LastMomenta[0]));

        // PyTorch's number: the constant constructed after OneCycleLR takes its base from the initial_lr OneCycleLR
        // wrote into the group, max_lr / div_factor = 0.004, not the optimizer's 0.1 (torch 1.13: 4e-05).
        Assert.Equal(0.1 / 25 * 0.01, group.LearningRate);
    }

    // Per-group curves and momentum

    [Fact]
    public void MultiStepLR_duplicate_milestones_count_twice()
    {
        var group = new ParamGroup(0.8);
        var scheduler = new Scheduler(ScheduleSpec.Parse("""{"type":"MultiStepLR","milestones":[3,3,6],"gamma":0.5}"""), [group]);
        double[] expected = [0.8, 0.8, 0.8, 0.2, 0.2, 0.2, 0.1, 0.1];
        for (var t = 0; t < expected.Length; t++)
        {
            if (t > 0)
            {
                scheduler.Step();
            }

            Assert.True(expected[t] == group.LearningRate, $"step {t}: expected {expected[t]}, got {group.LearningRate}");
        }
    }

    [Fact]
    public void MultiStepLR_unsorted_milestones_are_sorted()
    {
        var schedule = new MultiStepLR([6, 3, 3], 0.5);
        Assert.Equal([6L, 3L, 3L], schedule.Milestones);
        Assert.Equal(0.25, schedule.LearningRate(3));
        Assert.Equal(0.125, schedule.LearningRate(6));
    }

    [Fact]
    public void OneCycleLR_with_a_max_lr_list_gives_each_group_its_own_curve()
    {
        ParamGroup[] groups = [new(0.5, MomentumKind.Momentum, 0.9), new(0.5, MomentumKind.Beta1, 0.9)];
        var schedule = ScheduleSpec.Parse("""{"type":"OneCycleLR","max_lr":[0.1,0.4],"total_steps":100,"base_momentum":[0.85,0.8],"max_momentum":[0.95,0.9]}""");
        var scheduler = new Scheduler(schedule, groups);
        var alone0 = new OneCycleLR(0.1, totalSteps: 100, baseMomentum: 0.85, maxMomentum: 0.95);
        var alone1 = new OneCycleLR(0.4, totalSteps: 100, baseMomentum: 0.8, maxMomentum: 0.9);
        var context = new ScheduleContext(0, 0.5);
        for (var t = 0; t <= 100; t++)
        {
            if (t > 0)
            {
                scheduler.Step();
            }

            Assert.Equal(alone0.LearningRate(t), groups[0].LearningRate);
            Assert.Equal(alone1.LearningRate(t), groups[1].LearningRate);
            Assert.Equal(alone0.Momentum(t, context), groups[0].Momentum);
            Assert.Equal(alone1.Momentum(t, context), groups[1].Momentum);
        }

        // The peak is at step pct_start * total_steps - 1 = 29.
        Assert.Equal(0.1, alone0.LearningRate(29));
        Assert.Equal(0.4, alone1.LearningRate(29));
        Assert.Equal(0.85, alone0.Momentum(29, context));
        Assert.Equal(0.8, alone1.Momentum(29, context));
    }

    [Fact]
    public void CyclicLR_momentum_moves_inversely_to_the_learning_rate()
    {
        // Dyadic values keep the arithmetic exact: lr between 0.25 and 1, momentum between 0.5 and 0.75.
        var group = new ParamGroup(0.1, MomentumKind.Momentum, 0);
        var schedule = new CyclicLR(0.25, 1.0, 4, baseMomentum: 0.5, maxMomentum: 0.75);
        var scheduler = new Scheduler(schedule, [group]);
        double[] lrs = [0.25, 0.4375, 0.625, 0.8125, 1.0, 0.8125, 0.625, 0.4375, 0.25];
        double[] momenta = [0.75, 0.6875, 0.625, 0.5625, 0.5, 0.5625, 0.625, 0.6875, 0.75];
        for (var t = 0; t < lrs.Length; t++)
        {
            if (t > 0)
            {
                scheduler.Step();
            }

            Assert.True(lrs[t] == group.LearningRate, $"lr at {t}: expected {lrs[t]}, got {group.LearningRate:R}");
            Assert.True(momenta[t] == group.Momentum, $"momentum at {t}: expected {momenta[t]}, got {group.Momentum:R}");
            Assert.Equal(momenta[t], scheduler.LastMomenta[0]);
        }
    }

    [Fact]
    public void CyclicLR_momentum_at_the_lr_peak_is_base_momentum_with_pytorch_defaults()
    {
        var group = new ParamGroup(0.1, MomentumKind.Momentum, 0);
        var scheduler = new Scheduler(new CyclicLR(0.001, 0.1, 10), [group]);
        Assert.Equal(0.001, group.LearningRate);
        Assert.Equal(0.9, group.Momentum);
        for (var t = 1; t <= 10; t++)
        {
            scheduler.Step();
        }

        Assert.Equal(0.1, group.LearningRate);
        Assert.Equal(0.8, group.Momentum);
    }

    [Fact]
    public void CyclicLR_writes_beta1_for_adam_groups_with_the_same_values_as_sgd_momentum()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"CyclicLR","base_lr":[0.001,0.002],"max_lr":[0.01,0.03],"step_size_up":7,"step_size_down":11,"mode":"triangular2","base_momentum":[0.8,0.85],"max_momentum":[0.9,0.95]}""");
        CountingGroup[] sgd = [new(0.1, MomentumKind.Momentum, 0.0), new(0.1, MomentumKind.Momentum, 0.0)];
        CountingGroup[] adam = [new(0.1, MomentumKind.Beta1, 0.0), new(0.1, MomentumKind.Beta1, 0.0)];
        var sgdScheduler = new Scheduler(schedule, sgd);
        var adamScheduler = new Scheduler(schedule, adam);
        for (var t = 0; t <= 60; t++)
        {
            if (t > 0)
            {
                sgdScheduler.Step();
                adamScheduler.Step();
            }

            for (var g = 0; g < 2; g++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(sgd[g].Momentum), BitConverter.DoubleToInt64Bits(adam[g].Momentum));
                Assert.Equal(BitConverter.DoubleToInt64Bits(sgd[g].LearningRate), BitConverter.DoubleToInt64Bits(adam[g].LearningRate));
                Assert.InRange(adam[g].Momentum, g == 0 ? 0.8 : 0.85, g == 0 ? 0.9 : 0.95);
            }
        }

        Assert.All(adam, g => Assert.Equal(61, g.MomentumWrites));
    }

    [Fact]
    public void Base_learning_rates_are_the_groups_lrs_or_the_given_list()
    {
        ParamGroup[] groups = [new(0.1), new(0.2)];
        var scheduler = new Scheduler(new StepLR(1, 0.5), groups, [1.0, 2.0]);
        Assert.Equal([1.0, 2.0], scheduler.BaseLearningRates);
        Assert.Equal([1.0, 2.0], groups.Select(g => g.LearningRate));
        scheduler.Step();
        Assert.Equal([0.5, 1.0], groups.Select(g => g.LearningRate));
    }

    [Fact]
    public void Hugging_face_absolute_floors_use_group_zeros_lr_for_every_group()
    {
        // polynomial's lr_end is divided by the optimizer's default lr (group 0), as transformers does.
        var schedule = ScheduleSpec.Parse("""{"type":"polynomial","num_warmup_steps":0,"num_training_steps":10,"lr_end":0.001}""");
        ParamGroup[] groups = [new(0.01), new(0.02)];
        var scheduler = new Scheduler(schedule, groups);
        for (var t = 0; t < 12; t++)
        {
            scheduler.Step();
        }

        Assert.Equal(0.01 * (0.001 / 0.01), groups[0].LearningRate);
        Assert.Equal(0.02 * (0.001 / 0.01), groups[1].LearningRate);
    }

    [Fact]
    public void Schedule_with_plateau_cannot_be_evaluated_without_a_scheduler()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Warmup(3, new ReduceLROnPlateau()).LearningRate(5));
        Assert.Equal("ReduceLROnPlateau has state: drive it with a Scheduler, which holds and saves that state.", error.Message);
    }
}
