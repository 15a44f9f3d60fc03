namespace Anneal;

/// <summary>
/// A configuration PyTorch or Hugging Face accepts but that does something other than its parameters suggest
/// (a zero length, a zero factor, a warmup as long as training, a chained member that overrides the others).
/// Anneal reproduces the library's numbers and says what they are. <see cref="ToString"/> reads
/// <c>total_iters is 0: PyTorch applies factor at step 0 and never undoes it, so the learning rate stays base_lr * factor</c>;
/// inside a composite the parameter carries its spec path (<c>schedulers[1].total_iters</c>).
/// </summary>
/// <param name="Parameter">The parameter or spec path the warning is about; empty for the schedule as a whole.</param>
/// <param name="Message">What the configuration does, starting with the offending value.</param>
public sealed record ScheduleWarning(string Parameter, string Message)
{
    /// <summary>The same warning with <paramref name="prefix"/> (a spec path ending in a dot) in front of the parameter.</summary>
    internal ScheduleWarning WithPrefix(string prefix) =>
        this with { Parameter = Parameter.Length == 0 ? prefix.TrimEnd('.') : prefix + Parameter };

    /// <inheritdoc />
    public override string ToString() => Parameter.Length == 0 ? Message : $"{Parameter} {Message}";
}
