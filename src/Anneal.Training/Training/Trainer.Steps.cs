using Anneal.Training.Data;
using Anneal.Training.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Anneal.Training;

/// <summary>The pieces of one step: optimizer, batches, the step itself, evaluation.</summary>
public static partial class Trainer
{
    /// <summary>The optimizer over the model's two parameter groups (decay, no decay), both at the base learning rate.</summary>
    internal static OptimizerHelper CreateOptimizer(TrainingOptions o, Gpt model)
    {
        var (decay, noDecay) = model.ParameterGroups();
        var lr = o.LearningRate;
        return o.Optimizer switch
        {
            OptimizerKind.Sgd => optim.SGD(
                [new SGD.ParamGroup(decay, lr: lr, momentum: o.Momentum, weight_decay: o.WeightDecay), new SGD.ParamGroup(noDecay, lr: lr, momentum: o.Momentum)],
                lr, o.Momentum),
            OptimizerKind.Adam => optim.Adam(
                [new Adam.ParamGroup(decay, lr: lr, beta1: o.Beta1, beta2: o.Beta2, weight_decay: o.WeightDecay), new Adam.ParamGroup(noDecay, lr: lr, beta1: o.Beta1, beta2: o.Beta2)],
                lr, o.Beta1, o.Beta2),
            OptimizerKind.AdamW => optim.AdamW(
                [new AdamW.ParamGroup(decay, lr: lr, beta1: o.Beta1, beta2: o.Beta2, weight_decay: o.WeightDecay), new AdamW.ParamGroup(noDecay, lr: lr, beta1: o.Beta1, beta2: o.Beta2, weight_decay: 0)],
                lr, o.Beta1, o.Beta2),
            OptimizerKind.RmsProp => optim.RMSProp(
                [new RMSProp.ParamGroup(decay, lr: lr, momentum: o.Momentum, weight_decay: o.WeightDecay), new RMSProp.ParamGroup(noDecay, lr: lr, momentum: o.Momentum)],
                lr, momentum: o.Momentum),
            OptimizerKind.Adagrad => optim.Adagrad(
                [new Adagrad.ParamGroup(decay, lr: lr, weight_decay: o.WeightDecay), new Adagrad.ParamGroup(noDecay, lr: lr)],
                lr),
            _ => throw new TrainingInputException(TrainingOption.Optimizer, $"must be {OptimizerKinds.List} (was {(int)o.Optimizer})"),
        };
    }

    /// <summary>
    /// One optimizer step of <c>anneal train</c> (and of the LR range test): zero the gradients, run the micro-batches of
    /// step <paramref name="step"/> (a SplitMix64 stream per seed, step and micro-step, so batches are a pure function of
    /// them), clip, and step the optimizer. Returns the mean training loss; the step is applied only when
    /// <paramref name="apply"/> accepts that loss (and never when it is not finite).
    /// </summary>
    internal static double TrainStep(Gpt model, Parameter[] parameters, optim.Optimizer optimizer, TextData data, TrainingOptions options, int step, Device device, Func<double, bool> apply)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        double loss = 0;
        for (var micro = 0; micro < options.GradientAccumulation; micro++)
        {
            var rng = BatchStream(options, step, micro);
            var (x, y) = Batch(data.Train, options.BatchSize, options.Context, ref rng, device);
            var logits = model.forward(x);
            var microLoss = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), y.view(-1));
            (microLoss / options.GradientAccumulation).backward();
            loss += microLoss.item<float>() / options.GradientAccumulation;
        }

        if (!double.IsFinite(loss) || !apply(loss))
        {
            return loss;
        }

        if (options.GradientClip > 0)
        {
            nn.utils.clip_grad_norm_(parameters, options.GradientClip);
        }

        optimizer.step();
        return loss;
    }

    /// <summary>The SplitMix64 stream that places the sequences of micro-batch <paramref name="micro"/> of step <paramref name="step"/>: a function of (seed, step, micro-step) only.</summary>
    internal static SplitMix64 BatchStream(TrainingOptions options, int step, int micro) =>
        new(SplitMix64.Mix(SplitMix64.Mix((ulong)options.Seed) + (ulong)((step * (long)options.GradientAccumulation) + micro)));

    /// <summary>
    /// A batch of <paramref name="batch"/> sequences of <paramref name="context"/> tokens and their next tokens: sequence
    /// b starts at a position drawn uniformly from 0 .. Count - context - 1, the same for any <see cref="ITokenSource"/>
    /// holding the same tokens.
    /// </summary>
    internal static (Tensor X, Tensor Y) Batch(ITokenSource tokens, int batch, int context, ref SplitMix64 rng, Device device)
    {
        var xs = new long[batch * context];
        var ys = new long[batch * context];
        Span<int> window = context < 4096 ? stackalloc int[context + 1] : new int[context + 1];
        for (var b = 0; b < batch; b++)
        {
            tokens.CopyTo(rng.NextInt64(tokens.Count - context), window);
            for (var t = 0; t < context; t++)
            {
                xs[(b * context) + t] = window[t];
                ys[(b * context) + t] = window[t + 1];
            }
        }

        return (tensor(xs, [batch, context], device: device), tensor(ys, [batch, context], device: device));
    }

    internal static double Evaluate(Gpt model, ITokenSource validation, TrainingOptions options, Device device)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var rng = new SplitMix64(SplitMix64.Mix((ulong)options.Seed ^ 0xE7A1_0000_0000_0001UL));
        double total = 0;
        for (var i = 0; i < options.EvalBatches; i++)
        {
            var (x, y) = Batch(validation, options.BatchSize, options.Context, ref rng, device);
            var logits = model.forward(x);
            total += nn.functional.cross_entropy(logits.view(-1, model.Config.VocabularySize), y.view(-1)).item<float>();
        }

        model.train();
        return total / options.EvalBatches;
    }
}
