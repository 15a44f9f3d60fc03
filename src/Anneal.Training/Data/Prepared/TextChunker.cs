namespace Anneal.Training.Data.Prepared;

/// <summary>
/// Cuts a stream of text into chunks of about <c>target</c> characters that can be tokenized separately and give the
/// same tokens as the whole text.
/// </summary>
/// <remarks>
/// For the char tokenizer any boundary between two Unicode scalar values is safe. GPT-2's pre-tokenizer
/// (<c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>) looks ahead one character and
/// groups runs of whitespace, so a cut is made only where every piece ends and starts the same whichever way the text
/// is split: (1) after a newline that has a non-space character on both sides (<c>x\n|y</c>: the newline is a piece of
/// its own either way), else (2) before a single space that has a non-space character on both sides (<c>x| y</c>: the
/// space starts the next piece either way). "Non-space" is taken narrowly (ASCII graphic characters, letters, digits)
/// so that it is never whitespace under any definition. Text with neither for <see cref="MaxChunkChars"/> characters
/// (a single line of 64 Mi characters without spaces) is refused rather than cut unsafely.
/// </remarks>
internal sealed class TextChunker(int target, bool anyBoundary)
{
    /// <summary>The longest chunk: 64 Mi characters.</summary>
    internal const int MaxChunkChars = 1 << 26;

    private char[] _pending = new char[Math.Max(16, target * 2)];
    private int _length;

    /// <summary>Adds text; complete chunks are appended to <paramref name="output"/>.</summary>
    internal void Append(ReadOnlySpan<char> text, List<string> output)
    {
        if (_length + text.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _length + text.Length));
        }

        text.CopyTo(_pending.AsSpan(_length));
        _length += text.Length;
        while (_length >= target)
        {
            var cut = FindCut();
            if (cut <= 0)
            {
                if (_length > MaxChunkChars)
                {
                    throw new TrainingInputException(
                        TrainingOption.DataPath,
                        $": {MaxChunkChars} characters without a newline or space between words: the text cannot be cut into pieces that GPT-2's tokenizer splits the same way; use the char tokenizer or add line breaks");
                }

                return;
            }

            output.Add(new string(_pending, 0, cut));
            Array.Copy(_pending, cut, _pending, 0, _length - cut);
            _length -= cut;
        }
    }

    /// <summary>Ends the text (a file's end): what is left becomes the last chunk.</summary>
    internal void Flush(List<string> output)
    {
        if (_length > 0)
        {
            output.Add(new string(_pending, 0, _length));
        }

        _length = 0;
    }

    /// <summary>A safe cut in the pending text at or after target / 2, the nearest to target; 0 when there is none.</summary>
    private int FindCut()
    {
        var text = _pending.AsSpan(0, _length);
        var from = Math.Max(2, target / 2);
        if (anyBoundary)
        {
            // Not between the two halves of a surrogate pair.
            return char.IsLowSurrogate(text[_length - 1]) || !char.IsHighSurrogate(text[_length - 1]) ? _length : _length - 1;
        }

        // Nearest to target first: backwards from it to target / 2, then forwards from it.
        var end = Math.Min(_length - 2, target);
        for (var i = end; i >= from; i--)
        {
            if (Safe(text, i))
            {
                return i;
            }
        }

        for (var i = end + 1; i < _length - 1; i++)
        {
            if (Safe(text, i))
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>Whether cutting before position <paramref name="i"/> (2 &lt;= i &lt; length - 1) keeps GPT-2's pieces.</summary>
    private static bool Safe(ReadOnlySpan<char> text, int i) =>
        (text[i - 1] == '\n' && Solid(text[i]) && Solid(text[i - 2])) ||
        (text[i] == ' ' && Solid(text[i + 1]) && Solid(text[i - 1]));

    /// <summary>Surely not whitespace: ASCII graphic characters, and letters and digits.</summary>
    internal static bool Solid(char c) => c < 128 ? c is > ' ' and < (char)127 : char.IsLetterOrDigit(c);
}
