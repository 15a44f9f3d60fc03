using System.Text;

namespace Anneal.Training.Data;

/// <summary>
/// One token per Unicode scalar value (a <see cref="Rune"/>: a surrogate pair is one token). The vocabulary is the
/// distinct runes of the text it is built from, sorted by code point, so it is the same for the same text on every run.
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    private readonly Rune[] _runes;
    private readonly Dictionary<Rune, int> _ids;

    /// <summary>Creates a tokenizer whose vocabulary is exactly <paramref name="vocabulary"/> (sorted and de-duplicated).</summary>
    public CharTokenizer(IEnumerable<Rune> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _runes = [.. vocabulary.Distinct().OrderBy(r => r.Value)];
        if (_runes.Length == 0)
        {
            throw new ArgumentException("the vocabulary is empty", nameof(vocabulary));
        }

        _ids = _runes.Select((r, i) => (r, i)).ToDictionary(p => p.r, p => p.i);
    }

    /// <summary>The tokenizer whose vocabulary is the distinct characters of <paramref name="text"/>.</summary>
    public static CharTokenizer FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new CharTokenizer(text.EnumerateRunes());
    }

    /// <inheritdoc />
    public string Name => "char";

    /// <inheritdoc />
    public int VocabularySize => _runes.Length;

    /// <summary>The vocabulary as a string, in id order (saved with checkpoints so a resumed run uses the same ids).</summary>
    public string Vocabulary => string.Concat(_runes.Select(r => r.ToString()));

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!_ids.TryGetValue(rune, out var id))
            {
                throw new ArgumentException($"character U+{rune.Value:X4} is not in the tokenizer's vocabulary", nameof(text));
            }

            ids.Add(id);
        }

        return [.. ids];
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            text.Append(_runes[id].ToString());
        }

        return text.ToString();
    }
}
