using System.Globalization;
using Anneal;
using Anneal.Samples;

// Drives each of the article's strategies for 100 steps and prints the learning rate every 10 steps.
Console.WriteLine($"{"strategy",-24} " + string.Join(" ", Enumerable.Range(0, 11).Select(i => $"{"t=" + i * 10,9}")));
foreach (var (name, schedule, groups) in Strategies.All())
{
    var scheduler = new Scheduler(schedule, groups);
    var row = new List<string>();
    for (var t = 0; t <= 100; t++)
    {
        if (t % 10 == 0)
        {
            row.Add(groups[0].LearningRate.ToString("0.00e+0", CultureInfo.InvariantCulture).PadLeft(9));
        }

        if (t < 100)
        {
            scheduler.Step();
        }
    }

    Console.WriteLine($"{name,-24} {string.Join(" ", row)}");
}
