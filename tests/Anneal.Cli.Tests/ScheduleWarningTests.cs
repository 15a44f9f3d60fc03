namespace Anneal.Cli.Tests;

/// <summary>
/// <c>anneal schedule</c> on a degenerate configuration PyTorch or Hugging Face accepts: the rows are the library's
/// numbers, and standard error has one <c>warning:</c> line per degenerate parameter (exit code 0).
/// </summary>
public sealed class ScheduleWarningTests
{
    [Fact]
    public void A_degenerate_configuration_prints_its_rows_and_one_warning_line_each()
    {
        const string spec = """{"type":"SequentialLR","milestones":[2],"schedulers":[{"type":"ConstantLR","factor":0.5,"total_iters":0},{"type":"linear","num_warmup_steps":3,"num_training_steps":3}]}""";
        var result = Cli.Run("schedule", spec, "--steps", "6", "--format", "csv");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "warning: schedulers[0].total_iters is 0: PyTorch applies factor at step 0 and never undoes it, so the learning rate stays base_lr * factor (base_lr after a SequentialLR milestone)\n" +
            "warning: schedulers[1].num_warmup_steps (3) >= num_training_steps (3): the decay ends before the warmup does; the learning rate is 0 from step 3 on (Hugging Face's formula)\n",
            result.Error);
        Assert.Equal(["step,lr", "0,0.05", "1,0.05", "2,0", "3,0.03333333333333333", "4,0.06666666666666667", "5,0", "6,0"], result.OutLines);
    }

    [Fact]
    public void An_ordinary_configuration_prints_no_warning() =>
        Cli.Ok("schedule", """{"type":"ChainedScheduler","schedulers":[{"type":"CosineAnnealingLR","T_max":10,"eta_min":0.001},{"type":"StepLR","step_size":3}]}""", "--steps", "5");

    [Fact]
    public void A_chained_scheduler_prints_pytorchs_recurrence()
    {
        // torch 1.13: ChainedScheduler([CosineAnnealingLR(T_max=2, eta_min=0.01), ExponentialLR(0.5)]) from lr 0.1.
        var result = Cli.Ok("schedule", """{"type":"ChainedScheduler","schedulers":[{"type":"CosineAnnealingLR","T_max":2,"eta_min":0.01},{"type":"ExponentialLR","gamma":0.5}]}""", "--steps", "3", "--format", "csv");
        Assert.Equal(["step,lr", "0,0.1", "1,0.027500000000000004", "2,0.005", "3,0.024999999999999998"], result.OutLines);
    }

    [Fact]
    public void Tokens_inside_a_join_bound_the_steps_at_the_given_tokens_per_step() =>
        Cli.Fails(
            "error: --steps 30 exceeds the last step SequentialLR is defined for (15, set by a OneCycleLR's total_steps at --tokens-per-step 100); pass --steps 15 or less",
            "schedule", """{"type":"SequentialLR","milestones":[5],"schedulers":[{"type":"constant"},{"type":"tokens","schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":1000}}]}""",
            "--steps", "30", "--tokens-per-step", "100", "--momentum", "0.9");
}
