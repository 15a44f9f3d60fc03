using System.IO.Hashing;
using System.Text;

namespace Anneal.Training.Data.Prepared;

/// <summary>
/// Where <c>anneal train --data FILE.txt</c> (or a folder or glob of text) keeps its tokens so that a second run does
/// not tokenize again: <c>$ANNEAL_CACHE_DIR/prepared/&lt;key&gt;</c>, by default <c>$XDG_CACHE_HOME/anneal</c> or
/// <c>~/.cache/anneal</c>. The key is the tokenizer and a CRC-64 over every source file's CRC-64 and size, in order: the
/// same text gives the same key wherever it lies, and any change to it gives a new key. Computing the key reads the
/// text once (CRC-64 at several GB/s). Entries are never removed by Anneal: delete the folder to reclaim the space.
/// </summary>
public static class PreparedCache
{
    /// <summary>The environment variable that moves the cache.</summary>
    public const string EnvironmentVariable = "ANNEAL_CACHE_DIR";

    /// <summary>The cache root: <c>$ANNEAL_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/anneal</c>, else <c>~/.cache/anneal</c>.</summary>
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } root)
            {
                return root;
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var baseDir = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "anneal");
        }
    }

    /// <summary>
    /// The cache key of <paramref name="files"/> under <paramref name="tokenizer"/>: <c>&lt;tokenizer&gt;-&lt;16 hex digits&gt;</c>,
    /// from each file's CRC-64 and length. A file's checksum is computed once per process for a given (full path, size,
    /// modification time): <c>anneal train --data FILE.txt</c> and every run of a compare in one process read the text
    /// once for the key, not once per run; an edit that changes the size or the modification time gives a new key.
    /// </summary>
    public static string Key(IReadOnlyList<string> files, TokenizerKind tokenizer)
    {
        ArgumentNullException.ThrowIfNull(files);
        var key = new Crc64();
        key.Append(Encoding.UTF8.GetBytes(PreparedManifest.CurrentFormat + "\n" + tokenizer.Name() + "\n"));
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            var identity = (info.FullName, info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc : default);
            var checksum = FileChecksums.GetOrAdd(identity, _ => Checksum(file));
            key.Append(Encoding.UTF8.GetBytes($"{checksum}\n"));
        }

        return $"{tokenizer.Name()}-{PreparedManifest.Hex(key.GetCurrentHashAsUInt64())}";
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, long Length, DateTime Modified), string> FileChecksums = new();

    /// <summary>A file's CRC-64 and length as the key holds them: <c>&lt;16 hex digits&gt; &lt;bytes&gt;</c>.</summary>
    private static string Checksum(string file)
    {
        var buffer = new byte[1 << 20];
        var crc = new Crc64();
        long length = 0;
        using (var stream = Utf8Text.Open(file))
        {
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                crc.Append(buffer.AsSpan(0, n));
                length += n;
            }
        }

        return $"{PreparedManifest.Hex(crc.GetCurrentHashAsUInt64())} {length}";
    }

    /// <summary>
    /// Opens the cached preparation of <paramref name="files"/>, preparing it first when there is none (into a private
    /// folder renamed into place when complete, so concurrent runs never see half a corpus; the first to finish wins).
    /// An entry whose shards are missing or cut short is prepared again (the cache is Anneal's own).
    /// </summary>
    /// <returns>The corpus and whether it was already cached.</returns>
    /// <exception cref="TrainingInputException">Invalid text (the message names the file and byte offset) or options.</exception>
    /// <exception cref="PrepareFaultException">The cache cannot be written (its message names the cache and <see cref="EnvironmentVariable"/>).</exception>
    public static (PreparedCorpus Corpus, bool Hit) Open(IReadOnlyList<string> files, TokenizerKind tokenizer, string? root = null, IPrepareProgress? progress = null,
        CancellationToken cancellation = default)
    {
        var dir = Path.Combine(root ?? Root, "prepared");
        var entry = Path.Combine(dir, Key(files, tokenizer));
        if (PreparedManifest.ExistsIn(entry))
        {
            try
            {
                return (PreparedCorpus.Open(entry), true);
            }
            catch (TrainingInputException)
            {
                Remove(entry); // damaged: prepared again below
            }
        }

        var temp = Path.Combine(dir, $".partial-{Path.GetFileName(entry)}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(dir);
            CorpusPreparer.Prepare(files, temp, new PrepareOptions { Tokenizer = tokenizer }, progress, cancellation);
            try
            {
                Directory.Move(temp, entry);
            }
            catch (IOException) when (PreparedManifest.ExistsIn(entry))
            {
                // Another run prepared the same text first: use its copy.
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PrepareFaultException)
        {
            var cause = e is PrepareFaultException f ? f.Cause : e.Message;
            throw new PrepareFaultException(
                dir, $"{cause} (the cache of prepared text: set {EnvironmentVariable} to a folder with room, or prepare the text into a folder of your choice and train on that)", e);
        }
        finally
        {
            Remove(temp);
        }

        return (PreparedCorpus.Open(entry), false);
    }

    private static void Remove(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind: a partial folder is never read as an entry.
        }
    }
}
