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

    /// <inheritdoc />
    public override string? ParamName => Parameter.Length == 0 ? null : Parameter;

    /// <inheritdoc />
    public override string Message => Parameter.Length == 0 ? Rule : $"{Parameter} {Rule}";

    /// <summary>The same error with <paramref name="path"/> (the JSON path of the schedule object) in front, marked as a full path.</summary>
    internal ScheduleArgumentException UnderPath(string path) =>
        IsFullPath ? this : new(path.Length == 0 ? Parameter : Parameter.Length == 0 ? path : $"{path}.{Parameter}", Rule) { IsFullPath = true };

    /// <summary>True when <see cref="Parameter"/> is already the full JSON path from the spec's root.</summary>
    internal bool IsFullPath { get; init; }

    /// <summary>The same error with <paramref name="prefix"/> put in front of the parameter (a JSON path).</summary>
    public ScheduleArgumentException WithPrefix(string prefix) =>
        new(Parameter.Length == 0 ? prefix.TrimEnd('.') : prefix + Parameter, Rule) { IsFullPath = IsFullPath };
}
