namespace Anneal.Training.Data;

/// <summary>Turns text into token ids and back.</summary>
public interface ITokenizer
{
    /// <summary>The tokenizer's name as the command line spells it: <c>char</c> or <c>gpt2</c>.</summary>
    string Name { get; }

    /// <summary>The number of distinct token ids (the model's vocabulary size).</summary>
    int VocabularySize { get; }

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">The text holds something the tokenizer cannot encode.</exception>
    int[] Encode(string text);

    /// <summary>The text of <paramref name="ids"/>.</summary>
    string Decode(IEnumerable<int> ids);
}
