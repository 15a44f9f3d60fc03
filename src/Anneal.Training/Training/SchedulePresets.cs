using System.Globalization;
using System.Text.Json.Nodes;

namespace Anneal.Training;

/// <summary>
/// Named schedules for <c>--schedule</c>, each a JSON spec built from the run's steps and learning rate: the article's
/// strategies. Warmup is 5% of the steps (at least 1), counts optimizer steps and is the same linear ramp from 0,
/// <c>lr * t / W</c>, in every preset that has one (warmup-cosine, warmup-linear, wsd, wsd-1sqrt, warmup-constant,
/// two-stage, warmup-plateau). <c>plateau</c> and
/// <c>warmup-plateau</c> halve the learning rate after 3 evaluations in a row without improvement (patience 2 counts
/// evaluations: the plateau sees the validation loss only when the trainer evaluates); <c>warmup-plateau</c> ramps
/// linearly from 0 over the warmup steps first, and its plateau sees only the evaluations after the warmup.
/// </summary>
public static class SchedulePresets
{
    /// <summary>The default preset: linear warmup then cosine decay to a tenth of the peak (nanoGPT's <c>get_lr</c>).</summary>
    public const string Default = "warmup-cosine";

    /// <summary>The preset names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["constant", "step", "warmup-cosine", "warmup-linear", "onecycle", "wsd", "cyclic", "plateau", "warmup-plateau", "exponential", "multistep", "cosine", "wsd-1sqrt", "warmup-constant", "two-stage"];

    /// <summary>
    /// The spec of preset <paramref name="name"/> for a run of <paramref name="steps"/> steps at peak learning rate
    /// <paramref name="lr"/>; the warmup presets warm up over <paramref name="warmupSteps"/> steps (null: 5% of the steps, at least 1).
    /// </summary>
    /// <exception cref="TrainingInputException">Unknown preset.</exception>
    public static string Spec(string name, int steps, double lr, OptimizerKind optimizer, int? warmupSteps = null)
    {
        var warmup = warmupSteps ?? Math.Max(1, steps / 20);
        var cycle = optimizer.HasMomentum() ? "true" : "false";
        var l = lr.ToString("R", CultureInfo.InvariantCulture);
        return name switch
        {
            "constant" => """{"type":"constant"}""",
            "step" => $$"""{"type":"StepLR","step_size":{{Math.Max(1, steps / 3)}},"gamma":0.3}""",
            "warmup-cosine" => $$"""{"type":"cosine_with_min_lr","num_warmup_steps":{{warmup}},"num_training_steps":{{steps}},"min_lr_rate":0.1}""",
            "warmup-linear" => $$"""{"type":"linear","num_warmup_steps":{{warmup}},"num_training_steps":{{steps}}}""",
            "onecycle" => $$"""{"type":"OneCycleLR","max_lr":{{l}},"total_steps":{{steps}},"cycle_momentum":{{cycle}}}""",
            "wsd" => $$"""{"type":"warmup_stable_decay","num_warmup_steps":{{warmup}},"num_decay_steps":{{Math.Max(1, steps / 5)}},"num_training_steps":{{steps}}}""",
            "cyclic" => $$"""{"type":"CyclicLR","base_lr":{{(lr / 10).ToString("R", CultureInfo.InvariantCulture)}},"max_lr":{{l}},"step_size_up":{{Math.Max(1, steps / 8)}},"mode":"triangular2","cycle_momentum":{{cycle}}}""",
            "plateau" => """{"type":"ReduceLROnPlateau","factor":0.5,"patience":2}""",
            "warmup-plateau" => $$$"""{"type":"warmup","num_warmup_steps":{{{warmup}}},"schedule":{"type":"ReduceLROnPlateau","factor":0.5,"patience":2}}""",
            // The article's classic decays, horizons from the run's steps: lr0 * gamma^t falling to 1% of the peak at the
            // last step; x0.1 at 50% and 75% of the run (the ResNet recipe); cosine annealing to 0 without warmup.
            "exponential" => $$"""{"type":"ExponentialLR","gamma":{{Math.Pow(0.01, 1.0 / steps).ToString("R", CultureInfo.InvariantCulture)}}}""",
            "multistep" => $$"""{"type":"MultiStepLR","milestones":[{{Math.Max(1, steps / 2)}},{{Math.Max(Math.Max(1, steps / 2) + 1, 3 * steps / 4)}}],"gamma":0.1}""",
            "cosine" => $$"""{"type":"CosineAnnealingLR","T_max":{{steps}},"eta_min":0}""",
            // Warmup-stable-decay with the 1-sqrt cooldown over the last 20% (Hägele et al. 2024).
            "wsd-1sqrt" => $$"""{"type":"warmup_stable_decay","num_warmup_steps":{{warmup}},"num_decay_steps":{{Math.Max(1, steps / 5)}},"num_training_steps":{{steps}},"decay_type":"1-sqrt"}""",
            // The two runs a loss law is fitted on (issue 10), with the same warmup as every warmup preset: warmup then
            // constant; and warmup, constant, then one drop to a tenth at mid-training (step steps / 2; the wrapped
            // schedule counts from the end of the warmup, hence the milestone steps / 2 - W).
            "warmup-constant" => $$"""{"type":"constant_with_warmup","num_warmup_steps":{{warmup}}}""",
            "two-stage" => $$$"""{"type":"warmup","num_warmup_steps":{{{warmup}}},"schedule":{"type":"MultiStepLR","milestones":[{{{Math.Max(1, (steps / 2) - warmup)}}}],"gamma":0.1}}""",
            _ => throw new TrainingInputException(TrainingOption.Schedule, Unknown(name)),
        };
    }

    /// <summary>
    /// Resolves a schedule argument once, at the caller's edge: null is the default preset; text starting with <c>{</c>
    /// is a JSON spec; an existing file is read as a JSON spec; anything else must be a preset name (whose horizon is
    /// <paramref name="steps"/> and whose peak is <paramref name="lr"/>).
    /// </summary>
    /// <exception cref="TrainingInputException">Unknown preset, unreadable file, or an invalid spec (the message names the JSON path).</exception>
    public static RunSchedule Resolve(string? value, int steps, double lr, OptimizerKind optimizer)
    {
        string json;
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            json = Spec(Default, steps, lr, optimizer);
        }
        else if (trimmed.StartsWith('{'))
        {
            json = trimmed;
        }
        else if (File.Exists(trimmed))
        {
            try
            {
                json = File.ReadAllText(trimmed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TrainingInputException(TrainingOption.Schedule, $": cannot read file '{trimmed}': {e.Message}");
            }
        }
        else if (trimmed.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || trimmed.Contains('/'))
        {
            throw new TrainingInputException(TrainingOption.Schedule, $": file '{trimmed}' does not exist");
        }
        else
        {
            json = Spec(trimmed, steps, lr, optimizer);
        }

        return RunSchedule.FromSpec(json);
    }

    private static string Unknown(string name)
    {
        var hint = Suggestions.Closest(name, Names) is { } close ? $" (did you mean '{close}'?)" : "";
        return $"'{name}' is not a preset, a JSON spec or an existing file{hint}; presets: {string.Join(", ", Names)}";
    }
}
