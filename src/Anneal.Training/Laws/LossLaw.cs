namespace Anneal.Training.Laws;

/// <summary>
/// A loss law: the loss after <c>n</c> optimizer steps as a function of the learning rates of those steps
/// (<see cref="LrSums"/>), with fitted parameters. An immutable value; <see cref="MultiPowerLaw"/> and
/// <see cref="TissueLaw"/> are the two laws.
/// </summary>
public abstract record LossLaw
{
    /// <summary>Which law this is.</summary>
    public abstract LawKind Kind { get; }

    /// <summary>The parameters' names in <see cref="ToVector"/> order, as the papers write them.</summary>
    public abstract IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The parameters in <see cref="ParameterNames"/> order.</summary>
    public abstract double[] ToVector();

    /// <summary>The parameter names of <paramref name="kind"/>.</summary>
    public static IReadOnlyList<string> NamesOf(LawKind kind) => kind == LawKind.MultiPower ? MultiPowerLaw.Names : TissueLaw.Names;

    /// <summary>The law of kind <paramref name="kind"/> with parameters <paramref name="v"/> (in <see cref="NamesOf"/> order).</summary>
    /// <exception cref="ArgumentException">Wrong number of parameters.</exception>
    public static LossLaw FromVector(LawKind kind, IReadOnlyList<double> v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.Count != NamesOf(kind).Count)
        {
            throw new ArgumentException($"the {LawNames.Of(kind)} law has {NamesOf(kind).Count} parameters ({string.Join(", ", NamesOf(kind))}), not {v.Count}");
        }

        return kind == LawKind.MultiPower
            ? new MultiPowerLaw(v[0], v[1], v[2], v[3], v[4], v[5], v[6])
            : new TissueLaw(v[0], v[1], v[2], v[3], v[4]);
    }

    /// <summary>The loss after <paramref name="steps"/> steps (1 &lt;= steps &lt;= <c>sums.Steps</c>) of the schedule <paramref name="sums"/>.</summary>
    public double Loss(LrSums sums, int steps)
    {
        ArgumentNullException.ThrowIfNull(sums);
        return Prepare(sums).Loss(steps, []);
    }

    /// <summary>The loss after each number of steps: element <c>n - 1</c> is the loss after <c>n</c> steps, <c>n = 1 .. sums.Steps</c>.</summary>
    public double[] Curve(LrSums sums)
    {
        ArgumentNullException.ThrowIfNull(sums);
        var evaluator = Prepare(sums);
        var curve = new double[sums.Steps];
        for (var n = 1; n <= sums.Steps; n++)
        {
            curve[n - 1] = evaluator.Loss(n, []);
        }

        return curve;
    }

    /// <summary>
    /// The loss after all <c>sums.Steps</c> steps and its derivative with respect to each rate <c>u_t</c>, written to
    /// <paramref name="gradient"/> for <c>t &gt; sums.PeakIndex</c> (the steps a schedule search may change; earlier
    /// entries are left as they were). Used by the schedule search.
    /// </summary>
    internal abstract double FinalLoss(LrSums sums, Span<double> gradient);

    /// <summary>Precomputes what the loss at every step of <paramref name="sums"/> shares.</summary>
    internal abstract ICurveEvaluator Prepare(LrSums sums);
}

/// <summary>A law prepared for one schedule: the loss after <c>n</c> steps and, when asked, its gradient in the parameters.</summary>
internal interface ICurveEvaluator
{
    /// <summary>The loss after <paramref name="steps"/> steps; when <paramref name="gradient"/> is not empty, adds nothing and writes <c>dL/dparameter</c> into it.</summary>
    double Loss(int steps, Span<double> gradient);
}
