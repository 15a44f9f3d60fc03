using System.Text;

namespace Anneal.Training.Data.Prepared;

/// <summary>
/// A prepared directory opened for training: its manifest, its tokenizer, and its train and validation tokens read
/// through memory-mapped shards. Opening reads the manifest and maps the shards (no token is read), so it takes the same
/// time and memory for any corpus size. Shard checksums are not recomputed here (that would read the whole corpus):
/// sizes are checked, and <see cref="Verify"/> checks the CRCs on demand.
/// </summary>
public sealed class PreparedCorpus : IDisposable
{
    private readonly MappedShards _shards;

    private PreparedCorpus(string directory, PreparedManifest manifest, string crc, MappedShards shards)
    {
        (Directory, Manifest, ManifestCrc64, _shards) = (directory, manifest, crc, shards);
        Tokenizer = manifest.Tokenizer == TokenizerKind.Char
            ? new CharTokenizer((manifest.CharVocabulary ?? throw new TrainingInputException(null, $"the manifest of '{directory}' has no char_vocabulary; prepare it again")).EnumerateRunes())
            : new Gpt2Tokenizer();
        Train = shards.Slice(0, manifest.TrainTokens);
        Validation = shards.Slice(manifest.TrainTokens, manifest.ValidationTokens);
    }

    /// <summary>The prepared directory (full path).</summary>
    public string Directory { get; }

    /// <summary>Its manifest.</summary>
    public PreparedManifest Manifest { get; }

    /// <summary>CRC-64 of its <c>manifest.json</c>: a run records it, and resuming refuses data whose manifest changed.</summary>
    public string ManifestCrc64 { get; }

    /// <summary>The tokenizer the corpus was prepared with.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Tokens 0 .. TrainTokens - 1.</summary>
    public MappedTokens Train { get; }

    /// <summary>The remaining tokens.</summary>
    public MappedTokens Validation { get; }

    /// <summary>Opens the prepared corpus in <paramref name="directory"/>.</summary>
    /// <exception cref="TrainingInputException">No manifest, another format, or shards missing or of the wrong size (about no option).</exception>
    public static PreparedCorpus Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        var (manifest, crc) = PreparedManifest.Read(full);
        return new PreparedCorpus(full, manifest, crc, MappedShards.Open(full, manifest));
    }

    /// <summary>Recomputes every shard's CRC-64 and returns the files whose checksum differs from the manifest's (empty when intact).</summary>
    public IReadOnlyList<string> Verify()
    {
        List<string> bad = [];
        var buffer = new byte[1 << 20];
        foreach (var shard in Manifest.Shards)
        {
            var crc = new System.IO.Hashing.Crc64();
            using var file = File.OpenRead(Path.Combine(Directory, shard.File));
            int n;
            while ((n = file.Read(buffer)) > 0)
            {
                crc.Append(buffer.AsSpan(0, n));
            }

            if (PreparedManifest.Hex(crc.GetCurrentHashAsUInt64()) != shard.Crc64)
            {
                bad.Add(shard.File);
            }
        }

        return bad;
    }

    /// <summary>One line for a run's header and reports.</summary>
    public string Describe() =>
        new StringBuilder().Append("prepared corpus ").Append(Directory).Append(" (").Append(Manifest.Tokens).Append(' ').Append(Manifest.Tokenizer.Name())
            .Append(" tokens from ").Append(Manifest.Sources.Count).Append(Manifest.Sources.Count == 1 ? " file" : " files").Append(')').ToString();

    /// <inheritdoc />
    public void Dispose() => _shards.Dispose();
}
