namespace Anneal;

public static partial class ScheduleSpec
{
    /// <summary>
    /// Reads Hugging Face <c>TrainingArguments</c> as JSON (<c>training_args.to_json_string()</c>, or the JSON file given
    /// to <c>HfArgumentParser</c>) and returns the schedule, peak learning rate and step count transformers' Trainer
    /// would use. Read: <c>learning_rate</c> (5e-5), <c>lr_scheduler_type</c> (<c>linear</c>), <c>lr_scheduler_kwargs</c>
    /// (an object or a JSON string), <c>warmup_steps</c> (0), <c>warmup_ratio</c> (0), <c>max_steps</c> (-1),
    /// <c>num_train_epochs</c> (3). Rules (transformers 4.x): steps <c>N = max_steps</c> when it is &gt; 0, else
    /// <c>ceil(num_train_epochs * stepsPerEpoch)</c>; warmup <c>W = warmup_steps</c> when it is &gt;= 1, else
    /// <c>ceil(N * warmup_ratio)</c>; transformers 5's fractional <c>warmup_steps</c> (0 &lt; w &lt; 1) is a ratio:
    /// <c>ceil(N * w)</c>. The schedule is <c>get_scheduler(lr_scheduler_type, num_warmup_steps = W,
    /// num_training_steps = N, **lr_scheduler_kwargs)</c> in Anneal's spec.
    /// </summary>
    /// <param name="json">The TrainingArguments JSON object.</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch (<c>len(train_dataloader) // gradient_accumulation_steps</c>), needed when <c>max_steps</c> is not set.</param>
    /// <exception cref="ScheduleArgumentException">Malformed JSON, a value of the wrong type, a misspelled schedule key, an unknown scheduler type or kwarg; the message names the key.</exception>
    public static ScheduleRecipe FromHuggingFaceArgs(string json, long? stepsPerEpoch = null) =>
        HuggingFaceArgs.Read(RecipeJson.Parse(json, HuggingFaceArgs.What), stepsPerEpoch);

    /// <summary>
    /// Reads the learning-rate settings of nanoGPT's <c>train.py</c> from a JSON object of its configuration globals
    /// (<c>learning_rate</c> 6e-4, <c>max_iters</c> 600000, <c>decay_lr</c> true, <c>warmup_iters</c> 2000,
    /// <c>lr_decay_iters</c> 600000, <c>min_lr</c> 6e-5 when omitted) and returns nanoGPT's <c>get_lr(it)</c> as a
    /// schedule: <c>learning_rate * (it + 1) / (warmup_iters + 1)</c> for <c>it &lt; warmup_iters</c> (so step 0 is not 0),
    /// then a cosine from <c>learning_rate</c> to <c>min_lr</c> until <c>lr_decay_iters</c>, then <c>min_lr</c>;
    /// <c>learning_rate</c> throughout when <c>decay_lr</c> is false. nanoGPT's loop runs iterations 0 to
    /// <c>max_iters</c>, so <see cref="ScheduleRecipe.TrainingSteps"/> is <c>max_iters + 1</c>.
    /// </summary>
    /// <exception cref="ScheduleArgumentException">Malformed JSON, a value of the wrong type, a misspelled key, or settings nanoGPT cannot run (it divides by <c>lr_decay_iters - warmup_iters</c>).</exception>
    public static ScheduleRecipe FromNanoGptConfig(string json) => NanoGptConfig.Read(RecipeJson.Parse(json, NanoGptConfig.What));
}
