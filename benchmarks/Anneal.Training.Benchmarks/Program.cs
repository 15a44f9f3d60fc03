// Training throughput of `anneal train`'s default model, measured with a Stopwatch.
//
// Not BenchmarkDotNet: one measurement here is seconds of training in which libtorch owns every core; BenchmarkDotNet's
// many iterations in several processes would take an hour and measure nothing more. This program runs, in one process
// and in alternating rounds (so a neighbour's build slows both alike):
//   (a) Trainer.Run with the default options, timed between consecutive progress reports of steps W..W+N-1, so each
//       interval holds everything the loop does for one step (batch, forward, backward, clipping, AdamW, scheduler,
//       metrics.csv and TensorBoard rows, progress callback); evaluation only after the last step, outside the measured steps;
//   (b) a minimal hand-written TorchSharp loop: the same Gpt, AdamW, batch size, context and gradient clipping, nothing else;
//   (c) torch.mm on square FP32 matrices: the machine's matrix-multiply GFLOP/s (best of several repetitions).
// Tokens/s is tokens per step over the median step time of all rounds: robust to a neighbour's burst that slows a few
// steps. It prints both, the ratio (a)/(b) (target >= 0.97) and the model's achieved GFLOP/s over (c) (target >= 40%).
//
//   dotnet run -c Release --project benchmarks/Anneal.Training.Benchmarks [-- --rounds 5 --steps 60 --warmup 10 --threads N]
using System.Diagnostics;
using System.Globalization;
using Anneal.TorchSharp;
using Anneal.Training;
using Anneal.Training.Data;
using Anneal.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

var rounds = Arg("--rounds", 5);
var steps = Arg("--steps", 60);
var warmup = Arg("--warmup", 10);
var threads = Arg("--threads", 0);

TorchRuntime.EnsureLoaded();
if (threads > 0)
{
    set_num_threads(threads);
}

var options = new TrainingOptions();
var corpus = SyntheticCorpus.Create(options.CorpusSeed);
var data = TextData.Create("built-in", corpus.Generate(options.CorpusCharacters), options.Tokenizer, options.Context);
var config = new GptConfig(data.Tokenizer.VocabularySize, options.Context, options.Layers, options.Heads, options.EmbeddingDim, options.Dropout);
var tokensPerStep = options.BatchSize * options.Context * options.GradientAccumulation;

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {CpuModel()}; torch threads {get_num_threads()}, interop threads {get_num_interop_threads()}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"model: {config.Layers} layers, {config.Heads} heads, dim {config.EmbeddingDim}, context {config.Context}, vocabulary {config.VocabularySize}: {config.ParameterCount:N0} parameters; batch {options.BatchSize} x {options.Context} = {tokensPerStep} tokens/step; {options.Optimizer}, grad clip {options.GradientClip}");
Console.WriteLine($"FLOPs per token (forward + backward): 6 x (12 L d^2 + V d) + 6 L T d = {config.TrainingFlopsPerToken:N0}");
Console.WriteLine($"{rounds} rounds of {warmup} warm-up + {steps} measured steps each");

var peak = MatmulGflops();
List<double> trainer = [], hand = []; // seconds per step
for (var r = 0; r < rounds; r++)
{
    var a = TrainerStepSeconds();
    var b = HandLoopStepSeconds();
    trainer.AddRange(a);
    hand.AddRange(b);
    Console.WriteLine($"round {r + 1}: trainer {tokensPerStep / Median(a):F0} tokens/s, hand loop {tokensPerStep / Median(b):F0} tokens/s, ratio {Median(b) / Median(a):F3} (median steps)");
}

