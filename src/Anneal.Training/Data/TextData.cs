using Anneal.Training.Data.Prepared;

namespace Anneal.Training.Data;

/// <summary>
/// A training text split into train and validation parts, tokenized: in memory (<see cref="Create"/>, the built-in
/// corpus) or memory-mapped from a prepared corpus (<see cref="FromPrepared"/>). Dispose it to unmap the shards.
/// </summary>
/// <param name="Source">Where the text came from: <c>built-in (seed N)</c>, the file path, or the prepared directory.</param>
/// <param name="Tokenizer">The tokenizer.</param>
/// <param name="Train">Token ids of the first part.</param>
/// <param name="Validation">Token ids of the last part.</param>
/// <param name="EntropyFloorNatsPerToken">The entropy rate of the source per token, when known (built-in corpus with the char tokenizer).</param>
/// <param name="UnigramNatsPerToken">The cross-entropy of the validation tokens under the training tokens' unigram frequencies (add-one smoothed): the loss of the best model that ignores context.</param>
public sealed record TextData(
    string Source,
    ITokenizer Tokenizer,
    ITokenSource Train,
    ITokenSource Validation,
    double? EntropyFloorNatsPerToken,
    double UnigramNatsPerToken) : IDisposable
{
    /// <summary>The fraction of the text used for training; the rest is validation.</summary>
    public const double TrainFraction = 0.9;

    /// <summary>
    /// Tokenizes <paramref name="text"/> and splits it: the first 90% of the tokens train, the last 10% validate.
    /// The char tokenizer's vocabulary is built from the whole text, so validation has no unknown characters.
    /// </summary>
    /// <exception cref="TrainingInputException">The text is too short for <paramref name="context"/>.</exception>
    public static TextData Create(string source, string text, TokenizerKind tokenizer, int context, double? entropyFloorPerChar = null, string? charVocabulary = null)
    {
        ITokenizer tok = tokenizer switch
        {
            TokenizerKind.Char => charVocabulary is null ? CharTokenizer.FromText(text) : new CharTokenizer(charVocabulary.EnumerateRunes()),
            TokenizerKind.Gpt2 => new Gpt2Tokenizer(),
            _ => throw new TrainingInputException(TrainingOption.Tokenizer, $"must be {TokenizerKinds.List} (was {(int)tokenizer})"),
        };
        var ids = tok.Encode(text);
        var split = (int)(ids.Length * TrainFraction);
        int[] train = ids[..split], validation = ids[split..];
        CheckContext(context, ids.Length, train.Length, validation.Length);
        return new TextData(source, tok, new TokenArray(train), new TokenArray(validation), tokenizer == TokenizerKind.Char ? entropyFloorPerChar : null, Unigram(train, validation, tok.VocabularySize));
    }

    /// <summary>The prepared corpus as training data (its tokens stay memory-mapped; disposing this disposes <paramref name="corpus"/>).</summary>
    /// <exception cref="TrainingInputException">The corpus is too short for <paramref name="context"/>.</exception>
    public static TextData FromPrepared(PreparedCorpus corpus, string source, int context)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var m = corpus.Manifest;
        CheckContext(context, m.Tokens, m.TrainTokens, m.ValidationTokens);
        return new TextData(source, corpus.Tokenizer, corpus.Train, corpus.Validation, null, m.UnigramNatsPerToken) { Corpus = corpus };
    }

    /// <summary>The prepared corpus the tokens are mapped from; null for in-memory data.</summary>
    public PreparedCorpus? Corpus { get; init; }

    /// <summary>Unmaps a prepared corpus' shards (nothing for in-memory data).</summary>
    public void Dispose() => Corpus?.Dispose();

    private static void CheckContext(int context, long tokens, long train, long validation)
    {
        if (validation < context + 1 || train < context + 1)
        {
            throw new TrainingInputException(
                TrainingOption.Context,
                $"{context} is longer than the data allows: {tokens} tokens give {train} for training and {validation} for validation, and each needs at least context + 1 = {context + 1}");
        }
    }

    /// <summary>
    /// The unigram baseline from token counts: -Σ_v n_val(v) · log((n_train(v) + 1) / (N_train + V)) / N_val, the
    /// validation tokens' cross-entropy under the training counts with add-one smoothing (V = vocabulary size).
    /// </summary>
    internal static double Unigram(ReadOnlySpan<long> trainCounts, long trainTokens, ReadOnlySpan<long> validationCounts, long validationTokens)
    {
        double total = trainTokens + trainCounts.Length, loss = 0;
        for (var id = 0; id < trainCounts.Length; id++)
        {
            if (validationCounts[id] > 0)
            {
                loss -= validationCounts[id] * Math.Log((trainCounts[id] + 1) / total);
            }
        }

        return loss / validationTokens;
    }

    private static double Unigram(int[] train, int[] validation, int vocabulary)
    {
        return Unigram(Counts(train, vocabulary), train.Length, Counts(validation, vocabulary), validation.Length);

        static long[] Counts(int[] ids, int vocabulary)
        {
            var counts = new long[vocabulary];
            foreach (var id in ids)
            {
                counts[id]++;
            }

            return counts;
        }
    }
}
