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
    private readonly int[] _bmp; // id of each BMP character, -1 when not in the vocabulary

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
        _bmp = new int[1 << 16];
        Array.Fill(_bmp, -1);
        foreach (var (rune, id) in _ids)
        {
            if (rune.IsBmp)
            {
                _bmp[rune.Value] = id;
            }
        }
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
        var ids = new int[text.Length];
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            int id;
            if (!char.IsSurrogate(c))
            {
                id = _bmp[c];
                if (id < 0)
                {
                    throw Unknown(new Rune(c));
                }
            }
            else
            {
                // A pair is one rune; a lone surrogate reads as U+FFFD, as string.EnumerateRunes gives it.
                if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
                {
                    rune = Rune.ReplacementChar;
                }

                i += used - 1;
                if (!_ids.TryGetValue(rune, out id))
                {
                    throw Unknown(rune);
                }
            }

            ids[n++] = id;
        }

        return n == ids.Length ? ids : ids[..n];
    }

    private static ArgumentException Unknown(Rune rune) => new($"character U+{rune.Value:X4} is not in the tokenizer's vocabulary", "text");

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
