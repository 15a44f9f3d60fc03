using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// nanoGPT's <c>train.py</c> learning-rate settings to a <see cref="ScheduleRecipe"/>: its <c>get_lr(it)</c> as a join of
/// Anneal's building blocks. See <see cref="ScheduleSpec.FromNanoGptConfig"/>.
/// </summary>
internal static class NanoGptConfig
{
    internal const string What = "nanoGPT config";

    private static readonly string[] ScheduleKeys = ["learning_rate", "max_iters", "decay_lr", "warmup_iters", "lr_decay_iters", "min_lr"];

    /// <summary>train.py's other configuration globals: they do not change the learning rate.</summary>
    private static readonly HashSet<string> OtherKeys =
    [
        "out_dir", "eval_interval", "log_interval", "eval_iters", "eval_only", "always_save_checkpoint", "init_from",
        "wandb_log", "wandb_project", "wandb_run_name", "dataset", "gradient_accumulation_steps", "batch_size",
        "block_size", "n_layer", "n_head", "n_embd", "dropout", "bias", "weight_decay", "beta1", "beta2", "grad_clip",
        "backend", "device", "dtype", "compile",
    ];

    internal static ScheduleRecipe Read(JsonObject config)
    {
        var ignored = RecipeJson.IgnoredKeys(config, ScheduleKeys, OtherKeys, What);
        var r = new SpecReader(config, "", What);
        var lr = Preconditions.Positive(r.Double("learning_rate", 6e-4), "learning_rate");
        var maxIters = Preconditions.NonNegative(r.Long("max_iters", 600_000), "max_iters");
        var decay = r.Bool("decay_lr", true);
        var warmup = Preconditions.NonNegative(r.Long("warmup_iters", 2000), "warmup_iters");
        var decayIters = Preconditions.NonNegative(r.Long("lr_decay_iters", 600_000), "lr_decay_iters");
        var minLr = Preconditions.NonNegative(r.Double("min_lr", 6e-5), "min_lr");
        var notes = new List<string>();
        if (maxIters == long.MaxValue)
        {
            throw new ScheduleArgumentException("max_iters", $"must be < {long.MaxValue} (was {maxIters})");
        }

        if (!decay)
        {
            notes.Add($"decay_lr is false: learning_rate ({Preconditions.Format(lr)}) at every iteration, no warmup");
            return new ScheduleRecipe(RecipeSource.NanoGpt, new Constant(1.0), lr, maxIters + 1, 0, ignored, notes);
        }

        if (decayIters == warmup)
        {
            throw new ScheduleArgumentException("lr_decay_iters", $"must differ from warmup_iters ({warmup}): nanoGPT's get_lr divides by lr_decay_iters - warmup_iters (was {decayIters})");
        }

        // get_lr(it) / learning_rate, with m = min_lr / learning_rate:
        //   it < W:        (it + 1) / (W + 1)        a linear ramp from 1/(W+1) that would reach 1 at it = W
        //   W <= it <= D:  m + (1 - m) (1 + cos(pi (it - W) / (D - W))) / 2
        //   it > D:        m
        var floor = minLr / lr;
        var pieces = new List<Schedule>();
        var milestones = new List<long>();
        if (warmup > 0)
        {
            pieces.Add(new Ramp(warmup, 1.0 / (warmup + 1), 1.0));
        }

        if (decayIters > warmup)
        {
            if (warmup > 0)
            {
                milestones.Add(warmup);
            }

            pieces.Add(new Ramp(decayIters - warmup, 1.0, floor, RampShape.Cosine));
            milestones.Add(decayIters);
        }
        else
        {
            notes.Add($"lr_decay_iters ({decayIters}) < warmup_iters ({warmup}): min_lr from the end of the warmup, as nanoGPT's get_lr does");
            milestones.Add(warmup);
        }

        pieces.Add(new Constant(floor));
        Schedule schedule = pieces.Count == 1 ? pieces[0] : new SequentialLR(pieces, milestones);
        if (decayIters > maxIters)
        {
            notes.Add($"lr_decay_iters ({decayIters}) > max_iters ({maxIters}): training stops before the learning rate reaches min_lr");
        }

        return new ScheduleRecipe(RecipeSource.NanoGpt, schedule, lr, maxIters + 1, warmup, ignored, notes);
    }
}
