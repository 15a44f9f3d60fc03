// Training throughput of `anneal train`'s default model, measured with a Stopwatch.
//
// Not BenchmarkDotNet: one measurement here is seconds of training in which libtorch owns every core; BenchmarkDotNet's
// many iterations in several processes would take an hour and measure nothing more. This program measures, in one process:
//   (a) Trainer.Run with the default options: the wall time from one step's progress report to the next, i.e.
//       everything the loop does for a step (batch, forward, backward, clipping, AdamW, scheduler, metrics.csv and
//       TensorBoard rows); evaluation only after the last step, outside the measured steps;
//   (b) a minimal hand-written TorchSharp loop: the same Gpt, AdamW, batch size, context and gradient clipping, nothing
//       else. Its steps run interleaved with the trainer's, one after each trainer step (inside the progress callback,
//       outside the trainer's timed interval), so a neighbour's burst of load slows both alike;
//   (c) torch.mm on square FP32 matrices: the machine's matrix-multiply GFLOP/s (best of several repetitions), at the
//       start for 1024..2048 and again before each round for 2048, since this shared machine's speed drifts.
// Tokens/s is tokens per step over the median step time (robust to a few slowed steps). It prints the ratio (a)/(b)
// (target >= 0.97) and the model's achieved GFLOP/s over (c) (target >= 40%), both per round and over all rounds.
//
//   (d) bf16 (Bf16Row.cs): torch.mm in bf16 against FP32 at the same sizes, interleaved, and a few steps of the hand loop
//       with the model in bf16, against the same loop in FP32: whether this CPU's libtorch has a fast bf16 path at all.
//
//   dotnet run -c Release --project benchmarks/Anneal.Training.Benchmarks [-- --rounds 5 --steps 60 --warmup 10 --threads N]
//                                                                        [--dim D --heads H --layers L]  (another model size)
//   dotnet run -c Release --project benchmarks/Anneal.Training.Benchmarks -- --bf16 [--bf16-steps 3]  (only the bf16 row)
//   dotnet run -c Release --project benchmarks/Anneal.Training.Benchmarks -- --sweep [--steps 20 --warmup 5]
//                                                                        (widths 128..512 x 4 and 8 layers: ModelSweep.cs)
//   dotnet run -c Release --project benchmarks/Anneal.Training.Benchmarks -- --read-ahead DIR [--steps 20 --rounds 3]
//                                                      (cold windows of a prepared corpus, one by one or told first: ReadAhead.cs)
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
var warmup = Math.Max(1, Arg("--warmup", 10));
var threads = Arg("--threads", 0);

TorchRuntime.EnsureLoaded();
if (threads > 0)
{
    set_num_threads(threads);
}

if (args.Contains("--read-ahead"))
{
    var at = Array.IndexOf(args, "--read-ahead");
    var dir = at + 1 < args.Length ? args[at + 1] : throw new ArgumentException("--read-ahead needs a prepared directory");
    ReadAhead.Run(dir, Arg("--steps", 20), Arg("--batch", 16), Arg("--context", 64), Arg("--rounds", 3));
    return 0;
}

if (args.Contains("--sweep"))
{
    ModelSweep.Run(Arg("--steps", 20), Math.Max(1, Arg("--warmup", 5)));
    return 0;
}

var defaults = new TrainingOptions();
var options = defaults with
{
    EmbeddingDim = Arg("--dim", defaults.EmbeddingDim),
    Heads = Arg("--heads", defaults.Heads),
    Layers = Arg("--layers", defaults.Layers),
};
var corpus = SyntheticCorpus.Create(options.CorpusSeed);
var data = TextData.Create("built-in", corpus.Generate(options.CorpusCharacters), options.Tokenizer, options.Context);
var config = new GptConfig(data.Tokenizer.VocabularySize, options.Context, options.Layers, options.Heads, options.EmbeddingDim, options.Dropout);
var tokensPerStep = options.BatchSize * options.Context * options.GradientAccumulation;
var train = data.Train.Read(0, (int)data.Train.Count);

Console.WriteLine(Measure.MachineLine());
if (args.Contains("--bf16"))
{
    Bf16Row.Run(options, config, train, Arg("--bf16-steps", 3));
    return 0;
}

Console.WriteLine($"model: {config.Layers} layers, {config.Heads} heads, dim {config.EmbeddingDim}, context {config.Context}, vocabulary {config.VocabularySize}: {config.ParameterCount:N0} parameters; batch {options.BatchSize} x {options.Context} = {tokensPerStep} tokens/step; {options.Optimizer}, grad clip {options.GradientClip}");
Console.WriteLine($"FLOPs per token (forward + backward, multiply-add = 2): 6 x (12 L d^2 + V d) + 6 L T d = {config.TrainingFlopsPerToken:N0}");
Console.WriteLine($"{rounds} rounds of {warmup} warm-up + {steps} measured steps of each loop, interleaved");

