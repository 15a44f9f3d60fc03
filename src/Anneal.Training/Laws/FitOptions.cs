using System.Globalization;

namespace Anneal.Training.Laws;

/// <summary>How a law is fitted: which law, which observations, and the parametrization. The defaults are the choices
/// measured best in docs/reports/law (the Tissue law with lambda 0.99 on validation points after half the run, the warmup's
/// area as it was, learning rates in units of the peak).</summary>
public sealed record FitOptions
{
    /// <summary>The law to fit (Tissue et al.'s predicted the held-out runs of docs/reports/law best).</summary>
    public LawKind Law { get; init; } = LawKind.Tissue;

    /// <summary>What to fit: validation points or binned training losses (read by whoever builds the curves).</summary>
    public FitTarget Target { get; init; } = FitTarget.Validation;

    /// <summary>Steps per bin of training losses when <see cref="Target"/> is <see cref="FitTarget.Train"/>.</summary>
    public int TrainBin { get; init; } = 10;

    /// <summary>
    /// Points whose first state is before this many steps are not fitted; null: half the longest fitted run (on the
    /// 600-step runs of docs/reports/law, 300 steps: past the early fall of the loss that no power law of the LR area
    /// follows).
    /// </summary>
    public int? BurnIn { get; init; }

    /// <summary>How the warmup enters the forward area.</summary>
    public WarmupArea WarmupArea { get; init; } = WarmupArea.Actual;

    /// <summary>
    /// The Tissue law's decay factor <c>lambda</c>, or null to fit it. 0.99 (a memory of 100 steps, AdamW's beta2 here)
    /// predicted best in docs/reports/law; the paper's 0.999 and a fitted lambda (0.97) predicted 4 to 7 times worse.
    /// </summary>
    public double? Lambda { get; init; } = 0.99;

    /// <summary>Parameters held at a value instead of fitted, by name (<c>beta</c>, <c>gamma</c>, ...).</summary>
    public IReadOnlyDictionary<string, double> Fixed { get; init; } = new Dictionary<string, double>();

    /// <summary>Huber threshold on the log residuals <c>ln y - ln yhat</c> (1e-3 in both papers).</summary>
    public double HuberDelta { get; init; } = 1e-3;

    /// <summary>Count learning rates in units of the runs' peak (true) or as they are (false; for measuring the conditioning).</summary>
    public bool PeakUnits { get; init; } = true;

    /// <summary>Checks the options; every problem in one message.</summary>
    /// <exception cref="LawInputException">A value is out of range.</exception>
    public void Validate()
    {
        var errors = new List<LawProblem>();
        if (BurnIn is < 0)
        {
            errors.Add(new(LawOption.BurnIn, $"must be >= 0 (was {BurnIn})"));
        }

        if (TrainBin < 1)
        {
            errors.Add(new(LawOption.TrainBin, $"must be >= 1 (was {TrainBin})"));
        }

        if (Lambda is { } l && !(l > 0 && l < 1))
        {
            errors.Add(new(LawOption.Lambda, $"must be in (0, 1), or fitted (was {l.ToString(CultureInfo.InvariantCulture)})"));
        }

        var names = LossLaw.NamesOf(Law);
        foreach (var (name, value) in Fixed)
        {
            if (!names.Contains(name))
            {
                errors.Add(new(LawOption.Fixed, $": the {LawNames.Of(Law)} law has no parameter '{name}' (it has {string.Join(", ", names)})"));
            }
            else if (!double.IsFinite(value) || (name != "L0" && !(value > 0)) || (name == "lambda" && !(value < 1)))
            {
                errors.Add(new(LawOption.Fixed, $": {name} must be {(name == "L0" ? "a finite number" : name == "lambda" ? "in (0, 1)" : "> 0")} (was {value.ToString(CultureInfo.InvariantCulture)})"));
            }
        }

        if (!(HuberDelta > 0) || !double.IsFinite(HuberDelta))
        {
            errors.Add(new(LawOption.HuberDelta, $"must be a finite number > 0 (was {HuberDelta.ToString(CultureInfo.InvariantCulture)})"));
        }

        if (errors.Count > 0)
        {
            throw new LawInputException(errors);
        }
    }
}
