using System.Globalization;
using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Anneal.Training.Data.Prepared;

/// <summary>How a prepared corpus stores one token: 2 bytes where the vocabulary fits, else 4 (little-endian).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TokenWidth>))]
public enum TokenWidth
{
    /// <summary>2 bytes: vocabularies up to 65,536 ids (GPT-2's 50,257 fit).</summary>
    [JsonStringEnumMemberName("uint16")]
    UInt16 = 2,

    /// <summary>4 bytes: larger vocabularies.</summary>
    [JsonStringEnumMemberName("uint32")]
    UInt32 = 4,
}

/// <summary>One shard file: a run of tokens of the corpus' single token stream.</summary>
/// <param name="File">The file name inside the prepared directory.</param>
/// <param name="Tokens">Tokens in the file (its length is this times the token width).</param>
/// <param name="Crc64">CRC-64 (ECMA-182, System.IO.Hashing's <c>Crc64</c>) of the file's bytes, 16 hex digits.</param>
public sealed record ShardInfo(string File, long Tokens, string Crc64);

/// <summary>One text file the corpus was made from, in the order its tokens appear.</summary>
/// <param name="Path">The full path when it was prepared.</param>
/// <param name="Bytes">Its size in bytes.</param>
/// <param name="Crc64">CRC-64 (ECMA-182) of its bytes, 16 hex digits.</param>
public sealed record SourceFile(string Path, long Bytes, string Crc64);

/// <summary>
/// The <c>manifest.json</c> of a prepared corpus (<c>anneal prepare</c>): what it was made from and how to read its shards.
/// The shards hold one token stream, the sources' tokens in order; tokens 0 .. <see cref="TrainTokens"/> - 1 train and the
/// rest validate (the first 90%, as <see cref="TextData.Create"/> splits an in-memory text). Written last and atomically,
/// so a directory with a manifest has complete shards. Read and written here only.
/// </summary>
/// <param name="Format">Always <see cref="CurrentFormat"/>.</param>
/// <param name="Tokenizer">The tokenizer (<c>char</c> or <c>gpt2</c> in the file).</param>
/// <param name="VocabularySize">Distinct token ids.</param>
/// <param name="CharVocabulary">The char tokenizer's vocabulary in id order (null for gpt2).</param>
/// <param name="TokenType">Bytes per stored token.</param>
/// <param name="Tokens">Tokens in all shards.</param>
/// <param name="TrainTokens">The first this many tokens train: floor(<see cref="TrainFraction"/> × <see cref="Tokens"/>).</param>
/// <param name="TrainFraction">0.9.</param>
/// <param name="TextBytes">UTF-8 bytes of text tokenized (byte-order marks excluded).</param>
/// <param name="UnigramNatsPerToken">Cross-entropy of the validation tokens under the training tokens' add-one-smoothed unigram frequencies.</param>
/// <param name="Shards">The shard files in stream order.</param>
/// <param name="Sources">The text files in stream order.</param>
public sealed record PreparedManifest(
    string Format,
    TokenizerKind Tokenizer,
    int VocabularySize,
    string? CharVocabulary,
    TokenWidth TokenType,
    long Tokens,
    long TrainTokens,
    double TrainFraction,
    long TextBytes,
    double UnigramNatsPerToken,
    IReadOnlyList<ShardInfo> Shards,
    IReadOnlyList<SourceFile> Sources)
{
    /// <summary>The manifest's file name inside a prepared directory.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The format this version writes and reads.</summary>
    public const string CurrentFormat = "anneal.prepared/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // the char vocabulary stays readable
    };

    /// <summary>Validation tokens: <see cref="Tokens"/> - <see cref="TrainTokens"/>.</summary>
    [JsonIgnore]
    public long ValidationTokens => Tokens - TrainTokens;

    /// <summary>Whether <paramref name="directory"/> holds a manifest (and so is a prepared corpus, not a folder of text).</summary>
    public static bool ExistsIn(string directory) => File.Exists(Path.Combine(directory, FileName));

    /// <summary>Reads the manifest of <paramref name="directory"/> and the CRC-64 of its bytes (a run records it to know its data).</summary>
    /// <exception cref="TrainingInputException">No manifest, unreadable, or another format (about no option: the caller says which directory it was given as).</exception>
    public static (PreparedManifest Manifest, string Crc64) Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new TrainingInputException(null, $"'{directory}' has no {FileName}: it is not a prepared corpus");
        }

        byte[] bytes;
        PreparedManifest? manifest;
        try
        {
            bytes = File.ReadAllBytes(path);
            manifest = JsonSerializer.Deserialize<PreparedManifest>(bytes, Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingInputException(null, $"cannot read '{path}': {e.Message}");
        }
        catch (JsonException e)
        {
            throw new TrainingInputException(null, $"'{path}' is not a readable manifest ({e.Message.Split(". ")[0].TrimEnd('.')}); prepare the corpus again");
        }

        if (manifest is null || manifest.Format != CurrentFormat)
        {
            throw new TrainingInputException(null, $"'{path}' has format '{manifest?.Format}', this version reads '{CurrentFormat}'; prepare the corpus again");
        }

        return (manifest, Hex(Crc64.HashToUInt64(bytes)));
    }

    /// <summary>Writes the manifest into <paramref name="directory"/> atomically (a temporary file renamed over it) and returns the CRC-64 of its bytes.</summary>
    public string Write(string directory)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(this, Json);
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        return Hex(Crc64.HashToUInt64(bytes));
    }

    /// <summary>A checksum as the manifest spells it: 16 lower-case hex digits.</summary>
    public static string Hex(ulong value) => value.ToString("x16", CultureInfo.InvariantCulture);
}
