namespace Anneal.Tests;

/// <summary>
/// <see cref="Schedule.Warnings"/>: one line per degenerate configuration PyTorch or Hugging Face accepts, saying what
/// the numbers (reproduced exactly, see GoldenTests) then do; none for an ordinary configuration.
/// </summary>
public sealed class WarningTests
{
    public static TheoryData<string, string[]> Degenerate() => new()
    {
        {
            """{"type":"ConstantLR","factor":0.5,"total_iters":0}""",
            ["total_iters is 0: PyTorch applies factor at step 0 and never undoes it, so the learning rate stays base_lr * factor (base_lr after a SequentialLR milestone)"]
        },
        {
            """{"type":"LinearLR","start_factor":0.5,"total_iters":0}""",
            ["total_iters is 0: PyTorch applies start_factor at step 0 and never moves on, so the learning rate stays base_lr * start_factor and end_factor is never reached"]
        },
        { """{"type":"PolynomialLR","total_iters":0}""", ["total_iters is 0: PyTorch's PolynomialLR never decays, so the learning rate stays base_lr"] },
        { """{"type":"PolynomialLR","total_iters":4,"power":0}""", ["power is 0: every factor (1 - t/total_iters)^0 is 1, so the learning rate stays base_lr"] },
        { """{"type":"ExponentialLR","gamma":0}""", ["gamma is 0: the learning rate is base_lr at step 0 and 0 from step 1 on"] },
        { """{"type":"StepLR","step_size":3,"gamma":0}""", ["gamma is 0: the learning rate drops to 0 at step 3 and stays there"] },
        { """{"type":"MultiStepLR","milestones":[7,2],"gamma":0}""", ["gamma is 0: the learning rate drops to 0 at the first milestone (2) and stays there"] },
        {
            """{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"mode":"exp_range","gamma":0}""",
            ["gamma is 0: exp_range scales the amplitude by gamma^t, so the learning rate stays at base_lr from step 1 on"]
        },
        {
            """{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"scale_mode":"iterations"}""",
            ["scale_mode has no effect with mode 'triangular': PyTorch uses scale_mode only with a scale_fn (a C# function), and 'triangular' scales by the cycle"]
        },
        {
            """{"type":"OneCycleLR","max_lr":0.1,"total_steps":10,"pct_start":0}""",
            ["pct_start 0 with total_steps 10 gives pct_start * total_steps < 1: there is no warm-up phase, so the learning rate starts near max_lr rather than at max_lr / div_factor (PyTorch's phases)"]
        },
        {
            """{"type":"OneCycleLR","max_lr":0.1,"total_steps":10,"pct_start":0.575,"three_phase":true}""",
            ["pct_start 0.575 with total_steps 10 and three_phase makes the last phase run backwards (it starts at step 9.5 and ends at 9): PyTorch extrapolates its curve after step 9.5"]
        },
        { """{"type":"ReduceLROnPlateau","factor":0}""", ["factor is 0: the first reduction sets the learning rate to min_lr"] },
        {
            """{"type":"linear","num_warmup_steps":100,"num_training_steps":100}""",
            ["num_warmup_steps (100) >= num_training_steps (100): the decay ends before the warmup does; the learning rate is 0 from step 100 on (Hugging Face's formula)"]
        },
        {
            """{"type":"cosine","num_warmup_steps":50,"num_training_steps":10}""",
            ["num_warmup_steps (50) >= num_training_steps (10): the decay ends before the warmup does; from step 50 the cosine's progress grows by 1 per step (it divides by max(1, num_training_steps - num_warmup_steps) = 1), so the learning rate jumps every step (between base_lr and 0 for num_cycles 0.5) (Hugging Face's formula)"]
        },
        {
            """{"type":"cosine_with_restarts","num_warmup_steps":5,"num_training_steps":5}""",
            ["num_warmup_steps (5) >= num_training_steps (5): the decay ends before the warmup does; the learning rate is base_lr at step 5 and 0 from step 6 on (Hugging Face's formula)"]
        },
        {
            """{"type":"polynomial","num_warmup_steps":7,"num_training_steps":5}""",
            ["num_warmup_steps (7) >= num_training_steps (5): the decay ends before the warmup does; from step 7 the learning rate is base_lr * lr_end / lr (lr: group 0's) (Hugging Face's formula)"]
        },
        {
            """{"type":"cosine_warmup_with_min_lr","num_warmup_steps":5,"num_training_steps":5,"min_lr_rate":0.1}""",
            ["num_warmup_steps (5) >= num_training_steps (5): the decay ends before the warmup does; from step 5 the cosine's progress grows by 1 per step (it divides by max(1, num_training_steps - num_warmup_steps) = 1), so the learning rate jumps every step (between the floor and base_lr for num_cycles 0.5) (Hugging Face's formula)"]
        },
        {
            """{"type":"cosine","num_warmup_steps":2,"num_training_steps":8,"num_cycles":0}""",
            ["num_cycles is 0: the cosine never leaves its peak, so the learning rate is base_lr from step 2 on (Hugging Face's formula)"]
        },
        {
            """{"type":"warmup_stable_decay","num_warmup_steps":5,"num_decay_steps":5,"num_training_steps":8}""",
            ["num_training_steps (8) < num_warmup_steps + num_decay_steps (10): the stable phase has -2 steps, so the decay starts 2 steps into its curve at step 5 and ends at step 8 (Hugging Face's formula)"]
        },
        {
            """{"type":"warmup_stable_decay","num_warmup_steps":5,"num_decay_steps":5,"num_training_steps":4}""",
            ["num_training_steps (4) < num_warmup_steps + num_decay_steps (10): the stable phase has -6 steps, so there is no decay: the learning rate drops to min_lr_ratio at step 5 (Hugging Face's formula)"]
        },
        {
            """{"type":"ChainedScheduler","schedulers":[{"type":"ExponentialLR","gamma":0.9},{"type":"StepLR","step_size":2},{"type":"OneCycleLR","max_lr":0.1,"total_steps":50},{"type":"ConstantLR","factor":0.5,"total_iters":3}]}""",
            [
                "schedulers[2] (OneCycleLR) sets the learning rate outright at every step, so schedulers[0] to schedulers[1] have no effect (it has no chainable form in PyTorch)",
                "schedulers[3] (ConstantLR) follows OneCycleLR, which sets the learning rate outright at every step: PyTorch applies only ConstantLR's change from one step to the next to that value, not ConstantLR's own curve",
            ]
        },
        {
            """{"type":"ChainedScheduler","schedulers":[{"type":"ExponentialLR","gamma":0.9},{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"StepLR","step_size":2}],"milestones":[3]}]}""",
            ["schedulers[1] (SequentialLR) resets the learning rate to the initial lr at step 0 and starts each of its schedules from its closed form at its milestone, discarding there what the schedulers before it did (PyTorch's SequentialLR)"]
        },
        {
            """{"type":"SequentialLR","schedulers":[{"type":"OneCycleLR","max_lr":0.1,"total_steps":10},{"type":"CosineAnnealingLR","T_max":8}],"milestones":[10]}""",
            ["schedulers[1] (CosineAnnealingLR) starts from max_lr / div_factor of the OneCycleLR schedulers[0], not from the optimizer's learning rate: PyTorch's OneCycleLR overwrites the group's initial_lr"]
        },
        {
            """{"type":"SequentialLR","schedulers":[{"type":"LinearLR","start_factor":0.2,"total_iters":4},{"type":"OneCycleLR","max_lr":0.05,"total_steps":12}],"milestones":[4]}""",
            ["schedulers[0] (LinearLR) starts from max_lr / div_factor of the OneCycleLR schedulers[1], not from the optimizer's learning rate: PyTorch's OneCycleLR overwrites the group's initial_lr, and SequentialLR resets the group to it"]
        },
        {
            """{"type":"SequentialLR","schedulers":[{"type":"CyclicLR","base_lr":0.002,"max_lr":0.05,"step_size_up":3},{"type":"ExponentialLR","gamma":0.8}],"milestones":[6]}""",
            ["schedulers[1] (ExponentialLR) starts from base_lr of the CyclicLR schedulers[0], not from the optimizer's learning rate: PyTorch's CyclicLR writes base_lr into the group before the group's initial_lr is set"]
        },
        {
            """{"type":"SequentialLR","schedulers":[{"type":"OneCycleLR","max_lr":0.1,"total_steps":10},{"type":"OneCycleLR","max_lr":0.04,"total_steps":10,"div_factor":10}],"milestones":[10]}""",
            ["schedulers hold 2 OneCycleLR schedules: PyTorch's OneCycleLR keeps initial_lr, max_lr, min_lr and the momenta in the optimizer's param groups, so each one uses those of the last one constructed (max_lr 0.04, div_factor 10, final_div_factor 10000)"]
        },
    };

