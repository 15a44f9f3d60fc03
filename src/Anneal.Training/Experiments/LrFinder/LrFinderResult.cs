using System.Text.Json.Serialization;
using Anneal.Training.Runs;

namespace Anneal.Training.Experiments;

/// <summary>Why a sweep ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrFinderStop>))]
public enum LrFinderStop
{
    /// <summary>All steps were taken.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>The smoothed loss exceeded 4 × its minimum.</summary>
    [JsonStringEnumMemberName("diverged")]
    Diverged,

    /// <summary>The training loss became NaN or infinite; that step was not applied.</summary>
    [JsonStringEnumMemberName("non_finite_loss")]
    NonFiniteLoss,

    /// <summary>Cancelled (Ctrl-C).</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}

/// <summary>One recorded step of a sweep.</summary>
/// <param name="Step">The step (0-based).</param>
/// <param name="LearningRate">The learning rate the step ran at.</param>
/// <param name="Loss">The step's training loss (nats per token).</param>
/// <param name="SmoothedLoss">The bias-corrected moving average of the losses so far (<see cref="LossSmoother"/>); NaN for a non-finite loss.</param>
public sealed record LrFinderPoint(int Step, double LearningRate, double Loss, double SmoothedLoss);

/// <summary>The outcome of an LR range test.</summary>
/// <param name="Stop">Why the sweep ended.</param>
/// <param name="Message">One line saying why and where it stopped.</param>
/// <param name="Points">Every recorded step.</param>
/// <param name="Suggestions">The suggestions, or null when the sweep diverged before the analysis window held 2 steps.</param>
/// <param name="SuggestedPeak">The peak learning rate of the suggested schedule (the <see cref="LrFinderOptions.Peak"/> suggestion, by default the steep one), or null.</param>
/// <param name="SuggestedSchedule">The suggested schedule's JSON spec (multiplies <c>--lr</c> = the peak), or null.</param>
/// <param name="TrainingSteps">The steps of the training run the suggested schedule is written for.</param>
/// <param name="OutputDirectory">Where the files were written.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record LrFinderResult(
    LrFinderStop Stop,
    string Message,
    IReadOnlyList<LrFinderPoint> Points,
    LrSuggestions? Suggestions,
    double? SuggestedPeak,
    string? SuggestedSchedule,
    int TrainingSteps,
    string OutputDirectory,
    TimeSpan Elapsed);

/// <summary><c>lr_find.json</c>: what the sweep did and suggests.</summary>
public sealed record LrFinderSummary
{
    /// <summary>The format this version writes.</summary>
    public const string CurrentFormat = "anneal.find-lr/2";

    /// <summary>The format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The model, data and optimizer.</summary>
    public required TrainingOptions Options { get; init; }

    /// <summary>The sweep.</summary>
    public required LrFinderSweep Sweep { get; init; }

    /// <summary>The data, in words.</summary>
    public required string Data { get; init; }

    /// <summary>Why the sweep ended.</summary>
    public LrFinderStop Stop { get; init; }

    /// <summary>Where and why, in words.</summary>
    public required string Message { get; init; }

    /// <summary>Steps recorded.</summary>
    public int StepsDone { get; init; }

    /// <summary>The first step analysed and one past the last, or null without suggestions.</summary>
    public IReadOnlyList<int>? Window { get; init; }

    /// <summary>The suggestions, or null.</summary>
    public LrFinderSuggestionSet? Suggestions { get; init; }

    /// <summary>The suggested peak, or null.</summary>
    public double? SuggestedPeakLr { get; init; }

    /// <summary>The suggested schedule's spec (a JSON object), or null.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public string? SuggestedSchedule { get; init; }

    /// <summary>The steps the suggested schedule is written for.</summary>
    public int SuggestedScheduleSteps { get; init; }

    /// <summary>Wall time.</summary>
    public double WallSeconds { get; init; }
}

/// <summary>The sweep in <c>lr_find.json</c>.</summary>
/// <param name="StartLr">First learning rate.</param>
/// <param name="EndLr">The learning rate step <c>Steps</c> would run at.</param>
/// <param name="Steps">Steps of the sweep.</param>
/// <param name="StopOnDivergence">Whether it stops once the smoothed loss exceeds 4 × its minimum.</param>
/// <param name="Schedule">The sweep's schedule spec (a JSON object).</param>
/// <param name="SmoothingBeta">β of the smoothed loss.</param>
/// <param name="PeakRule">The rule for the suggested peak.</param>
public sealed record LrFinderSweep(double StartLr, double EndLr, int Steps, bool StopOnDivergence, [property: JsonConverter(typeof(RawJsonConverter))] string Schedule, double SmoothingBeta, LrPeakRule PeakRule);

/// <summary>The three suggestions in <c>lr_find.json</c>.</summary>
/// <param name="Valley">fastai's valley.</param>
/// <param name="Steep">The steepest fall.</param>
/// <param name="Minimum">A tenth of the learning rate at the minimum.</param>
public sealed record LrFinderSuggestionSet(
    LrFinderSuggestionPoint Valley,
    LrFinderSuggestionPoint Steep,
    [property: JsonPropertyName("minimum/10")] LrFinderSuggestionPoint Minimum);

/// <summary>One suggestion in <c>lr_find.json</c>.</summary>
/// <param name="Lr">The suggested learning rate.</param>
/// <param name="Step">The step the rule picked.</param>
/// <param name="LrAtStep">The learning rate of that step.</param>
/// <param name="SmoothedLoss">The smoothed loss there.</param>
public sealed record LrFinderSuggestionPoint(double Lr, int Step, double LrAtStep, double SmoothedLoss);
