using System.Text;
using Anneal.Training.Data;
using Anneal.Training.Data.Prepared;
using Anneal.Training.Runs;
using Xunit;
using static TorchSharp.torch;

namespace Anneal.Training.Tests.Prepared;

/// <summary>Training on prepared data: the same batches as in memory, exact resume, and data that must match.</summary>
public sealed class PreparedTrainingTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-prepared-train-");

    private static TrainingOptions Tiny => TinyRun.Options with { Steps = 20, BatchSize = 4, Context = 16, EmbeddingDim = 16, CheckpointEvery = 10 };

    /// <summary>A constant LR, so a run of 7 steps resumed to 20 has the learning rates of one run of 20.</summary>
    private static RunSchedule Constant => RunSchedule.FromSpec("""{"type":"constant"}""");

    public void Dispose() => _dir.Delete(true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private string Prepare(string text, TokenizerKind tokenizer = TokenizerKind.Char)
    {
        var outDir = Path.Combine(_dir.FullName, "prepared-" + Guid.NewGuid().ToString("N")[..8]);
        CorpusPreparer.Prepare([Write(Path.GetFileName(outDir) + ".txt", text)], outDir, new PrepareOptions { Tokenizer = tokenizer, ShardTokens = 3_000, ChunkChars = 500 });
        return outDir;
    }

    [Theory]
    [InlineData(TokenizerKind.Char)]
    [InlineData(TokenizerKind.Gpt2)]
    public void MappedBatchesEqualInMemoryBatchesForTheSameSeed(TokenizerKind tokenizer)
    {
        var text = tokenizer == TokenizerKind.Char ? SyntheticCorpus.Create().Generate(20_000) : PreparedCorpusTests.Tricky(300);
        var options = Tiny with { Tokenizer = tokenizer, DataPath = Prepare(text, tokenizer) };
        using var memory = TextData.Create("memory", text, tokenizer, options.Context);
        using var mapped = RunSetup.LoadData(options);
        Assert.IsType<TokenArray>(memory.Train);
        Assert.IsType<MappedTokens>(mapped.Train);
        Assert.Equal(memory.Train.Count, mapped.Train.Count);
        Assert.Equal(memory.Validation.Count, mapped.Validation.Count);
        Assert.Equal(memory.UnigramNatsPerToken, mapped.UnigramNatsPerToken, 12);
        Assert.Equal(memory.Tokenizer.VocabularySize, mapped.Tokenizer.VocabularySize);

        foreach (var (seed, step) in new[] { (1337UL, 0UL), (1337UL, 1UL), (7UL, 12345UL) })
        {
            var rngMemory = new SplitMix64(SplitMix64.Mix(seed) + step);
            var rngMapped = rngMemory;
            using var scope = NewDisposeScope();
            var (xm, ym) = Trainer.Batch(memory.Train, 32, options.Context, ref rngMemory, CPU);
            var (xp, yp) = Trainer.Batch(mapped.Train, 32, options.Context, ref rngMapped, CPU);
            Assert.Equal(xm.data<long>().ToArray(), xp.data<long>().ToArray());
            Assert.Equal(ym.data<long>().ToArray(), yp.data<long>().ToArray());
        }
    }

    [Fact]
    public void ARunOnPreparedDataIsTheRunOnTheSameTokensInMemory()
    {
        // The built-in corpus in memory, and the same text prepared into shards (read memory-mapped, with step s+1's
        // windows prefetched during step s): the same batches, so the same losses, bit for bit.
        var options = Tiny with { CorpusCharacters = 30_000 };
        var memory = Trainer.Run(options, null, Path.Combine(_dir.FullName, "memory"));
        var prepared = Prepare(SyntheticCorpus.Create(options.CorpusSeed).Generate(options.CorpusCharacters));
        var mapped = Trainer.Run(options with { DataPath = prepared }, null, Path.Combine(_dir.FullName, "mapped"));
        Assert.Equal(memory.TrainLosses, mapped.TrainLosses);
        Assert.Equal(memory.History.Evaluations.Select(e => e.ValidationLoss), mapped.History.Evaluations.Select(e => e.ValidationLoss));
    }

    [Fact]
    public void PrefetchReadsTheWindowsTheStepsBatchesCut()
    {
        var tokens = new RecordingSource(Enumerable.Range(0, 5_000).Select(i => i % 97).ToArray());
        var options = Tiny with { GradientAccumulation = 3 };
        using (var prefetch = new BatchPrefetch(tokens, options))
        {
            prefetch.Start(12);
            prefetch.Wait();
        }

        var prefetched = tokens.Take();
        Assert.Equal(options.BatchSize * options.GradientAccumulation, prefetched.Count);
        for (var micro = 0; micro < options.GradientAccumulation; micro++)
        {
            var rng = Trainer.BatchStream(options, 12, micro);
            using var scope = NewDisposeScope();
            Trainer.Batch(tokens, options.BatchSize, options.Context, ref rng, CPU);
        }

        Assert.Equal(tokens.Take(), prefetched);
    }

    [Fact]
    public void TextFileTrainsThroughTheCacheOnTheTokensOfTheTextInMemory()
    {
        var text = SyntheticCorpus.Create().Generate(10_000);
        var file = Write("plain.txt", text);
        using var memory = TextData.Create("memory", text, TokenizerKind.Char, 16);
        using (var first = RunSetup.LoadData(Tiny with { DataPath = file }))
        {
            Assert.Equal(Path.GetFullPath(file), first.Source);
            Assert.StartsWith(Path.Combine(PreparedCache.Root, "prepared", "char-"), first.Corpus!.Directory, StringComparison.Ordinal);
            Assert.Equal(memory.Validation.Read(0, (int)memory.Validation.Count), first.Validation.Read(0, (int)first.Validation.Count));
        }

        using var second = RunSetup.LoadData(Tiny with { DataPath = file });
        Assert.Equal(Path.GetFullPath(file), second.Source);
    }

    [Fact]
    public void ResumeOnPreparedDataIsExact()
    {
        var options = Tiny with { DataPath = Prepare(SyntheticCorpus.Create().Generate(12_000)) };
        var full = Trainer.Run(options, Constant, Path.Combine(_dir.FullName, "full"));
        var partDir = Path.Combine(_dir.FullName, "part");
        Trainer.Run(options with { Steps = 7 }, Constant, partDir);
        var second = Trainer.Resume(partDir, new ResumeRequest { Steps = 20 });

        Assert.Equal(7, second.StartStep);
        Assert.Equal(full.TrainLosses, second.TrainLosses); // all 20 steps, exactly
        Assert.Equal(full.FinalValidationLoss, second.FinalValidationLoss);
        var run = new RunDirectory(partDir);
        using var corpus = PreparedCorpus.Open(options.DataPath!);
        Assert.Equal(new PreparedDataReference(corpus.Directory, corpus.ManifestCrc64, TokenizerKind.Char), run.ReadManifest().PreparedData);
        Assert.Equal(corpus.ManifestCrc64, run.ReadCheckpoint(null, out _).Header.DataManifestCrc64);
    }

    [Fact]
    public void ResumeRefusesDataThatChanged()
    {
        var prepared = Prepare(SyntheticCorpus.Create().Generate(12_000));
        var partDir = Path.Combine(_dir.FullName, "part");
        Trainer.Run(Tiny with { DataPath = prepared, Steps = 5 }, Constant, partDir);
        var before = PreparedManifest.Read(prepared).Crc64;
        var files = TinyRun.Snapshot(partDir);

        Directory.Delete(prepared, recursive: true);
        CorpusPreparer.Prepare([Write("other.txt", SyntheticCorpus.Create(5).Generate(12_000))], prepared, new PrepareOptions());
        var now = PreparedManifest.Read(prepared).Crc64;
        var e = Assert.Throws<TrainingInputException>(() => Trainer.Resume(partDir, new ResumeRequest { Steps = 10 }));
        Assert.Equal(
            $"ResumeDirectory: the data '{prepared}' changed since the run's checkpoint was written (its prepared manifest's CRC-64 was {before}, now {now}): " +
            "other tokens would not continue the same run; restore the data the run was trained on, or start a new run on the new data",
            e.Message);
        Assert.Equal(TrainingOption.ResumeDirectory, e.Option);
        Assert.Equal(files, TinyRun.Snapshot(partDir)); // nothing written

        e = Assert.Throws<TrainingInputException>(() => Trainer.InitFrom(partDir, null, Tiny with { DataPath = prepared, Steps = 10 }, Constant, Path.Combine(_dir.FullName, "branch")));
        Assert.Equal(TrainingOption.InitFrom, e.Option);
        Assert.StartsWith($"InitFrom: the data '{prepared}' changed since the run's checkpoint was written", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenizerMustMatchThePreparedCorpus()
    {
        var prepared = Prepare(SyntheticCorpus.Create().Generate(5_000));
        var e = Assert.Throws<TrainingInputException>(() => RunSetup.LoadData(Tiny with { DataPath = prepared, Tokenizer = TokenizerKind.Gpt2 }));
        Assert.Equal($"Tokenizer gpt2 does not match the prepared corpus '{prepared}', tokenized with char: use char, or prepare it again with gpt2", e.Message);
        Assert.Equal(TrainingOption.Tokenizer, e.Option);
    }

    /// <summary>Tokens in memory that record the windows read from them.</summary>
    private sealed class RecordingSource(int[] tokens) : ITokenSource
    {
        private readonly TokenArray _tokens = new(tokens);
        private List<(long Start, int Length)> _reads = [];

        public long Count => _tokens.Count;

        public void CopyTo(long start, Span<int> destination)
        {
            lock (_reads)
            {
                _reads.Add((start, destination.Length));
            }

            _tokens.CopyTo(start, destination);
        }

        public List<(long Start, int Length)> Take()
        {
            var reads = _reads;
            _reads = [];
            return reads;
        }
    }
}
