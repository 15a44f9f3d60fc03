using TorchSharp;
using Xunit;

namespace Anneal.TorchSharp.Tests;

/// <summary><c>CreateScheduler(schedule, tokensPerStep)</c>: a schedule measured in tokens, written into real TorchSharp groups.</summary>
public sealed class TokensBindingTests
{
    private const string Spec = """{"type":"tokens","schedule":{"type":"linear","num_warmup_steps":1000,"num_training_steps":4000}}""";

    [Fact]
    public void TheGroupsGetTheLearningRateOfTheTokensSeen()
    {
        TorchRuntime.EnsureLoaded();
        using var model = torch.nn.Linear(2, 1);
        using var optimizer = torch.optim.AdamW(model.parameters(), 0.1);
        var scheduler = optimizer.CreateScheduler(ScheduleSpec.Parse(Spec), tokensPerStep: 250);
        var group = optimizer.ParamGroups.Single();
        double[] expected = [0, 0.025, 0.05, 0.075, 0.1, 0.1 * 2750 / 3000];
        foreach (var lr in expected)
        {
            Assert.Equal(lr, group.LearningRate, 15);
            scheduler.Step();
        }

        Assert.Equal(250, scheduler.TokensPerStep);
    }

    [Fact]
    public void WithoutTokensPerStepTheErrorSaysWhatToPass()
    {
        TorchRuntime.EnsureLoaded();
        using var model = torch.nn.Linear(2, 1);
        using var optimizer = torch.optim.SGD(model.parameters(), 0.1);
        var e = Assert.Throws<ScheduleArgumentException>(() => optimizer.CreateScheduler(ScheduleSpec.Parse(Spec)));
        Assert.Equal("tokens_per_step must be given for a schedule measured in tokens (batch size x context x gradient accumulation)", e.Message);
    }
}
