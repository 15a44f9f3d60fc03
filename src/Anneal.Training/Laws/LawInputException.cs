namespace Anneal.Training.Laws;

/// <summary>The options of fitting, predicting and searching that an input problem can be about.</summary>
public enum LawOption
{
    /// <summary>The runs to fit.</summary>
    Runs,

    /// <summary><see cref="FitOptions.TrainBin"/>.</summary>
    TrainBin,

    /// <summary><see cref="FitOptions.BurnIn"/>.</summary>
    BurnIn,

    /// <summary><see cref="FitOptions.Lambda"/>.</summary>
    Lambda,

    /// <summary><see cref="FitOptions.Fixed"/>.</summary>
    Fixed,

    /// <summary><see cref="FitOptions.HuberDelta"/>.</summary>
    HuberDelta,

    /// <summary>A law file (<see cref="LawFile"/>).</summary>
    LawFile,

    /// <summary>A schedule to predict or train.</summary>
    Schedule,

    /// <summary>The steps of a predicted or searched schedule.</summary>
    Steps,

    /// <summary>The knots of a free-form search.</summary>
    Knots,

    /// <summary>The family of a search (<see cref="ScheduleFamily"/>).</summary>
    Family,
}

/// <summary>One problem with the input of a fit, a prediction or a search, and the option it is about.</summary>
/// <param name="Option">The option, or null.</param>
/// <param name="Text">What is wrong, phrased to follow the option's name after a space (or to stand alone, starting with <c>:</c>, when the option is a subject).</param>
public sealed record LawProblem(LawOption? Option, string Text)
{
    /// <summary>The problem with the option named by <paramref name="name"/> (API names by default).</summary>
    public string Render(Func<LawOption, string>? name = null) =>
        OptionProblem.Phrase(Option is { } o ? (name ?? (x => x.ToString()))(o) : null, Text);
}

/// <summary>
/// Bad input to a fit, a prediction or a schedule search: every problem found, each with the option it is about (the
/// command line names its flags). The message is one line in the API's words.
/// </summary>
public sealed class LawInputException : Exception
{
    /// <summary>One problem.</summary>
    public LawInputException(LawOption? option, string text)
        : this([new LawProblem(option, text)])
    {
    }

    /// <summary>Several problems, reported together.</summary>
    public LawInputException(IReadOnlyList<LawProblem> problems)
        : base(string.Join("; ", problems.Select(p => p.Render())))
    {
        Problems = problems;
    }

    /// <summary>The problems, in the order found.</summary>
    public IReadOnlyList<LawProblem> Problems { get; }

    /// <summary>The problems joined with <c>; </c>, options named by <paramref name="name"/>.</summary>
    public string Render(Func<LawOption, string> name) => string.Join("; ", Problems.Select(p => p.Render(name)));
}