double t = tokensPerStep / Median(trainer), h = tokensPerStep / Median(hand);
var achieved = t * config.TrainingFlopsPerToken / 1e9;
Console.WriteLine();
Console.WriteLine($"trainer            {t,10:F0} tokens/s  {achieved,7:F1} GFLOP/s   (mean step: {tokensPerStep / trainer.Average():F0} tokens/s)");
Console.WriteLine($"hand loop          {h,10:F0} tokens/s  {h * config.TrainingFlopsPerToken / 1e9,7:F1} GFLOP/s   (mean step: {tokensPerStep / hand.Average():F0} tokens/s)");
Console.WriteLine($"torch.mm peak      {peak,27:F1} GFLOP/s");
Console.WriteLine($"trainer / hand loop: {t / h:F3} (target >= 0.97)");
Console.WriteLine($"achieved / peak:     {achieved / peak:P1} (target >= 40%)");
return 0;

List<double> TrainerStepSeconds()
{
    var dir = Directory.CreateTempSubdirectory("anneal-bench-");
    try
    {
        var clock = new StepClock(warmup - 1, warmup + steps - 1);
        var run = options with { Steps = warmup + steps + 1, EvalEvery = int.MaxValue, CheckpointEvery = 0 };
        Trainer.Run(run, Path.Combine(dir.FullName, "run"), clock);
        return clock.Intervals;
    }
    finally
    {
        dir.Delete(true);
    }
}

List<double> HandLoopStepSeconds()
{
    int b = options.BatchSize, ctx = options.Context, vocabulary = config.VocabularySize;
    manual_seed(options.Seed);
    using var model = new Gpt(config);
    using var optimizer = optim.AdamW(model.parameters(), options.LearningRate, options.Beta1, options.Beta2, weight_decay: options.WeightDecay);
    var random = new Random(options.Seed);
    var train = data.Train;
    long[] xs = new long[b * ctx], ys = new long[b * ctx];
    model.train();
    var clock = new Stopwatch();
    List<double> intervals = [];
    for (var step = 0; step < warmup + steps; step++)
    {
        if (step > warmup)
        {
            intervals.Add(clock.Elapsed.TotalSeconds);
        }

        clock.Restart();
        using var scope = NewDisposeScope();
        for (var i = 0; i < b; i++)
        {
            var offset = random.Next(train.Length - ctx);
            for (var j = 0; j < ctx; j++)
            {
                xs[(i * ctx) + j] = train[offset + j];
                ys[(i * ctx) + j] = train[offset + j + 1];
            }
        }

        var x = tensor(xs, [b, ctx]);
        var y = tensor(ys, [b, ctx]);
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.forward(x).view(-1, vocabulary), y.view(-1));
        loss.backward();
        nn.utils.clip_grad_norm_(model.parameters(), options.GradientClip);
        optimizer.step();
    }

    intervals.Add(clock.Elapsed.TotalSeconds);
    return intervals;
}

static double MatmulGflops()
{
    var best = 0.0;
    foreach (var n in new[] { 1024, 1536, 2048 })
    {
        using var a = randn(n, n);
        using var b = randn(n, n);
        mm(a, b).Dispose();
        var fastest = double.MaxValue;
        for (var rep = 0; rep < 10; rep++)
        {
            var clock = Stopwatch.StartNew();
            using var c = mm(a, b);
            fastest = Math.Min(fastest, clock.Elapsed.TotalSeconds);
        }

        var gflops = 2.0 * n * n * n / fastest / 1e9;
        Console.WriteLine($"torch.mm {n} x {n}: {gflops:F1} GFLOP/s (best of 10)");
        best = Math.Max(best, gflops);
    }

    return best;
}

static double Median(IReadOnlyCollection<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static string CpuModel() =>
    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>The wall time between consecutive step reports, from that of step <c>from</c> to that of step <c>to</c>.</summary>
internal sealed class StepClock(int from, int to) : ITrainingProgress
{
    private readonly Stopwatch _clock = new();

    public List<double> Intervals { get; } = [];

    public void Started(RunInfo info)
    {
    }

    public void Stepped(StepReport report)
    {
        if (report.Step > from && report.Step <= to)
        {
            Intervals.Add(_clock.Elapsed.TotalSeconds);
        }

        _clock.Restart();
    }

    public void Evaluated(int step, double validationLoss)
    {
    }

    public void CheckpointSaved(int step, string path)
    {
    }
}
