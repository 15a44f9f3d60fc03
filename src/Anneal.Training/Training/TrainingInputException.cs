namespace Anneal.Training;

/// <summary>One problem with the input.</summary>
/// <param name="Option">What it is about, or null for a problem of no one option.</param>
/// <param name="Text">
/// The problem, phrased to follow the option's name: after a space (<c>must be &gt;= 1 (was 0)</c>), or directly when it
/// starts with a colon (<c>: file 'x' does not exist</c>); naming no option or flag itself.
/// </param>
public sealed record OptionProblem(TrainingOption? Option, string Text)
{
    /// <summary>The problem with the option named by <paramref name="name"/> (API names by default).</summary>
    public string Render(Func<TrainingOption, string>? name = null) =>
        Phrase(Option is { } o ? (name ?? (x => x.ToString()))(o) : null, Text);

    /// <summary><paramref name="text"/> after the option's name <paramref name="named"/> (a space, or none before a colon); without a name, the text alone.</summary>
    internal static string Phrase(string? named, string text) =>
        named is null ? text.TrimStart(':', ' ') : text.StartsWith(':') ? named + text : $"{named} {text}";
}

/// <summary>
/// Bad input to a training run (options, data, schedule, directories): every problem found, each with the option it is
/// about, and how to get past them. The message is one line in the API's words.
/// </summary>
public sealed class TrainingInputException : Exception
{
    /// <summary>One problem.</summary>
    public TrainingInputException(TrainingOption? option, string text, Remedy? remedy = null)
        : this([new OptionProblem(option, text)], remedy)
    {
    }

    /// <summary>Several problems, reported together.</summary>
    public TrainingInputException(IReadOnlyList<OptionProblem> problems, Remedy? remedy = null, string? context = null)
        : base(Render(problems, remedy, context, null, r => r.Describe()))
    {
        if (problems.Count == 0)
        {
            throw new ArgumentException("at least one problem is needed", nameof(problems));
        }

        Problems = problems;
        Remedy = remedy;
        Context = context;
    }

    /// <summary>The problems, in the order found.</summary>
    public IReadOnlyList<OptionProblem> Problems { get; }

    /// <summary>How to get past them, or null.</summary>
    public Remedy? Remedy { get; }

    /// <summary>What the problems were found in (a compared run's name, a file's line), shown first; or null.</summary>
    public string? Context { get; }

    /// <summary>The option of the first problem, or null.</summary>
    public TrainingOption? Option => Problems[0].Option;

    /// <summary>The context, the problems joined with <c>; </c> (options named by <paramref name="name"/>), then the remedy (by <paramref name="remedy"/>).</summary>
    public string Render(Func<TrainingOption, string> name, Func<Remedy, string> remedy) => Render(Problems, Remedy, Context, name, remedy);

    /// <summary>The same problems, those about no option now about <paramref name="option"/> (the directory or run an API call was given).</summary>
    public TrainingInputException About(TrainingOption option) =>
        new([.. Problems.Select(p => p.Option is null ? new OptionProblem(option, ": " + p.Text) : p)], Remedy, Context);

    /// <summary>The same problems found in <paramref name="context"/> (outermost first).</summary>
    public TrainingInputException WithContext(string context) =>
        new(Problems, Remedy, Context is null ? context : $"{context}: {Context}");

    private static string Render(IReadOnlyList<OptionProblem> problems, Remedy? remedy, string? context, Func<TrainingOption, string>? name, Func<Remedy, string> describe)
    {
        var text = string.Join("; ", problems.Select(p => p.Render(name)));
        text = context is null ? text : $"{context}: {text}";
        return remedy is null ? text : $"{text}; {describe(remedy)}";
    }
}

/// <summary>Something the run goes on with but the user should know, with the option it is about.</summary>
/// <param name="Option">The option, or null.</param>
/// <param name="Text">The warning, phrased to follow the option's name after a space.</param>
public sealed record TrainingWarning(TrainingOption? Option, string Text)
{
    /// <summary>The warning with the option named by <paramref name="name"/> (API names by default).</summary>
    public string Render(Func<TrainingOption, string>? name = null) => new OptionProblem(Option, Text).Render(name);
}
