// The article's six learning-rate strategies on a real TorchSharp model: a tiny GPT (Anneal.Training) trained for 60
// steps on the built-in corpus under each, from the same initial weights on the same batches. The Scheduler writes each
// step's learning rate (and, for one-cycle, momentum) into the optimizer's param groups; the loop only calls Step().
//
//   dotnet run -c Release --project samples/TorchSharpStrategies
using Anneal;
using Anneal.TorchSharp;
using Anneal.Training.Data;
using Anneal.Training.Model;
using TorchSharp;
using static TorchSharp.torch;
using Optimizer = TorchSharp.torch.optim.Optimizer;

const int Steps = 60, Batch = 8, Context = 32;
TorchRuntime.EnsureLoaded();
var corpus = SyntheticCorpus.Create();
var data = TextData.Create("built-in corpus", corpus.Generate(100_000), Anneal.Training.TokenizerKind.Char, Context);
var config = new GptConfig(data.Tokenizer.VocabularySize, Context, Layers: 1, Heads: 2, EmbeddingDim: 64);
Console.WriteLine($"tiny GPT, {config.ParameterCount:N0} parameters; {Steps} steps of {Batch} x {Context} characters; " +
                  $"validation loss of the unigram model {data.UnigramNatsPerToken:F3}, entropy floor {corpus.EntropyNatsPerChar:F3} (nats/char)");

// 1-5 with SGD (momentum 0.9) as in the article; 6 with the adaptive optimizers. Gradients are clipped to norm 1.
Optimizer Sgd(Gpt m) => optim.SGD(m.parameters(), 0.3, momentum: 0.9);
Train("1. constant 0.3", new Constant(), Sgd);
Train("2. exponential 0.3 exp(-0.02 t)", ExponentialLR.FromDecayRate(k: 0.02), Sgd);
Train("3. piecewise x0.3 at steps 30, 45", new MultiStepLR([30, 45], gamma: 0.3), Sgd);
Train("4. cosine annealing to 0.003", new CosineAnnealingLR(tMax: Steps, etaMin: 0.003), Sgd);
Train("5. one-cycle to 0.5, momentum 0.95-0.85", new OneCycleLR(maxLr: 0.5, totalSteps: Steps), Sgd);
Schedule WarmupCosine() => new CosineWithMinLr(numWarmupSteps: 6, numTrainingSteps: Steps, minLrRate: 0.1);
Train("6a. Adam 3e-3, warmup + cosine to 10%", WarmupCosine(), m => optim.Adam(m.parameters(), 3e-3));
Train("6b. RMSprop 1e-3, warmup + cosine to 10%", WarmupCosine(), m => optim.RMSProp(m.parameters(), 1e-3));

void Train(string name, Schedule schedule, Func<Gpt, Optimizer> createOptimizer)
{
    manual_seed(0);
    using var model = new Gpt(config);
    using var optimizer = createOptimizer(model);
    var scheduler = optimizer.CreateScheduler(schedule); // writes step 0's learning rate into the param groups
    var random = new Random(0);
    for (var step = 0; step < Steps; step++)
    {
        using var scope = NewDisposeScope();
        var (x, y) = Sample(data.Train, random);
        optimizer.zero_grad();
        Loss(model, x, y).backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
        scheduler.Step(); // the learning rate (and momentum) of the next step
    }

    model.eval();
    using var noGrad = no_grad();
    using var evalScope = NewDisposeScope();
    var validation = new Random(1);
    var loss = Enumerable.Range(0, 8).Average(_ => { var (x, y) = Sample(data.Validation, validation); return Loss(model, x, y).item<float>(); });
    var momentum = double.IsNaN(scheduler.LastMomenta[0]) ? "" : $", momentum {scheduler.LastMomenta[0]:G3}";
    Console.WriteLine($"{name,-42} final validation loss {loss:F3}   (at the end: lr {scheduler.LastLearningRates[0]:G3}{momentum})");
}

Tensor Loss(Gpt model, Tensor x, Tensor y) =>
    nn.functional.cross_entropy(model.forward(x).view(-1, config.VocabularySize), y.view(-1));

(Tensor X, Tensor Y) Sample(ITokenSource tokens, Random random)
{
    long[] xs = new long[Batch * Context], ys = new long[Batch * Context];
    var window = new int[Context + 1];
    for (var b = 0; b < Batch; b++)
    {
        tokens.CopyTo(random.Next((int)tokens.Count - Context), window);
        for (var t = 0; t < Context; t++)
        {
            (xs[(b * Context) + t], ys[(b * Context) + t]) = (window[t], window[t + 1]);
        }
    }

    return (tensor(xs, [Batch, Context]), tensor(ys, [Batch, Context]));
}
