using Anneal.Training.Data;
using Xunit;

namespace Anneal.Training.Tests;

public sealed class SyntheticCorpusTests
{
    [Fact]
    public void EntropyRateMatchesTheEmpiricalLogLossOfALongSample()
    {
        var corpus = SyntheticCorpus.Create();
        var text = corpus.Generate(3_000_000);
        text = text[..(text.LastIndexOf('.') + 1)];
        var (logp, transitions) = corpus.Score(text);
        var empirical = -logp / text.Length;

        // About 450,000 transitions: the standard error of the mean log-loss is about 0.1%; 1% is 10 of them.
        Assert.True(transitions > 400_000);
        Assert.InRange(empirical / corpus.EntropyNatsPerChar, 0.99, 1.01);
        Assert.InRange(text.Length / (double)transitions / corpus.MeanCharsPerWord, 0.99, 1.01);
        Assert.Equal(0.4156, corpus.EntropyNatsPerChar, 4); // the figure the README and the reports quote
    }

    [Fact]
    public void EntropyIsWellBelowTheCharacterUnigramEntropy()
    {
        var corpus = SyntheticCorpus.Create();
        var text = corpus.Generate(200_000);
        var unigram = text.GroupBy(c => c).Select(g => g.Count() / (double)text.Length).Sum(p => -p * Math.Log(p));
        Assert.InRange(corpus.EntropyNatsPerChar, 0.1, unigram / 2);
    }

    [Fact]
    public void TheSameSeedGivesTheSameTextAndADifferentSeedAnother()
    {
        var a = SyntheticCorpus.Create(7).Generate(10_000);
        Assert.Equal(a, SyntheticCorpus.Create(7).Generate(10_000));
        Assert.StartsWith(SyntheticCorpus.Create(7).Generate(500), a, StringComparison.Ordinal);
        Assert.NotEqual(a, SyntheticCorpus.Create(8).Generate(10_000));
        Assert.Equal(SyntheticCorpus.Create(7).EntropyNatsPerChar, SyntheticCorpus.Create(7).EntropyNatsPerChar);
    }

    [Fact]
    public void TextLooksLikeSentences()
    {
        var text = SyntheticCorpus.Create().Generate(2_000);
        Assert.True(char.IsUpper(text[0]));
        var lines = text.Split('\n');
        Assert.True(lines.Length > 10);
        Assert.All(lines[..^1], line =>
        {
            Assert.True(char.IsUpper(line[0]), line);
            Assert.EndsWith(".", line, StringComparison.Ordinal);
        });
    }
}
