namespace Anneal.Training.Data.Prepared;

/// <summary>The two passes of <see cref="CorpusPreparer"/>.</summary>
public enum PreparePhase
{
    /// <summary>Reading every file once: UTF-8 check, checksums, and the character set for the char tokenizer.</summary>
    Checking,

    /// <summary>Tokenizing in parallel chunks and writing shards.</summary>
    Tokenizing,
}

/// <summary>How far a preparation has come.</summary>
/// <param name="Phase">The pass.</param>
/// <param name="Bytes">Text bytes done in this pass.</param>
/// <param name="TotalBytes">Text bytes of all sources.</param>
/// <param name="Tokens">Tokens written so far (0 while checking).</param>
/// <param name="Elapsed">Time since this pass began.</param>
public sealed record PrepareReport(PreparePhase Phase, long Bytes, long TotalBytes, long Tokens, TimeSpan Elapsed)
{
    /// <summary>Throughput of this pass: MB (10^6 bytes) per second.</summary>
    public double MegabytesPerSecond => Elapsed.TotalSeconds > 0 ? Bytes / 1e6 / Elapsed.TotalSeconds : 0;

    /// <summary>The time left in this pass at its rate so far; null before anything is done.</summary>
    public TimeSpan? Eta => Bytes > 0 ? TimeSpan.FromSeconds(Elapsed.TotalSeconds * (TotalBytes - Bytes) / Bytes) : null;
}

/// <summary>Receives a preparation's progress (the CLI draws a bar, or prints plain lines).</summary>
public interface IPrepareProgress
{
    /// <summary>Called after each block or chunk (many times a second on large inputs: throttle what you print).</summary>
    void Report(PrepareReport report);
}

/// <summary>The outcome of <see cref="CorpusPreparer.Prepare"/>.</summary>
/// <param name="Directory">The prepared directory.</param>
/// <param name="Manifest">Its manifest.</param>
/// <param name="ManifestCrc64">CRC-64 of <c>manifest.json</c>.</param>
/// <param name="UpToDate">True when the directory already held this corpus and nothing was written.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record PrepareResult(string Directory, PreparedManifest Manifest, string ManifestCrc64, bool UpToDate, TimeSpan Elapsed);

/// <summary>Options of <see cref="CorpusPreparer.Prepare"/>.</summary>
public sealed record PrepareOptions
{
    /// <summary>Default tokens per shard: 64 Mi (128 MiB of uint16).</summary>
    public const long DefaultShardTokens = 1L << 26;

    /// <summary>The tokenizer: <see cref="TokenizerKind.Char"/> by default.</summary>
    public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Char;

    /// <summary>Tokens per shard file (the last holds the rest).</summary>
    public long ShardTokens { get; init; } = DefaultShardTokens;

    /// <summary>Characters per tokenization chunk (cut at the next safe boundary before it): 1 Mi.</summary>
    public int ChunkChars { get; init; } = 1 << 20;

    /// <summary>Chunks tokenized at once; at most twice this many plus two are in memory.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks the options; all problems in one exception.</summary>
    /// <exception cref="TrainingInputException">An option is out of range.</exception>
    public void Validate()
    {
        var problems = new List<OptionProblem>();
        if (!Enum.IsDefined(Tokenizer))
        {
            problems.Add(new OptionProblem(TrainingOption.Tokenizer, $"must be {TokenizerKinds.List} (was {(int)Tokenizer})"));
        }

        if (ShardTokens < 1)
        {
            problems.Add(new OptionProblem(TrainingOption.ShardTokens, $"must be >= 1 (was {ShardTokens})"));
        }

        if (ChunkChars < 16)
        {
            problems.Add(new OptionProblem(null, $"ChunkChars must be >= 16 (was {ChunkChars})"));
        }

        if (Workers < 1)
        {
            problems.Add(new OptionProblem(null, $"Workers must be >= 1 (was {Workers})"));
        }

        if (problems.Count > 0)
        {
            throw new TrainingInputException(problems);
        }
    }
}
