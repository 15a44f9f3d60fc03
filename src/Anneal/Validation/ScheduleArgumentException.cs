namespace Anneal;

/// <summary>
/// A schedule parameter broke a rule. <see cref="Exception.Message"/> reads
/// <c>T_max must be &gt; 0 (was 0)</c>: the parameter in its PyTorch / Hugging Face spelling, the rule and the value.
/// A JSON spec error prefixes the path (<c>schedulers[1].T_max must be &gt; 0 (was 0)</c>).
/// </summary>
public sealed class ScheduleArgumentException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="parameter"/> with the rule text <paramref name="rule"/>.</summary>
    public ScheduleArgumentException(string parameter, string rule)
        : base(parameter.Length == 0 ? rule : $"{parameter} {rule}")
    {
        Parameter = parameter;
        Rule = rule;
    }

    /// <summary>The parameter name or JSON path, e.g. <c>schedulers[1].T_max</c>; empty for the spec as a whole.</summary>
    public string Parameter { get; }

    /// <summary>The rule and the offending value, e.g. <c>must be &gt; 0 (was 0)</c>.</summary>
    public string Rule { get; }

    /// <summary>The same error with <paramref name="prefix"/> put in front of the parameter (a JSON path).</summary>
    public ScheduleArgumentException WithPrefix(string prefix) =>
        new(Parameter.Length == 0 ? prefix.TrimEnd('.') : prefix + Parameter, Rule);
}