    [Theory]
    [MemberData(nameof(Degenerate))]
    public void Warnings_are_exact(string json, string[] expected) =>
        Assert.Equal(expected, ScheduleSpec.Parse(json).Warnings.Select(w => w.ToString()));

    [Fact]
    public void A_warning_inside_a_composite_carries_its_spec_path()
    {
        var schedule = ScheduleSpec.Parse("""
            {"type":"warmup","num_warmup_steps":3,"schedule":{"type":"SequentialLR","milestones":[5],"schedulers":[
              {"type":"constant"},{"type":"ChainedScheduler","schedulers":[{"type":"StepLR","step_size":2,"gamma":0},{"type":"ConstantLR","total_iters":0}]}]}}
            """);
        Assert.Equal(
            [
                new ScheduleWarning("schedule.schedulers[1].schedulers[0].gamma", "is 0: the learning rate drops to 0 at step 2 and stays there"),
                new ScheduleWarning("schedule.schedulers[1].schedulers[1].total_iters", "is 0: PyTorch applies factor at step 0 and never undoes it, so the learning rate stays base_lr * factor (base_lr after a SequentialLR milestone)"),
            ],
            schedule.Warnings);
    }

    [Fact]
    public void Ordinary_golden_configurations_have_no_warnings()
    {
        var ordinary = GoldenCase.Load("pytorch.json").Concat(GoldenCase.Load("huggingface.json"))
            .Where(c => !c.Name.Contains("boundary", StringComparison.Ordinal) && !c.Name.Contains("degenerate", StringComparison.Ordinal))
            .ToList();
        Assert.True(ordinary.Count > 80, $"{ordinary.Count} cases");
        foreach (var golden in ordinary)
        {
            Assert.True(golden.Schedule().Warnings.Count == 0, $"{golden.Name}: {string.Join("; ", golden.Schedule().Warnings)}");
        }
    }

    [Fact]
    public void Chains_of_chainable_members_have_no_warnings()
    {
        var chainable = GoldenCase.Load("chained.json").Select(c => c.Schedule()).Where(s => s.Children.All(m => m.IsChainable)).ToList();
        Assert.True(chainable.Count >= 56, $"{chainable.Count} chains");
        Assert.All(chainable, s => Assert.Empty(s.Warnings));
    }
}
