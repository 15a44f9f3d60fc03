using System.Text;
using Anneal.Training.Data;
using Anneal.Training.Data.Prepared;
using Xunit;

namespace Anneal.Training.Tests.Prepared;

/// <summary>anneal prepare's layer: shards, manifest, several files, UTF-8 errors, interruption, the cache.</summary>
public sealed class PreparedCorpusTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-prepared-");

    public void Dispose() => _dir.Delete(true);

    /// <summary>Text whose GPT-2 pieces depend on whitespace: blank lines, trailing spaces, tabs, digits, contractions, non-ASCII.</summary>
    internal static string Tricky(int paragraphs)
    {
        var text = new StringBuilder();
        var random = new Random(7);
        string[] words = ["the", "river's", "Ünïcode", "don't", "42", "fox", "—", "sees", "naïve", "x=1;", "'ll", "über", "日本語", "😀", "a.b"];
        for (var p = 0; p < paragraphs; p++)
        {
            var lines = random.Next(1, 5);
            for (var l = 0; l < lines; l++)
            {
                for (var w = random.Next(1, 12); w > 0; w--)
                {
                    text.Append(words[random.Next(words.Length)]).Append(random.Next(10) switch { 0 => "  ", 1 => "\t", 2 => ",", _ => " " });
                }

                text.Append(random.Next(6) switch { 0 => " \n", 1 => "\r\n", _ => "\n" });
            }

            text.Append(random.Next(3) switch { 0 => "\n\n\n", 1 => "\n \n", _ => "\n" });
        }

        return text.ToString();
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static int[] AllTokens(string directory)
    {
        var (manifest, _) = PreparedManifest.Read(directory);
        using var shards = MappedShards.Open(directory, manifest);
        return shards.Slice(0, shards.Count).Read(0, (int)shards.Count);
    }

    [Fact]
    public void ShardsReadBackTheTokenizersTokensAcrossShardBoundaries()
    {
        var text = SyntheticCorpus.Create().Generate(20_000);
        var outDir = Path.Combine(_dir.FullName, "out");
        var result = CorpusPreparer.Prepare([Write("a.txt", text)], outDir, new PrepareOptions { ShardTokens = 1_000, ChunkChars = 300 });

        var expected = CharTokenizer.FromText(text).Encode(text);
        var m = result.Manifest;
        Assert.Equal(20, m.Shards.Count); // 20,000 tokens in shards of 1,000
        Assert.All(m.Shards, s => Assert.Equal(1_000, s.Tokens));
        Assert.Equal(TokenWidth.UInt16, m.TokenType);
        Assert.Equal(CharTokenizer.FromText(text).Vocabulary, m.CharVocabulary);
        Assert.Equal(expected, AllTokens(outDir));

        // Windows that straddle shard boundaries, through the train and validation views.
        using var corpus = PreparedCorpus.Open(outDir);
        Assert.Equal(18_000, corpus.Train.Count);
        Assert.Equal(expected[995..1_010], corpus.Train.Read(995, 15));
        Assert.Equal(expected[18_000..18_050], corpus.Validation.Read(0, 50));
        Assert.Equal(expected[17_990..18_000], corpus.Train.Read(17_990, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => corpus.Train.Read(17_995, 10));

        // Read-ahead advice across shard boundaries changes nothing that is read, and checks its window like a read.
        var ahead = (IReadAhead)corpus.Train;
        ahead.WillNeed(995, 15);
        ahead.WillNeed(0, 18_000);
        Assert.Equal(expected[995..1_010], corpus.Train.Read(995, 15));
        Assert.Throws<ArgumentOutOfRangeException>(() => ahead.WillNeed(17_995, 10));
        Assert.Equal(TokenizerKind.Char, m.Tokenizer);
        Assert.Contains("\"tokenizer\": \"char\"", File.ReadAllText(Path.Combine(outDir, PreparedManifest.FileName)), StringComparison.Ordinal);
        Assert.Empty(corpus.Verify());

        // The same split and unigram baseline as the text in memory.
        var inMemory = TextData.Create("memory", text, TokenizerKind.Char, 16);
        Assert.Equal(inMemory.UnigramNatsPerToken, m.UnigramNatsPerToken, 12);
    }

    [Fact]
    public void Gpt2ChunksGiveTheTokensOfTheWholeText()
    {
        var text = Tricky(400);
        var chunks = new List<string>();
        var chunker = new TextChunker(64, anyBoundary: false);
        foreach (var piece in text.Chunk(1000))
        {
            chunker.Append(piece, chunks);
        }

        chunker.Flush(chunks);
        Assert.True(chunks.Count > 100, $"{chunks.Count} chunks");
        Assert.Equal(text, string.Concat(chunks));

        var outDir = Path.Combine(_dir.FullName, "gpt2");
        var result = CorpusPreparer.Prepare([Write("t.txt", text)], outDir, new PrepareOptions { Tokenizer = TokenizerKind.Gpt2, ChunkChars = 64, ShardTokens = 777 });
        var whole = new Gpt2Tokenizer().Encode(text);
        Assert.Equal(whole, AllTokens(outDir));
        Assert.Equal(50257, result.Manifest.VocabularySize);
        Assert.Null(result.Manifest.CharVocabulary);
    }

    [Fact]
    public void NaiveCutsWouldChangeGpt2Tokens()
    {
        // The reason for safe boundaries: a cut after a run of newlines, or inside one, gives other tokens.
        var tok = new Gpt2Tokenizer();
        Assert.Equal([64, 198, 198, 65], tok.Encode("a\n\nb")); // "\n", "\n": the run is split before the letter
        Assert.Equal([64, 628], tok.Encode("a\n\n")); // "\n\n" at the end of a piece
        Assert.Equal([64, 628, 198, 65], tok.Encode("a\n\n\nb"));
        Assert.Equal([64, 198, 198, 198, 65], tok.Encode("a\n").Concat(tok.Encode("\n\nb")).ToArray());
    }

    [Fact]
    public void SeveralFilesInPathOrderWithBomAndSubfolderHiddenFilesSkipped()
    {
        var root = Path.Combine(_dir.FullName, "books");
        var b = Write("books/b.txt", "second file\n");
        var a = Write("books/a.txt", "first file\n");
        var c = Path.Combine(root, "sub", "c.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(c)!);
        File.WriteAllBytes(c, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("third, with a BOM: ü\n")]);
        Write("books/.hidden.txt", "\u0001 never read");

        var files = TextSources.Resolve(root);
        Assert.Equal([a, b, c], files);
        Assert.Equal([a, b], TextSources.Resolve(Path.Combine(root, "*.txt")));
        Assert.Equal([a, b, c], TextSources.Resolve(Path.Combine(root, "**", "*.txt")));

        var outDir = Path.Combine(_dir.FullName, "out");
        var m = CorpusPreparer.Prepare(files, outDir, new PrepareOptions()).Manifest;
        const string all = "first file\nsecond file\nthird, with a BOM: ü\n";
        Assert.Equal(CharTokenizer.FromText(all).Encode(all), AllTokens(outDir));
        Assert.Equal([a, b, c], m.Sources.Select(s => s.Path));
        Assert.Equal([11L, 12L, 3 + Encoding.UTF8.GetByteCount("third, with a BOM: ü\n")], m.Sources.Select(s => s.Bytes));
        Assert.Equal(Encoding.UTF8.GetByteCount(all), m.TextBytes);
    }

    [Fact]
    public void CharVocabularyHoldsCharactersAboveTheBmpEvenAcrossABlockBoundary()
    {
        // "😀" is 4 UTF-8 bytes starting 2 bytes before the end of the first 1 MiB read; "𝄞" and "日" elsewhere.
        var text = new string('a', (1 << 20) - 2) + "😀b\n𝄞日😀\n";
        var outDir = Path.Combine(_dir.FullName, "out");
        var m = CorpusPreparer.Prepare([Write("astral.txt", text)], outDir, new PrepareOptions()).Manifest;
        Assert.Equal("\nab日𝄞😀", m.CharVocabulary); // by code point: U+1D11E before U+1F600
        Assert.Equal(CharTokenizer.FromText(text).Vocabulary, m.CharVocabulary);
        Assert.Equal(CharTokenizer.FromText(text).Encode(text), AllTokens(outDir));
    }

    [Fact]
    public void BadByteIsReportedWithFileAndOffsetAndNothingIsWritten()
    {
        var good = Write("1-good.txt", "fine text\n");
        var bad = Path.Combine(_dir.FullName, "2-bad.txt");
        var bytes = Encoding.UTF8.GetBytes(new string('x', (1 << 20) + 5) + "é"); // past the first 1 MiB block
        bytes[^2] = 0xFF; // the first byte of é replaced
        File.WriteAllBytes(bad, bytes);
        var outDir = Path.Combine(_dir.FullName, "out");

        var e = Assert.Throws<TrainingInputException>(() => CorpusPreparer.Prepare([good, bad], outDir, new PrepareOptions()));
        Assert.Equal($"DataPath: file '{bad}' is not valid UTF-8 (invalid byte sequence at byte {(1 << 20) + 5})", e.Message);
        Assert.False(Directory.Exists(outDir));

        var truncated = Path.Combine(_dir.FullName, "3-truncated.txt");
        File.WriteAllBytes(truncated, [0x61, 0x62, 0xE2, 0x82]); // "ab" and 2 of the 3 bytes of €
        e = Assert.Throws<TrainingInputException>(() => CorpusPreparer.Prepare([truncated], outDir, new PrepareOptions()));
        Assert.Equal($"DataPath: file '{truncated}' is not valid UTF-8 (invalid byte sequence at byte 2)", e.Message);
    }

    [Fact]
    public void InterruptedPreparationLeavesNoManifestAndTheNextOneStartsOver()
    {
        var text = SyntheticCorpus.Create().Generate(30_000);
        var file = Write("a.txt", text);
        var outDir = Path.Combine(_dir.FullName, "out");
        var options = new PrepareOptions { ShardTokens = 1_000, ChunkChars = 1_000, Workers = 1 };
        using var cancel = new CancellationTokenSource();
        var progress = new CancelWhenTokenizing(cancel, 5_000);
        Assert.ThrowsAny<OperationCanceledException>(() => CorpusPreparer.Prepare([file], outDir, options, progress, cancel.Token));
        Assert.False(Directory.Exists(outDir)); // its shards removed, and the folder it created

        // A killed preparation leaves shards and a temporary manifest, but no manifest: the next one starts over.
        Directory.CreateDirectory(outDir);
        File.WriteAllBytes(Path.Combine(outDir, "tokens-00099.bin"), [1, 2, 3]);
        File.WriteAllText(Path.Combine(outDir, PreparedManifest.FileName + ".tmp"), "{");

        var result = CorpusPreparer.Prepare([file], outDir, options);
        Assert.False(result.UpToDate);
        Assert.Equal(30, Directory.GetFiles(outDir, "tokens-*.bin").Length);
        Assert.Equal(CharTokenizer.FromText(text).Encode(text), AllTokens(outDir));

        Assert.Equal([PreparedManifest.FileName], Directory.GetFiles(outDir, "manifest*").Select(Path.GetFileName));
    }

    [Fact]
    public void NothingIsOverwrittenWithoutForce()
    {
        var text = SyntheticCorpus.Create().Generate(5_000);
        var file = Write("a.txt", text);
        var outDir = Path.Combine(_dir.FullName, "out");
        var options = new PrepareOptions { ShardTokens = 2_000 };
        var first = CorpusPreparer.Prepare([file], outDir, options);
        var manifest = File.ReadAllBytes(Path.Combine(outDir, PreparedManifest.FileName));
        Assert.True(CorpusPreparer.Prepare([file], outDir, options).UpToDate);

        // Another corpus is refused, and the one there is left as it was.
        var other = Write("b.txt", "other text entirely\n" + text);
        var e = Assert.Throws<TrainingInputException>(() => CorpusPreparer.Prepare([other], outDir, options));
        Assert.Equal(
            $"OutputDirectory: '{outDir}' already holds a prepared corpus of other data (tokenizer char, 1 files); choose another directory; pass force: true to write into it anyway",
            e.Message);
        Assert.Equal(TrainingOption.OutputDirectory, e.Option);
        Assert.IsType<ForceRemedy>(e.Remedy);
        Assert.Equal(manifest, File.ReadAllBytes(Path.Combine(outDir, PreparedManifest.FileName)));

        // Forced, it is replaced: the other text's tokens, no shard of the old corpus left.
        var replaced = CorpusPreparer.Prepare([other], outDir, options, force: true);
        Assert.False(replaced.UpToDate);
        Assert.NotEqual(first.ManifestCrc64, replaced.ManifestCrc64);
        var all = File.ReadAllText(other);
        Assert.Equal(CharTokenizer.FromText(all).Encode(all), AllTokens(outDir));
        Assert.Equal(replaced.Manifest.Shards.Count + 1, Directory.GetFiles(outDir).Length);

        // A folder of other files is refused; forced, they are kept beside the corpus.
        var notes = Path.Combine(_dir.FullName, "notes");
        Write("notes/readme.md", "mine");
        e = Assert.Throws<TrainingInputException>(() => CorpusPreparer.Prepare([file], notes, options));
        Assert.Equal(
            $"OutputDirectory: '{notes}' is not empty and holds no prepared corpus (it holds 'readme.md'); choose a new or empty directory; pass force: true to write into it anyway",
            e.Message);
        Assert.False(PreparedManifest.ExistsIn(notes));
        Assert.False(CorpusPreparer.Prepare([file], notes, options, force: true).UpToDate);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(notes, "readme.md")));
    }

    [Fact]
    public void BadOptionsAreGatheredWithTheirOptions()
    {
        var e = Assert.Throws<TrainingInputException>(() => new PrepareOptions { ShardTokens = 0, Workers = 0 }.Validate());
        Assert.Equal("ShardTokens must be >= 1 (was 0); Workers must be >= 1 (was 0)", e.Message);
        Assert.Equal([TrainingOption.ShardTokens, null], e.Problems.Select(p => p.Option));
    }

    [Fact]
    public void DamagedShardIsRefusedOnOpenAndFoundByVerify()
    {
        var outDir = Path.Combine(_dir.FullName, "out");
        CorpusPreparer.Prepare([Write("a.txt", SyntheticCorpus.Create().Generate(5_000))], outDir, new PrepareOptions { ShardTokens = 2_000 });
        var shard = Path.Combine(outDir, "tokens-00001.bin");
        var bytes = File.ReadAllBytes(shard);
        bytes[10] ^= 1;
        File.WriteAllBytes(shard, bytes);
        using (var corpus = PreparedCorpus.Open(outDir))
        {
            Assert.Equal(["tokens-00001.bin"], corpus.Verify());
        }

        File.WriteAllBytes(shard, bytes[..^2]);
        var e = Assert.Throws<TrainingInputException>(() => PreparedCorpus.Open(outDir));
        Assert.Equal($"shard '{shard}' should hold 2000 tokens (4000 bytes) but is 3998 bytes; the prepared corpus is damaged: prepare it again", e.Message);
    }

    [Fact]
    public void TheKeyReadsAFileOncePerSizeAndModificationTime()
    {
        var file = Write("k.txt", "abcdefgh\n");
        var stamp = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, stamp);
        var first = PreparedCache.Key([file], TokenizerKind.Char);

        // The same size and modification time: the checksum is not computed again (the text is not read), so a rewrite
        // that keeps both is not seen within the process.
        File.WriteAllText(file, "ABCDEFGH\n");
        File.SetLastWriteTimeUtc(file, stamp);
        Assert.Equal(first, PreparedCache.Key([file], TokenizerKind.Char));

        // A new modification time at the same size: read again, a new key.
        File.SetLastWriteTimeUtc(file, stamp.AddSeconds(1));
        var second = PreparedCache.Key([file], TokenizerKind.Char);
        Assert.NotEqual(first, second);
        File.WriteAllText(file, "abcdefgh\n");
        File.SetLastWriteTimeUtc(file, stamp.AddSeconds(2));
        Assert.NotEqual(second, PreparedCache.Key([file], TokenizerKind.Char));
    }

    [Fact]
    public void CacheHitsOnTheSameTextAndMissesWhenItChanges()
    {
        var root = Path.Combine(_dir.FullName, "cache");
        var file = Write("a.txt", SyntheticCorpus.Create().Generate(3_000));
        var (first, hit1) = PreparedCache.Open([file], TokenizerKind.Char, root);
        var (second, hit2) = PreparedCache.Open([file], TokenizerKind.Char, root);
        using (first)
        using (second)
        {
            Assert.False(hit1);
            Assert.True(hit2);
            Assert.Equal(first.Directory, second.Directory);
            Assert.Equal(Path.Combine(root, "prepared", PreparedCache.Key([file], TokenizerKind.Char)), first.Directory);
            Assert.StartsWith("char-", Path.GetFileName(first.Directory), StringComparison.Ordinal);
            Assert.Equal(first.ManifestCrc64, second.ManifestCrc64);
        }

        Assert.NotEqual(PreparedCache.Key([file], TokenizerKind.Char), PreparedCache.Key([file], TokenizerKind.Gpt2));
        var before = PreparedCache.Key([file], TokenizerKind.Char);
        File.AppendAllText(file, "!");
        Assert.NotEqual(before, PreparedCache.Key([file], TokenizerKind.Char));
        var (third, hit3) = PreparedCache.Open([file], TokenizerKind.Char, root);
        using (third)
        {
            Assert.False(hit3);
        }

        Assert.Equal(2, Directory.GetDirectories(Path.Combine(root, "prepared")).Length); // no .partial folders left

        // A damaged entry (a shard cut short) is prepared again.
        var shard = Path.Combine(third.Directory, "tokens-00000.bin");
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..^2]);
        var (fourth, hit4) = PreparedCache.Open([file], TokenizerKind.Char, root);
        using (fourth)
        {
            Assert.False(hit4);
            Assert.Equal(third.ManifestCrc64, fourth.ManifestCrc64);
            Assert.Empty(fourth.Verify());
        }
    }

    private sealed class CancelWhenTokenizing(CancellationTokenSource source, long afterTokens) : IPrepareProgress
    {
        public void Report(PrepareReport report)
        {
            if (report.Phase == PreparePhase.Tokenizing && report.Tokens >= afterTokens)
            {
                source.Cancel();
            }
        }
    }
}
