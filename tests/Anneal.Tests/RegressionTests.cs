namespace Anneal.Tests;

/// <summary>Defects found in review, each pinned so it stays fixed.</summary>
public sealed class RegressionTests
{
    [Fact]
    public void LoadState_rejects_a_negative_step()
    {
        var scheduler = new Scheduler(new StepLR(2), [new ParamGroup(0.1)]);
        var state = scheduler.GetState() with { Step = -6 };
        Assert.Equal("state.step must be >= 0 (was -6)", Assert.Throws<ScheduleArgumentException>(() => scheduler.LoadState(state)).Message);
    }

    [Fact]
    public void LoadState_rejects_a_step_past_the_schedules_end()
    {
        var scheduler = new Scheduler(new OneCycleLR(0.1, totalSteps: 10), [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)]);
        var state = scheduler.GetState() with { Step = 50 };
        Assert.Equal(
            "state.step must be <= 10, the last step of OneCycleLR (was 50)",
            Assert.Throws<ScheduleArgumentException>(() => scheduler.LoadState(state)).Message);
    }

    [Fact]
    public void OneCycleLR_with_pct_start_1_is_rejected_as_PyTorch_divides_by_zero_at_total_steps()
    {
        // Anneal used to give 1.0 for a zero-length phase; PyTorch raises ZeroDivisionError at step total_steps.
        var error = Assert.Throws<ScheduleArgumentException>(() => new OneCycleLR(0.1, totalSteps: 10, pctStart: 1.0));
        Assert.Equal(
            "pct_start must be < 1 without three_phase: the annealing phase would have zero length, and PyTorch divides by that length at step total_steps (was pct_start 1, total_steps 10)",
            error.Message);
    }

    [Theory]
    [InlineData(0.1, 0.0)]
    [InlineData(0.3, 0.001)]
    [InlineData(0.07, 0.0699)]
    public void CosineAnnealingLR_step_0_is_exactly_base_lr(double baseLr, double etaMin) =>
        Assert.Equal(baseLr, new CosineAnnealingLR(7, etaMin).LearningRate(0, baseLr));

    [Fact]
    public void MultiplicativeLR_refuses_steps_it_cannot_memoise()
    {
        var schedule = new MultiplicativeLR(_ => 0.99);
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.LearningRate(MultiplicativeLR.MaxMemoisedStep + 1));
    }

    [Fact]
    public void ScheduleArgumentException_reports_its_parameter_as_ParamName()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse("""{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"CosineAnnealingLR","T_max":0}],"milestones":[5]}"""));
        Assert.Equal("schedulers[1].T_max", error.ParamName);
        Assert.Equal("schedulers[1].T_max must be > 0 (was 0)", error.Message);
    }

    [Fact]
    public void StepWithoutMetric_advances_a_warmup_but_not_the_plateau_patience()
    {
        var group = new ParamGroup(0.1);
        var scheduler = new Scheduler(new Warmup(4, new ReduceLROnPlateau(factor: 0.5, patience: 1)), [group]);
        Assert.Equal(0.0, group.LearningRate);
        scheduler.StepWithoutMetric();
        Assert.Equal(0.025, group.LearningRate, 15);
        scheduler.StepWithoutMetric();
        scheduler.StepWithoutMetric();
        scheduler.StepWithoutMetric();
        Assert.Equal(0.1, group.LearningRate);
        for (var i = 0; i < 10; i++)
        {
            scheduler.StepWithoutMetric();
        }

        Assert.Equal(0.1, group.LearningRate);
        scheduler.Step(1.0);
        scheduler.Step(1.0);
        Assert.Equal(0.1, group.LearningRate);
        scheduler.Step(1.0);
        Assert.Equal(0.05, group.LearningRate);
    }
}
