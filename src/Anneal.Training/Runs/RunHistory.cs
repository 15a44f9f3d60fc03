using System.Globalization;
using System.Text;

namespace Anneal.Training.Runs;

/// <summary>One optimizer step of a run, as <c>metrics.csv</c> holds it.</summary>
/// <param name="Step">The step, numbered from 0: it ran at the schedule's value at <paramref name="Step"/>.</param>
/// <param name="Tokens">Training tokens seen after it.</param>
/// <param name="LearningRates">The learning rate of each parameter group during it.</param>
/// <param name="TrainLoss">Its mean training loss (nats per token).</param>
/// <param name="ValidationLoss">The validation loss measured after it, or null when it was not an evaluation step.</param>
/// <param name="TokensPerSecond">Its training throughput (to 0.1 token/s).</param>
public sealed record MetricRow(int Step, long Tokens, IReadOnlyList<double> LearningRates, double TrainLoss, double? ValidationLoss, double TokensPerSecond)
{
    /// <inheritdoc />
    public bool Equals(MetricRow? other) =>
        other is not null && Step == other.Step && Tokens == other.Tokens && LearningRates.SequenceEqual(other.LearningRates) &&
        TrainLoss.Equals(other.TrainLoss) && Nullable.Equals(ValidationLoss, other.ValidationLoss) && TokensPerSecond.Equals(other.TokensPerSecond);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Step, Tokens, TrainLoss);
}

/// <summary>One evaluation of a run: after step <c>Step</c> (0-based), having seen <c>Tokens</c> training tokens.</summary>
public readonly record struct Evaluation(int Step, long Tokens, double ValidationLoss);

/// <summary>
/// A run's whole history, every session's steps in order: the learning rates, training losses and validation points of
/// <c>metrics.csv</c> (<see cref="RunDirectory.ReadHistory"/>). A run started from another run's checkpoint begins at that
/// checkpoint's step.
/// </summary>
/// <param name="Groups">Parameter groups (learning-rate columns).</param>
/// <param name="Rows">The steps, in order.</param>
public sealed record RunHistory(int Groups, IReadOnlyList<MetricRow> Rows)
{
    /// <summary>An empty history of <paramref name="groups"/> groups.</summary>
    public static RunHistory Empty(int groups) => new(groups, []);

    /// <summary>Every step's index.</summary>
    public IReadOnlyList<int> Steps => [.. Rows.Select(r => r.Step)];

    /// <summary>Every step's training loss.</summary>
    public IReadOnlyList<double> TrainLosses => [.. Rows.Select(r => r.TrainLoss)];

    /// <summary>Every step's learning rate of group <paramref name="group"/> (0: the weight matrices).</summary>
    public IReadOnlyList<double> LearningRates(int group = 0) => [.. Rows.Select(r => r.LearningRates[group])];

    /// <summary>The validation evaluations, in order.</summary>
    public IReadOnlyList<Evaluation> Evaluations =>
        [.. Rows.Where(r => r.ValidationLoss is not null).Select(r => new Evaluation(r.Step, r.Tokens, r.ValidationLoss!.Value))];

    /// <summary>The rows of steps before <paramref name="step"/>.</summary>
    public RunHistory Before(int step) => this with { Rows = [.. Rows.Where(r => r.Step < step)] };

    /// <summary>This history followed by <paramref name="rows"/>.</summary>
    public RunHistory Append(IEnumerable<MetricRow> rows) => this with { Rows = [.. Rows, .. rows] };

    /// <summary>The header line of <c>metrics.csv</c> for <paramref name="groups"/> groups.</summary>
    public static string CsvHeader(int groups) =>
        "step,tokens," + string.Join(",", Enumerable.Range(0, groups).Select(g => $"lr_group{g}")) + ",train_loss,val_loss,tokens_per_s";

    /// <summary>One line of <c>metrics.csv</c> (round-trip precision, so the doubles read back equal).</summary>
    public static string CsvLine(MetricRow row)
    {
        var line = new StringBuilder();
        line.Append(row.Step.ToString(CultureInfo.InvariantCulture)).Append(',').Append(row.Tokens.ToString(CultureInfo.InvariantCulture));
        foreach (var lr in row.LearningRates)
        {
            line.Append(',').Append(lr.ToString("R", CultureInfo.InvariantCulture));
        }

        line.Append(',').Append(row.TrainLoss.ToString("R", CultureInfo.InvariantCulture));
        line.Append(',').Append(row.ValidationLoss?.ToString("R", CultureInfo.InvariantCulture) ?? "");
        line.Append(',').Append(row.TokensPerSecond.ToString("F1", CultureInfo.InvariantCulture));
        return line.ToString();
    }

    /// <summary>
    /// Parses <c>metrics.csv</c> by its column names; a torn line (the last of a killed run) is skipped.
    /// </summary>
    /// <exception cref="TrainingInputException">The header lacks a column, or a complete row holds a malformed number.</exception>
    public static RunHistory ParseCsv(IEnumerable<string> lines, string path)
    {
        using var e = lines.GetEnumerator();
        if (!e.MoveNext())
        {
            return Empty(0);
        }

        var header = e.Current.Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0
            ? i
            : throw new TrainingInputException(null, $"'{path}' has no '{name}' column; it is not an anneal metrics file");
        int step = Column("step"), tokens = Column("tokens"), train = Column("train_loss"), val = Column("val_loss"), speed = Column("tokens_per_s");
        var lrColumns = header.Select((h, i) => (h, i)).Where(p => p.h.StartsWith("lr_group", StringComparison.Ordinal)).Select(p => p.i).ToArray();
        var rows = new List<MetricRow>();
        var number = 1;
        while (e.MoveNext())
        {
            number++;
            var cells = e.Current.Split(',');
            if (cells.Length != header.Length)
            {
                continue; // a torn last line of a killed run
            }

            try
            {
                rows.Add(new MetricRow(
                    int.Parse(cells[step], CultureInfo.InvariantCulture),
                    long.Parse(cells[tokens], CultureInfo.InvariantCulture),
                    [.. lrColumns.Select(c => double.Parse(cells[c], CultureInfo.InvariantCulture))],
                    double.Parse(cells[train], CultureInfo.InvariantCulture),
                    cells[val].Length > 0 ? double.Parse(cells[val], CultureInfo.InvariantCulture) : null,
                    double.Parse(cells[speed], CultureInfo.InvariantCulture)));
            }
            catch (FormatException)
            {
                throw new TrainingInputException(null, $"'{path}' line {number} is not a metrics row ('{e.Current}')");
            }
        }

        return new RunHistory(lrColumns.Length, rows);
    }
}
