// A TorchSharp training loop that holds TorchSharp's own LRScheduler type; Anneal only supplies it.
// Usage: Consumer SPEC STEPS. Prints "step,lr" rows (the learning rate in effect at each step) in anneal schedule's CSV
// format, then the first and last loss to standard error.
using System.Globalization;
using Anneal;
using Anneal.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

var schedule = ScheduleSpec.Parse(args[0]);
var steps = int.Parse(args[1], CultureInfo.InvariantCulture);

TorchRuntime.EnsureLoaded();
manual_seed(0);
var model = nn.Sequential(("in", nn.Linear(8, 32)), ("act", nn.ReLU()), ("out", nn.Linear(32, 1)));
var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
optim.lr_scheduler.LRScheduler scheduler = optimizer.CreateLRScheduler(schedule);

using var x = randn(64, 8);
using var y = x.sum(1, keepdim: true).sin();
Console.WriteLine("step,lr");
double first = 0, last = 0;
for (var step = 0; step <= steps; step++)
{
    Console.WriteLine($"{step},{scheduler.get_last_lr().First().ToString("R", CultureInfo.InvariantCulture)}");
    if (step == steps)
    {
        break;
    }

    using var d = NewDisposeScope();
    optimizer.zero_grad();
    var loss = nn.functional.mse_loss(model.forward(x), y);
    loss.backward();
    optimizer.step();
    scheduler.step();
    last = loss.item<float>();
    if (step == 0)
    {
        first = last;
    }
}

Console.Error.WriteLine($"loss {first:R} -> {last:R}");
return last < first ? 0 : 1;
