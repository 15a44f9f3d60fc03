using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// Hugging Face <c>TrainingArguments</c> to a <see cref="ScheduleRecipe"/>, by the rules of transformers' Trainer
/// (<c>TrainingArguments.get_warmup_steps</c>, the step count of <c>Trainer._inner_training_loop</c>, and
/// <c>get_scheduler</c>). See <see cref="ScheduleSpec.FromHuggingFaceArgs"/>.
/// </summary>
internal static class HuggingFaceArgs
{
    internal const string What = "TrainingArguments";

    private static readonly string[] ScheduleKeys =
        ["learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_ratio", "warmup_steps", "max_steps", "num_train_epochs"];

    /// <summary>transformers' <c>SchedulerType</c> values (all of them are Anneal spec types).</summary>
    private static readonly string[] SchedulerTypes =
    [
        "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup", "inverse_sqrt",
        "reduce_lr_on_plateau", "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay",
    ];

    /// <summary>Types to which <c>get_scheduler</c> passes no <c>lr_scheduler_kwargs</c> (it would drop them silently).</summary>
    private static readonly HashSet<string> NoKwargs = ["constant", "constant_with_warmup", "inverse_sqrt"];

    internal static ScheduleRecipe Read(JsonObject args, long? stepsPerEpoch)
    {
        var ignored = RecipeJson.IgnoredKeys(args, ScheduleKeys, TrainingArgumentsKeys.Other, What);
        var notes = new List<string>();
        var r = new SpecReader(args, "", What);
        var lr = Preconditions.NonNegative(r.Double("learning_rate", 5e-5), "learning_rate");
        var type = args["lr_scheduler_type"] switch
        {
            null => "linear",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var other => throw new ScheduleArgumentException("lr_scheduler_type", $"must be a string such as \"cosine\" (was {SpecReader.Show(other)})"),
        };
        if (!SchedulerTypes.Contains(type))
        {
            var suggestion = Suggestions.Closest(type, SchedulerTypes);
            throw new ScheduleArgumentException("lr_scheduler_type", suggestion is null
                ? $"'{type}' is not a transformers scheduler type (known: {string.Join(", ", SchedulerTypes)})"
                : $"'{type}' is not a transformers scheduler type (did you mean '{suggestion}'?)");
        }

        var steps = TrainingSteps(r, stepsPerEpoch, notes);
        var warmup = WarmupSteps(r, steps, notes);
        var kwargs = Kwargs(args);
        var spec = new JsonObject { ["type"] = type };
        if (type is "constant" or "reduce_lr_on_plateau")
        {
            // get_scheduler builds these without num_warmup_steps or num_training_steps.
            if (warmup > 0)
            {
                notes.Add($"{type} has no warmup in transformers: the {warmup} warmup steps are not used (use constant_with_warmup, or a warmup in front of the plateau)");
            }
        }
        else
        {
            spec["num_warmup_steps"] = warmup;
            if (type is not ("constant_with_warmup" or "inverse_sqrt"))
            {
                spec["num_training_steps"] = steps;
            }
        }

        foreach (var (key, value) in kwargs)
        {
            if (NoKwargs.Contains(type))
            {
                throw new ScheduleArgumentException($"lr_scheduler_kwargs.{key}", $"is not used: transformers' get_scheduler passes no lr_scheduler_kwargs to {type}; remove it");
            }

            if (key is "num_warmup_steps" or "num_training_steps")
            {
                throw new ScheduleArgumentException($"lr_scheduler_kwargs.{key}", $"is set from {(key == "num_warmup_steps" ? "warmup_steps / warmup_ratio" : "max_steps / num_train_epochs")}; remove it (transformers would fail with 'got multiple values')");
            }

            spec[key] = value?.DeepClone();
        }

        var schedule = RecipeJson.Build(spec, key => kwargs.ContainsKey(key) ? $"lr_scheduler_kwargs.{key}" : key switch
        {
            "num_warmup_steps" => "warmup_steps",
            "num_training_steps" => args.ContainsKey("max_steps") && steps == r.OptionalLong("max_steps") ? "max_steps" : "num_train_epochs",
            _ => key,
        });
        return new ScheduleRecipe(RecipeSource.HuggingFace, schedule, lr, steps, spec["num_warmup_steps"]?.GetValue<long>() ?? 0, ignored, notes);
    }

