namespace Anneal.Training.Laws;

/// <summary>
/// The learning-rate sums a loss law reads off one schedule: the per-step rates <c>u_i = eta_i / eta_ref</c> in units of
/// a reference learning rate (the fitted runs' peak), their prefix sums, the end of the warmup and the drops after it.
/// Step <c>i</c> is the <c>i</c>-th optimizer step (row <c>i</c> of <c>metrics.csv</c>); the loss "after n steps" has seen
/// <c>u_0 .. u_(n-1)</c>.
/// </summary>
/// <remarks>
/// In peak units the laws' parameters are numbers of order one whatever the optimizer's learning rate: the laws are
/// invariant under a change of LR units (every scale is absorbed by <c>A</c>, <c>B</c>, <c>C</c>), so the units only
/// decide how well conditioned the fit is.
/// </remarks>
public sealed class LrSums
{
    private readonly double[] _rates;
    private readonly double[] _prefix;
    private readonly double _warmupCorrection;

    /// <summary>The sums of <paramref name="learningRates"/> (one per optimizer step) in units of <paramref name="referenceLr"/>.</summary>
    /// <exception cref="ArgumentException">No steps, a rate that is negative or not finite, or a reference that is not &gt; 0.</exception>
    public LrSums(IReadOnlyList<double> learningRates, double referenceLr, WarmupArea warmupArea)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        if (learningRates.Count == 0)
        {
            throw new ArgumentException("the schedule has no steps", nameof(learningRates));
        }

        if (!(referenceLr > 0) || !double.IsFinite(referenceLr))
        {
            throw new ArgumentException($"the reference learning rate must be > 0 (was {referenceLr})", nameof(referenceLr));
        }

        _rates = new double[learningRates.Count];
        _prefix = new double[learningRates.Count + 1];
        var max = 0.0;
        for (var i = 0; i < _rates.Length; i++)
        {
            var lr = learningRates[i];
            if (!(lr >= 0) || !double.IsFinite(lr))
            {
                throw new ArgumentException($"learning rate at step {i} must be a finite number >= 0 (was {lr})", nameof(learningRates));
            }

            _rates[i] = lr / referenceLr;
            _prefix[i + 1] = _prefix[i] + _rates[i];
            max = Math.Max(max, _rates[i]);
        }

        ReferenceLr = referenceLr;
        WarmupArea = warmupArea;
        var peak = 0;
        while (_rates[peak] < max * (1 - 1e-12))
        {
            peak++;
        }

        PeakIndex = peak;
        Peak = max;
        _warmupCorrection = warmupArea == WarmupArea.Peak ? peak * max - _prefix[peak] : 0.0;
        var drops = new List<int>();
        for (var k = peak + 1; k < _rates.Length; k++)
        {
            if (_rates[k] != _rates[k - 1])
            {
                drops.Add(k);
            }
        }

        DropSteps = [.. drops];
    }

    /// <summary>Optimizer steps in the schedule.</summary>
    public int Steps => _rates.Length;

    /// <summary>The learning rate the sums are counted in (1 unit).</summary>
    public double ReferenceLr { get; }

    /// <summary>How the warmup enters <see cref="Area"/>.</summary>
    public WarmupArea WarmupArea { get; }

    /// <summary>Rate <c>u_i</c> at step <paramref name="step"/> (reference units).</summary>
    public double Rate(int step) => _rates[step];

    /// <summary>The rates, reference units.</summary>
    public IReadOnlyList<double> Rates => _rates;

    /// <summary>The end of the warmup: the first step at the schedule's largest rate (0 when it starts at its peak).</summary>
    public int PeakIndex { get; }

    /// <summary>The schedule's largest rate (reference units).</summary>
    public double Peak { get; }

    /// <summary>The steps <c>k &gt; PeakIndex</c> at which the rate changes (<c>u_k != u_(k-1)</c>), ascending.</summary>
    internal int[] DropSteps { get; }

    /// <summary>
    /// The forward area after <paramref name="steps"/> steps, <c>S1 = sum_(i &lt; n) u_i</c>; with
    /// <see cref="Laws.WarmupArea.Peak"/> every warmup step counts at the peak.
    /// </summary>
    public double Area(int steps)
    {
        if (WarmupArea == WarmupArea.Actual || steps >= PeakIndex)
        {
            return _prefix[steps] + _warmupCorrection;
        }

        return steps * Peak;
    }

    /// <summary><c>sum_(from &lt;= i &lt; to) u_i</c>, the actual rates.</summary>
    public double Sum(int from, int to) => _prefix[to] - _prefix[from];
}
