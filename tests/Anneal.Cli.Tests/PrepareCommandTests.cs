using Anneal.Training;
using Anneal.Training.Data;
using Anneal.Training.Runs;

namespace Anneal.Cli.Tests;

/// <summary><c>anneal prepare</c>: plain progress and summary, up to date, one-line errors, and training on its output.</summary>
public sealed class PrepareCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void HelpListsTheOptions()
    {
        var text = Cli.Ok("prepare", "--help").Out;
        Assert.Contains("Tokenize text once into memory-mapped shards", text, StringComparison.Ordinal);
        foreach (var option in new[] { "--data", "--tokenizer", "--out", "--shard-tokens" })
        {
            Assert.Contains($"  {option} ", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PreparesThenIsUpToDate()
    {
        var text = SyntheticCorpus.Create().Generate(5_000);
        var file = _dir.File("a.txt", text);
        var outDir = Path.Combine(_dir.Root, "prepared");
        var lines = Cli.Ok("prepare", "--data", file, "--out", outDir, "--shard-tokens", "2000").OutLines;
        Assert.StartsWith("checking 0.0/0.0 MB (100%)  ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("tokenizing 0.0/0.0 MB (100%)  ", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("  5,000 tokens", lines[1], StringComparison.Ordinal);
        var vocabulary = CharTokenizer.FromText(text).VocabularySize;
        Assert.StartsWith(
            $"prepared 5,000 char tokens (vocabulary {vocabulary}, uint16) from 1 file, 0.0 MB, into '{outDir}': 3 shards, 4,500 train and 500 validation tokens; ",
            lines[2], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["manifest.json", "tokens-00000.bin", "tokens-00001.bin", "tokens-00002.bin"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var again = Cli.Ok("prepare", "--data", file, "--out", outDir).OutLines;
        Assert.Equal($"up to date: '{outDir}' already holds these 1 file tokenized with char (5,000 tokens)", again[^1]);
    }

    [Fact]
    public void BadByteIsOneLineWithFileAndOffset()
    {
        var path = _dir.File("bad.txt");
        File.WriteAllBytes(path, [0x61, 0x0A, 0x62, 0xC3, 0x28]); // C3 must be followed by a continuation byte
        Cli.Fails($"error: --data: file '{path}' is not valid UTF-8 (invalid byte sequence at byte 3)", "prepare", "--data", path, "--out", Path.Combine(_dir.Root, "out"));
        Assert.False(Directory.Exists(Path.Combine(_dir.Root, "out")));
    }

    [Fact]
    public void AnotherCorpusIsReplacedOnlyWithForce()
    {
        var outDir = Path.Combine(_dir.Root, "prepared");
        Cli.Ok("prepare", "--data", _dir.File("a.txt", SyntheticCorpus.Create().Generate(3_000)), "--out", outDir);
        var manifest = File.ReadAllBytes(Path.Combine(outDir, "manifest.json"));
        var other = _dir.File("b.txt", SyntheticCorpus.Create(5).Generate(4_000));

        Cli.Fails(
            $"error: --out: '{outDir}' already holds a prepared corpus of other data (tokenizer char, 1 files); choose another directory; pass --force to write into it anyway",
            "prepare", "--data", other, "--out", outDir);
        Assert.Equal(manifest, File.ReadAllBytes(Path.Combine(outDir, "manifest.json")));

        var replaced = Cli.Ok("prepare", "--data", other, "--out", outDir, "--force").OutLines;
        Assert.StartsWith("prepared 4,000 char tokens ", replaced[^1], StringComparison.Ordinal);
        Assert.Equal(other, Anneal.Training.Data.Prepared.PreparedManifest.Read(outDir).Manifest.Sources.Single().Path);

        var notes = Path.Combine(_dir.Root, "notes");
        Directory.CreateDirectory(notes);
        File.WriteAllText(Path.Combine(notes, "todo.md"), "mine");
        Cli.Fails(
            $"error: --out: '{notes}' is not empty and holds no prepared corpus (it holds 'todo.md'); choose a new or empty directory; pass --force to write into it anyway",
            "prepare", "--data", other, "--out", notes);
    }

    [Fact]
    public void ResumeRefusesAPreparedDirectoryThatChanged()
    {
        var prepared = Path.Combine(_dir.Root, "prepared");
        Cli.Ok("prepare", "--data", _dir.File("a.txt", SyntheticCorpus.Create().Generate(3_000)), "--out", prepared);
        var run = Path.Combine(_dir.Root, "run");
        Cli.Ok("train", "--data", prepared, "--steps", "2", "--layers", "1", "--heads", "2", "--dim", "16", "--context", "8", "--batch-size", "2", "--schedule", "constant", "--out", run);
        var before = Anneal.Training.Data.Prepared.PreparedManifest.Read(prepared).Crc64;
        Cli.Ok("prepare", "--data", _dir.File("b.txt", SyntheticCorpus.Create(5).Generate(3_000)), "--out", prepared, "--force");
        var now = Anneal.Training.Data.Prepared.PreparedManifest.Read(prepared).Crc64;

        Cli.Fails(
            $"error: --resume: the data '{prepared}' changed since the run's checkpoint was written (its prepared manifest's CRC-64 was {before}, now {now}): " +
            "other tokens would not continue the same run; restore the data the run was trained on, or start a new run on the new data",
            "train", "--resume", run, "--steps", "4");
    }

    [Fact]
    public void BadOptionsNameTheirFlags()
    {
        var file = _dir.File("a.txt", "some text\n");
        var outDir = Path.Combine(_dir.Root, "out");
        Cli.Fails("error: --tokenizer must be char or gpt2 (was 'bpe')", "prepare", "--data", file, "--out", outDir, "--tokenizer", "bpe");
        Cli.Fails("error: --shard-tokens must be >= 1 (was 0)", "prepare", "--data", file, "--out", outDir, "--shard-tokens", "0");
        Cli.Fails($"error: --data: file '{_dir.Root}/missing.txt' does not exist", "prepare", "--data", $"{_dir.Root}/missing.txt", "--out", outDir);
        Assert.False(Directory.Exists(outDir));
    }

    [TmpfsFact]
    public void AFullDiskIsOneFaultLineAndLeavesNoCorpus()
    {
        using var disk = Tmpfs.Mount("1m");
        var outDir = Path.Combine(disk.Path, "prepared");
        var file = _dir.File("big.txt", SyntheticCorpus.Create().Generate(1_500_000)); // 3 MB of uint16 shards

        var result = Cli.Run("prepare", "--data", file, "--out", outDir);
        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: preparing '{outDir}' failed: No space left on device", error, StringComparison.Ordinal);
        Assert.EndsWith("; no manifest was written, so it holds no corpus: fix the cause, then prepare again", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir)); // its shards removed, and the folder it created
    }

    [Fact]
    public void NothingMatchesTheGlob() =>
        Cli.Fails($"error: --data: no file matches '{_dir.Root}/*.md'", "prepare", "--data", $"{_dir.Root}/*.md", "--out", Path.Combine(_dir.Root, "out"));

    [Fact]
    public void TrainOnAPreparedDirectoryTakesItsTokenizer()
    {
        var words = string.Concat(Enumerable.Repeat("The old fox sees a river and the river sees the fox.\n", 60));
        var prepared = Path.Combine(_dir.Root, "prepared");
        Cli.Ok("prepare", "--data", _dir.File("fox.txt", words), "--tokenizer", "gpt2", "--out", prepared);
        var run = Path.Combine(_dir.Root, "run");
        var result = Cli.Ok(
            "train", "--data", prepared, "--steps", "2", "--layers", "1", "--heads", "2", "--dim", "16", "--context", "8", "--batch-size", "2",
            "--eval-every", "2", "--out", run);
        Assert.Contains($"data: prepared corpus {prepared} (", result.OutLines[0], StringComparison.Ordinal);
        var manifest = new RunDirectory(run).ReadManifest();
        Assert.Equal(TokenizerKind.Gpt2, manifest.Data.Tokenizer);
        Assert.Equal(50257, manifest.Data.VocabularySize);
        Assert.Equal(prepared, manifest.PreparedData!.Directory);

        Cli.Fails(
            $"error: --tokenizer char does not match the prepared corpus '{prepared}', tokenized with gpt2: use gpt2, or prepare it again with char",
            "train", "--data", prepared, "--tokenizer", "char", "--steps", "1", "--out", Path.Combine(_dir.Root, "run2"));
    }
}