    /// <summary>Trainer: <c>max_steps</c> when it is &gt; 0, else <c>ceil(num_train_epochs * steps_per_epoch)</c>.</summary>
    private static long TrainingSteps(SpecReader r, long? stepsPerEpoch, List<string> notes)
    {
        var maxSteps = r.Long("max_steps", -1);
        if (maxSteps > 0)
        {
            if (stepsPerEpoch is not null)
            {
                notes.Add($"max_steps ({maxSteps}) is set, so it is the step count and the steps per epoch are not used (transformers: max_steps > 0 overrides num_train_epochs)");
            }

            return maxSteps;
        }

        var epochs = Preconditions.Positive(r.Double("num_train_epochs", 3.0), "num_train_epochs");
        if (stepsPerEpoch is not { } perEpoch)
        {
            throw new ScheduleArgumentException("steps_per_epoch", $"must be given to turn num_train_epochs ({Preconditions.Format(epochs)}) into optimizer steps, as max_steps is not set ({maxSteps}); or set max_steps");
        }

        Preconditions.Positive(perEpoch, "steps_per_epoch");
        var steps = Math.Ceiling(epochs * perEpoch);
        if (steps > long.MaxValue / 2)
        {
            throw new ScheduleArgumentException("num_train_epochs", $"times steps_per_epoch is too many steps ({Preconditions.Format(steps)})");
        }

        notes.Add($"num_train_epochs {Preconditions.Format(epochs)} x {perEpoch} steps per epoch = {(long)steps} steps (ceil)");
        return (long)steps;
    }

    /// <summary>
    /// <c>warmup_steps</c> when it is &gt;= 1 (transformers 5 truncates a float), <c>ceil(N * warmup_steps)</c> when it is a
    /// fraction (transformers 5), else <c>ceil(N * warmup_ratio)</c> (transformers 4.x).
    /// </summary>
    private static long WarmupSteps(SpecReader r, long steps, List<string> notes)
    {
        var ratio = Preconditions.InRange(r.Double("warmup_ratio", 0.0), 0, 1, "warmup_ratio");
        var warmupSteps = Preconditions.NonNegative(r.Double("warmup_steps", 0.0), "warmup_steps");
        if (warmupSteps >= 1)
        {
            if (ratio > 0)
            {
                notes.Add($"warmup_steps ({Preconditions.Format(warmupSteps)}) overrides warmup_ratio ({Preconditions.Format(ratio)}), as in transformers");
            }

            if (warmupSteps != Math.Floor(warmupSteps))
            {
                notes.Add($"warmup_steps {Preconditions.Format(warmupSteps)} is truncated to {Math.Floor(warmupSteps)} (transformers 5: int(warmup_steps))");
            }

            return (long)Math.Min(Math.Floor(warmupSteps), long.MaxValue / 2);
        }

        if (warmupSteps > 0)
        {
            if (ratio > 0)
            {
                notes.Add($"warmup_steps ({Preconditions.Format(warmupSteps)}) overrides warmup_ratio ({Preconditions.Format(ratio)}), as in transformers");
            }

            notes.Add($"warmup_steps {Preconditions.Format(warmupSteps)} < 1 is a fraction of the steps (transformers 5): ceil({steps} x {Preconditions.Format(warmupSteps)})");
            return (long)Math.Ceiling(steps * warmupSteps);
        }

        return (long)Math.Ceiling(steps * ratio);
    }

    /// <summary><c>lr_scheduler_kwargs</c>: an object, a JSON string holding one (as on transformers' command line), or absent.</summary>
    private static JsonObject Kwargs(JsonObject args)
    {
        if (!args.TryGetPropertyValue("lr_scheduler_kwargs", out var node) || node is null)
        {
            return [];
        }

        if (node is JsonObject obj)
        {
            return obj;
        }

        if (node.GetValueKind() == JsonValueKind.String)
        {
            var text = node.GetValue<string>();
            if (text.Trim().Length == 0)
            {
                return [];
            }

            try
            {
                if (JsonNode.Parse(text) is JsonObject parsed)
                {
                    return parsed;
                }
            }
            catch (JsonException)
            {
                // Reported below.
            }
        }

        throw new ScheduleArgumentException("lr_scheduler_kwargs", $"must be a JSON object such as {{\"num_cycles\":0.5}} (was {SpecReader.Show(node)})");
    }
}
