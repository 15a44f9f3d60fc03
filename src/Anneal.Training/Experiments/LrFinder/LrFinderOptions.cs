using System.Globalization;
using System.Text.Json.Serialization;

namespace Anneal.Training.Experiments;

/// <summary>Which suggestion becomes the peak of the suggested schedule.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrPeakRule>))]
public enum LrPeakRule
{
    /// <summary>fastai's default: the middle of the longest valley (<c>valley</c>).</summary>
    [JsonStringEnumMemberName("valley")]
    Valley,

    /// <summary>The steepest fall of the smoothed loss against log lr (<c>steep</c>).</summary>
    [JsonStringEnumMemberName("steep")]
    Steep,

    /// <summary>A tenth of the learning rate at the minimum (<c>minimum</c>).</summary>
    [JsonStringEnumMemberName("minimum")]
    Minimum,
}

/// <summary>The names of <see cref="LrPeakRule"/>.</summary>
public static class LrPeakRules
{
    /// <summary>The names as a phrase: <c>valley, steep or minimum</c>.</summary>
    public static string List => EnumNames<LrPeakRule>.List;

    /// <summary>The name of <paramref name="rule"/>.</summary>
    public static string Name(this LrPeakRule rule) => EnumNames<LrPeakRule>.Name(rule);

    /// <summary>The name of the suggestion the rule picks: <c>valley</c>, <c>steep</c> or <c>minimum/10</c>.</summary>
    public static string SuggestionName(this LrPeakRule rule) => rule == LrPeakRule.Minimum ? "minimum/10" : rule.Name();

    /// <summary>Parses a name.</summary>
    /// <exception cref="TrainingInputException">Not a name (<see cref="TrainingOption.Peak"/>).</exception>
    public static LrPeakRule Parse(string name) => EnumNames<LrPeakRule>.Parse(name, TrainingOption.Peak);
}

/// <summary>The sweep of an LR range test; the model, data and optimizer come from <see cref="TrainingOptions"/>.</summary>
public sealed record LrFinderOptions
{
    /// <summary>The learning rate of step 0 (fastai: 1e-7).</summary>
    public double StartLr { get; init; } = 1e-7;

    /// <summary>The learning rate the sweep approaches: step <c>Steps</c> would run at it (fastai: 10).</summary>
    public double EndLr { get; init; } = 10;

    /// <summary>Steps of the sweep (fastai: 100); the sweep stops earlier when the loss diverges.</summary>
    public int Steps { get; init; } = 200;

    /// <summary>Stop once the smoothed loss exceeds 4 × its minimum (fastai's <c>stop_div</c>); NaN or infinity always stops.</summary>
    public bool StopOnDivergence { get; init; } = true;

    /// <summary>
    /// The suggestion used as the peak of the suggested schedule: steep (the default), valley (fastai's default) or
    /// minimum (minimum/10). Steep is the default here because on the default GPT and corpus the
    /// valley rule picked about 1e-4, 20-30x below the peak that trains best (3e-3, which steep and minimum/10 both
    /// suggest): a language model keeps learning during the sweep, so its loss falls over several decades of LR and
    /// the middle of that long valley is far too low.
    /// </summary>
    public LrPeakRule Peak { get; init; } = LrPeakRule.Steep;

    /// <summary>The most steps a sweep may have (the valley rule is quadratic in the steps).</summary>
    public const int MaxSteps = 10_000;

    /// <summary>Checks the sweep; all problems are gathered into one exception.</summary>
    /// <exception cref="TrainingInputException">A value is out of range.</exception>
    public void Validate()
    {
        var errors = new List<OptionProblem>();
        var startOk = PositiveFinite(StartLr, TrainingOption.StartLr, errors);
        var endOk = PositiveFinite(EndLr, TrainingOption.EndLr, errors);
        if (startOk && endOk && StartLr >= EndLr)
        {
            errors.Add(new OptionProblem(TrainingOption.StartLr, $"must be less than the end learning rate (was {Show(StartLr)} and {Show(EndLr)})"));
        }

        if (Steps < 10)
        {
            errors.Add(new OptionProblem(TrainingOption.SweepSteps, $"must be >= 10 (was {Steps})"));
        }
        else if (Steps > MaxSteps)
        {
            errors.Add(new OptionProblem(TrainingOption.SweepSteps, $"must be <= {MaxSteps} (was {Steps})"));
        }

        if (!Enum.IsDefined(Peak))
        {
            errors.Add(new OptionProblem(TrainingOption.Peak, $"must be {EnumNames<LrPeakRule>.List} (was {(int)Peak})"));
        }

        if (errors.Count > 0)
        {
            throw new TrainingInputException(errors);
        }
    }

    /// <summary>
    /// The sweep as an Anneal schedule: <see cref="ExponentialLR"/> with <c>gamma = (EndLr / StartLr)^(1 / Steps)</c>,
    /// driven from a base learning rate of <see cref="StartLr"/>, so step i runs at
    /// <c>StartLr · (EndLr / StartLr)^(i / Steps)</c>: <c>StartLr</c> at step 0, and the last step (<c>Steps - 1</c>) at
    /// <c>EndLr / gamma</c>, just below <c>EndLr</c> (fastai's <c>SchedExp</c> at <c>train_iter / num_it</c>).
    /// </summary>
    public ExponentialLR Schedule() => new(Math.Pow(EndLr / StartLr, 1.0 / Steps));

    private static bool PositiveFinite(double value, TrainingOption option, List<OptionProblem> errors)
    {
        if (value > 0 && double.IsFinite(value))
        {
            return true;
        }

        errors.Add(new OptionProblem(option, $"must be a finite number > 0 (was {Show(value)})"));
        return false;
    }

    internal static string Show(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}