var peak = new[] { 1024, 1536, 2048 }.Max(n => Measure.MatmulGflops(n, ScalarType.Float32, print: true));
List<double> trainer = [], hand = [], efficiency = []; // seconds per step; achieved / peak per round
for (var r = 0; r < rounds; r++)
{
    var roundPeak = Measure.MatmulGflops(2048, ScalarType.Float32);
    peak = Math.Max(peak, roundPeak);
    var dir = Directory.CreateTempSubdirectory("anneal-bench-");
    try
    {
        using var handLoop = new HandLoop(options, config, train);
        var clock = new Interleaved(warmup, warmup + steps, handLoop);
        Trainer.Run(options with { Steps = warmup + steps + 1, EvalEvery = int.MaxValue, CheckpointEvery = 0 }, null, Path.Combine(dir.FullName, "run"), progress: clock);
        trainer.AddRange(clock.Trainer);
        hand.AddRange(clock.Hand);
        var roundGflops = tokensPerStep / Median(clock.Trainer) * config.TrainingFlopsPerToken / 1e9;
        efficiency.Add(roundGflops / roundPeak);
        Console.WriteLine($"round {r + 1}: trainer {tokensPerStep / Median(clock.Trainer):F0} tokens/s, hand loop {tokensPerStep / Median(clock.Hand):F0} tokens/s, " +
                          $"ratio {Median(clock.Hand) / Median(clock.Trainer):F3}; trainer {roundGflops:F1} GFLOP/s of torch.mm {roundPeak:F1} = {efficiency[^1]:P1}");
    }
    finally
    {
        dir.Delete(true);
    }
}

double t = tokensPerStep / Median(trainer), h = tokensPerStep / Median(hand);
var achieved = t * config.TrainingFlopsPerToken / 1e9;
Console.WriteLine();
Console.WriteLine($"trainer     {t,8:F0} tokens/s  {achieved,6:F1} GFLOP/s   (mean over steps {tokensPerStep / trainer.Average():F0} tokens/s)");
Console.WriteLine($"hand loop   {h,8:F0} tokens/s  {h * config.TrainingFlopsPerToken / 1e9,6:F1} GFLOP/s   (mean over steps {tokensPerStep / hand.Average():F0} tokens/s)");
Console.WriteLine($"torch.mm peak               {peak,6:F1} GFLOP/s   (best seen in this process)");
Console.WriteLine($"trainer / hand loop: {t / h:F3} (target >= 0.97)");
Console.WriteLine($"achieved / peak:     {achieved / peak:P1} against the best torch.mm seen; median per round {Median(efficiency):P1} against that round's (target >= 40%)");
Console.WriteLine();
Bf16Row.Run(options, config, train, Arg("--bf16-steps", 3));
return 0;

static double Median(IReadOnlyCollection<double> values) => Measure.Median(values);

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>The minimal loop: the same model, optimizer, batch and clipping as the trainer, one step per call.</summary>
internal sealed class HandLoop : IDisposable
{
    private readonly TrainingOptions _o;
    private readonly int[] _train;  // the built-in corpus, in memory
    private readonly int _vocabulary;
    private readonly Gpt _model;
    private readonly torch.optim.Optimizer _optimizer;
    private readonly Random _random;
    private readonly long[] _xs, _ys;

    public HandLoop(TrainingOptions options, GptConfig config, int[] train, ScalarType dtype = ScalarType.Float32)
    {
        (_o, _train, _vocabulary) = (options, train, config.VocabularySize);
        manual_seed(options.Seed + 1);
        _model = new Gpt(config);
        _model.to(dtype); // bf16: weights, activations, gradients and AdamW state all bf16 (an upper bound on bf16's speed)
        _optimizer = optim.AdamW(_model.parameters(), options.LearningRate, options.Beta1, options.Beta2, weight_decay: options.WeightDecay);
        _random = new Random(options.Seed);
        _xs = new long[options.BatchSize * options.Context];
        _ys = new long[options.BatchSize * options.Context];
        _model.train();
    }

    public void Step()
    {
        int b = _o.BatchSize, ctx = _o.Context;
        using var scope = NewDisposeScope();
        for (var i = 0; i < b; i++)
        {
            var offset = _random.Next(_train.Length - ctx);
            for (var j = 0; j < ctx; j++)
            {
                _xs[(i * ctx) + j] = _train[offset + j];
                _ys[(i * ctx) + j] = _train[offset + j + 1];
            }
        }

        var x = tensor(_xs, [b, ctx]);
        var y = tensor(_ys, [b, ctx]);
        _optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(_model.forward(x).view(-1, _vocabulary).to(ScalarType.Float32), y.view(-1));
        loss.backward();
        nn.utils.clip_grad_norm_(_model.parameters(), _o.GradientClip);
        _optimizer.step();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }
}

/// <summary>
/// Times each trainer step from one progress report to the next, and after each report runs and times one hand-loop
/// step (outside the trainer's interval). Steps before <c>from</c> warm both up; steps from..to-1 are recorded.
/// </summary>
internal sealed class Interleaved(int from, int to, HandLoop hand) : ITrainingProgress
{
    private readonly Stopwatch _clock = new();

    public List<double> Trainer { get; } = [];

    public List<double> Hand { get; } = [];

    public void Started(RunInfo info) => _clock.Restart();

    public void Stepped(StepReport report)
    {
        var trainerSeconds = _clock.Elapsed.TotalSeconds;
        if (report.Step >= to)
        {
            return;
        }

        var handClock = Stopwatch.StartNew();
        hand.Step();
        if (report.Step >= from)
        {
            Trainer.Add(trainerSeconds);
            Hand.Add(handClock.Elapsed.TotalSeconds);
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
