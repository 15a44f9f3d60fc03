using System.Text;
using Anneal.Training.Data;
using Xunit;

namespace Anneal.Training.Tests;

public sealed class TokenizerTests
{
    [Fact]
    public void CharTokenizerRoundTripsAndSortsItsVocabulary()
    {
        const string text = "héllo wörld 🙂 ab\nba";
        var tokenizer = CharTokenizer.FromText(text);
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal("\n abdhlorwéö🙂", tokenizer.Vocabulary);
        Assert.Equal(13, tokenizer.VocabularySize);
        Assert.Equal(tokenizer.Vocabulary, CharTokenizer.FromText("🙂ba\n dlrowöwléh").Vocabulary);
        Assert.Throws<ArgumentException>(() => tokenizer.Encode("z"));
    }

    [Fact]
    public void Gpt2TokenizerRoundTripsWithTheKnownIds()
    {
        var tokenizer = new Gpt2Tokenizer();
        var ids = tokenizer.Encode("Hello world");
        Assert.Equal([15496, 995], ids);
        const string text = "The old fox sees a river.\nÜnïcødé 🙂 text";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal(50257, tokenizer.VocabularySize);
    }

    [Fact]
    public void DataFilesAreReadStrictly()
    {
        var dir = Directory.CreateTempSubdirectory("anneal-data-");
        try
        {
            static TrainingOptions On(string path) => TinyRun.Options with { DataPath = path, Context = 4 };
            var empty = Path.Combine(dir.FullName, "empty.txt");
            File.WriteAllBytes(empty, []);
            Assert.Equal($"DataPath: file '{empty}' is empty", Assert.Throws<TrainingInputException>(() => RunSetup.LoadData(On(empty))).Message);

            var bad = Path.Combine(dir.FullName, "bad.txt");
            File.WriteAllBytes(bad, [0x61, 0x62, 0xFF, 0x63]);
            Assert.Equal($"DataPath: file '{bad}' is not valid UTF-8 (invalid byte sequence at byte 2)", Assert.Throws<TrainingInputException>(() => RunSetup.LoadData(On(bad))).Message);

            var missing = Path.Combine(dir.FullName, "missing.txt");
            Assert.Equal($"DataPath: file '{missing}' does not exist", Assert.Throws<TrainingInputException>(() => RunSetup.LoadData(On(missing))).Message);

            var good = Path.Combine(dir.FullName, "good.txt");
            var text = string.Concat(Enumerable.Repeat("ünïcode text ", 10));
            File.WriteAllText(good, text, new UTF8Encoding(true)); // with a byte-order mark, which is not text
            using var data = RunSetup.LoadData(On(good));
            int[] tokens = [.. data.Train.Read(0, (int)data.Train.Count), .. data.Validation.Read(0, (int)data.Validation.Count)];
            Assert.Equal(CharTokenizer.FromText(text).Encode(text), tokens);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void SplitIsNinetyTenAndTooShortTextIsRejected()
    {
        var data = TextData.Create("test", new string('a', 500) + new string('b', 500), TokenizerKind.Char, 16);
        Assert.Equal(900, data.Train.Count);
        Assert.Equal(100, data.Validation.Count);
        Assert.Equal(2, data.Tokenizer.VocabularySize);

        var e = Assert.Throws<TrainingInputException>(() => TextData.Create("test", "abcdefghij", TokenizerKind.Char, 16));
        Assert.StartsWith("Context 16 is longer than the data allows", e.Message, StringComparison.Ordinal);
        Assert.Equal(TrainingOption.Context, e.Option);
    }
}
