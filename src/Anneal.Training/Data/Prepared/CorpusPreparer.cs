using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;

namespace Anneal.Training.Data.Prepared;

/// <summary>
/// <c>anneal prepare</c>: tokenizes text files once into shards that training reads through memory-mapped files.
/// </summary>
/// <remarks>
/// <para><b>Two passes.</b> The first reads every file once: a strict UTF-8 check (the error names the file and byte
/// offset, before anything is written), each file's CRC-64, and for the char tokenizer the set of characters, which is
/// the vocabulary (sorted by code point, the whole corpus' characters, so validation has no unknown ones; the same
/// vocabulary <see cref="CharTokenizer.FromText"/> gives the whole text in memory). The second tokenizes chunks of about
/// 1 Mi characters in parallel, cut where tokenizing the pieces gives the tokens of the whole (<see cref="TextChunker"/>),
/// and appends them in order to the shards. Each file is tokenized on its own (a file's end ends a chunk) and the files'
/// tokens are concatenated in path order.</para>
/// <para><b>Memory.</b> At most 2 × workers + 2 chunks are in flight (text, 2 bytes a character, and tokens, 4 bytes
/// each): about 6 MiB per chunk, so 36 MiB on 2 cores, plus two 1 MiB read blocks, the token counts and the tokenizer;
/// independent of the corpus size.</para>
/// <para><b>Interruption.</b> The manifest is written last, atomically, after every shard is flushed to disk, so a
/// directory with a manifest has complete shards. A preparation that fails or is cancelled removes its shards; run again
/// after a killed one, preparation starts over and removes the shards left without a manifest. A directory whose manifest
/// lists the same sources (path, size, CRC-64) and tokenizer is up to date and left as it is; one that holds another
/// corpus, or files no preparation wrote, is refused unless forced: nothing is overwritten silently.</para>
/// </remarks>
public static class CorpusPreparer
{
    /// <summary>Prepares <paramref name="files"/> into <paramref name="directory"/> (created if missing).</summary>
    /// <param name="files">The text files, in stream order (<see cref="TextSources.Resolve"/>).</param>
    /// <param name="directory">
    /// A new or empty directory, one left by an interrupted preparation (shards without a manifest), or one that already
    /// holds this corpus (then nothing is written: <see cref="PrepareResult.UpToDate"/>).
    /// </param>
    /// <param name="options">Tokenizer and sizes.</param>
    /// <param name="progress">Receives the progress of both passes.</param>
    /// <param name="cancellation">Stops between chunks; no manifest is written.</param>
    /// <param name="force">
    /// Prepare even into a directory that holds another corpus (or this one: it is prepared again) or other files: the
    /// old manifest is removed first, then the old shards; other files are left alone.
    /// </param>
    /// <exception cref="TrainingInputException">Bad options, unreadable or invalid text, or (without <paramref name="force"/>) a directory that holds another corpus or other files.</exception>
    /// <exception cref="PrepareFaultException">A write failed; the directory holds no manifest for the unfinished shards.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; no manifest was written.</exception>
    public static PrepareResult Prepare(IReadOnlyList<string> files, string directory, PrepareOptions options, IPrepareProgress? progress = null, CancellationToken cancellation = default,
        bool force = false)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (files.Count == 0)
        {
            throw new TrainingInputException(TrainingOption.DataPath, ": no files to prepare");
        }

        var hasCorpus = PreparedManifest.ExistsIn(directory);
        if (!hasCorpus && !force && OtherEntries(directory) is { } other)
        {
            throw new TrainingInputException(
                TrainingOption.OutputDirectory, $": '{directory}' is not empty and holds no prepared corpus (it holds '{other}'); choose a new or empty directory", new ForceRemedy());
        }

        // Another corpus is refused before the text is read when its tokenizer, files or sizes differ; the checksums need the first pass.
        var existing = hasCorpus && !force ? ReadExisting(directory) : default;
        if (existing.Manifest is { } old && (old.Tokenizer != options.Tokenizer || !old.Sources.Select(f => (f.Path, f.Bytes)).SequenceEqual(files.Select(f => (f, new FileInfo(f).Length)))))
        {
            throw OtherCorpus(directory, old);
        }

        var clock = Stopwatch.StartNew();
        var (sources, textBytes, runes) = Check(files, options.Tokenizer == TokenizerKind.Char, progress, cancellation);
        if (textBytes == 0)
        {
            throw new TrainingInputException(TrainingOption.DataPath, files.Count == 1 ? $": file '{files[0]}' is empty" : $": the {files.Count} files hold no text");
        }

        if (existing.Manifest is { } same)
        {
            return same.Sources.SequenceEqual(sources) ? new PrepareResult(directory, same, existing.Crc64, true, clock.Elapsed) : throw OtherCorpus(directory, same);
        }

        var created = !Directory.Exists(directory);
        try
        {
            Directory.CreateDirectory(directory);
            Clear(directory); // the old manifest first, so no manifest ever lists shards being replaced
            ITokenizer tokenizer = options.Tokenizer == TokenizerKind.Char ? new CharTokenizer(runes.Select(r => new Rune(r))) : new Gpt2Tokenizer();
            var width = tokenizer.VocabularySize <= 1 << 16 ? TokenWidth.UInt16 : TokenWidth.UInt32;
            var counts = new long[tokenizer.VocabularySize];
            IReadOnlyList<ShardInfo> shards;
            using (var writer = new ShardWriter(directory, width, options.ShardTokens))
            {
                Tokenize(files, tokenizer, options, textBytes, writer, counts, progress, cancellation);
                shards = writer.Finish();
            }

            var total = shards.Sum(s => s.Tokens);
            var train = (long)(total * TextData.TrainFraction);
            if (train < 1 || total - train < 1)
            {
                throw new TrainingInputException(TrainingOption.DataPath, $": {total} tokens are too few to split into training and validation parts");
            }

            var manifest = new PreparedManifest(PreparedManifest.CurrentFormat, options.Tokenizer, tokenizer.VocabularySize, (tokenizer as CharTokenizer)?.Vocabulary,
                width, total, train, TextData.TrainFraction, textBytes, 0, shards, sources);
            manifest = manifest with { UnigramNatsPerToken = Unigram(directory, manifest, counts) };
            var manifestCrc = manifest.Write(directory);
            return new PrepareResult(directory, manifest, manifestCrc, false, clock.Elapsed);
        }
        catch (Exception e)
        {
            if (!PreparedManifest.ExistsIn(directory))
            {
                Abandon(directory, created);
            }

            if (e is IOException or UnauthorizedAccessException)
            {
                throw new PrepareFaultException(directory, e.Message, e);
            }

            throw;
        }
    }

    private static (PreparedManifest? Manifest, string Crc64) ReadExisting(string directory)
    {
        try
        {
            return PreparedManifest.Read(directory);
        }
        catch (TrainingInputException e)
        {
            throw new TrainingInputException(e.About(TrainingOption.OutputDirectory).Problems, new ForceRemedy());
        }
    }

    private static TrainingInputException OtherCorpus(string directory, PreparedManifest existing) =>
        new(TrainingOption.OutputDirectory,
            $": '{directory}' already holds a prepared corpus of other data (tokenizer {existing.Tokenizer.Name()}, {existing.Sources.Count} files); choose another directory",
            new ForceRemedy());

    /// <summary>The first entry of <paramref name="directory"/> that no preparation wrote (a shard, the manifest or its temporary file), or null.</summary>
    private static string? OtherEntries(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).FirstOrDefault(name => !IsOwn(name!))
            : null;

    private static bool IsOwn(string name) =>
        name is PreparedManifest.FileName or PreparedManifest.FileName + ".tmp" || System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(ShardWriter.Pattern, name);

    /// <summary>Removes a preparation's own files from <paramref name="directory"/>: the manifest first, then the shards.</summary>
    private static void Clear(string directory)
    {
        File.Delete(Path.Combine(directory, PreparedManifest.FileName));
        File.Delete(Path.Combine(directory, PreparedManifest.FileName + ".tmp"));
        foreach (var stale in Directory.EnumerateFiles(directory, ShardWriter.Pattern))
        {
            File.Delete(stale); // left by an interrupted preparation or the corpus being replaced (no manifest lists them now)
        }
    }

    /// <summary>After a failure: the unfinished shards are removed (best effort), and the directory too when this preparation created it.</summary>
    private static void Abandon(string directory, bool created)
    {
        try
        {
            Clear(directory);
            if (created && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind without a manifest: the next preparation removes them.
        }
    }

    /// <summary>The first pass: UTF-8 check, sizes, checksums and (for char) the distinct code points.</summary>
    private static (List<SourceFile> Sources, long TextBytes, SortedSet<int> Runes) Check(IReadOnlyList<string> files, bool collectRunes, IPrepareProgress? progress, CancellationToken cancellation)
    {
        var totalBytes = files.Sum(f => new FileInfo(f).Length);
        var clock = Stopwatch.StartNew();
        var bmp = collectRunes ? new bool[1 << 16] : [];
        var runes = new SortedSet<int>();
        var astral = new HashSet<int>(); // code points above U+FFFF
        List<SourceFile> sources = [];
        long done = 0, text = 0;
        foreach (var file in files)
        {
            var crc = new Crc64();
            long inFile = 0;
            foreach (var block in Utf8Text.Blocks(file, crc, n => inFile += n))
            {
                cancellation.ThrowIfCancellationRequested();
                if (collectRunes)
                {
                    var span = block.Span;
                    for (var i = 0; i < span.Length; i++)
                    {
                        // Strict UTF-8 gives surrogates only in pairs, and a block ends only at whole code points.
                        if (char.IsHighSurrogate(span[i]))
                        {
                            astral.Add(char.ConvertToUtf32(span[i], span[++i]));
                        }
                        else
                        {
                            bmp[span[i]] = true;
                        }
                    }
                }

                progress?.Report(new PrepareReport(PreparePhase.Checking, done + inFile, totalBytes, 0, clock.Elapsed));
            }

            var length = new FileInfo(file).Length;
            done += length;
            text += inFile;
            sources.Add(new SourceFile(file, length, PreparedManifest.Hex(crc.GetCurrentHashAsUInt64())));
        }

        for (var c = 0; c < bmp.Length; c++)
        {
            if (bmp[c])
            {
                runes.Add(c);
            }
        }

        runes.UnionWith(astral);

        return (sources, text, runes);
    }

    /// <summary>The second pass: a reader cuts chunks, the thread pool tokenizes them, this thread writes them in order.</summary>
    private static void Tokenize(IReadOnlyList<string> files, ITokenizer tokenizer, PrepareOptions options, long totalBytes, ShardWriter writer, long[] counts,
        IPrepareProgress? progress, CancellationToken cancellation)
    {
        using var queue = new BlockingCollection<Task<(int[] Tokens, long Bytes)>>(boundedCapacity: 2 * options.Workers);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var reader = Task.Factory.StartNew(() =>
        {
            var chunker = new TextChunker(options.ChunkChars, anyBoundary: tokenizer is CharTokenizer);
            var ready = new List<string>();
            try
            {
                foreach (var file in files)
                {
                    foreach (var block in Utf8Text.Blocks(file, null))
                    {
                        chunker.Append(block.Span, ready);
                        Enqueue();
                    }

                    chunker.Flush(ready);
                    Enqueue();
                }
            }
            finally
            {
                queue.CompleteAdding();
            }

            void Enqueue()
            {
                foreach (var chunk in ready)
                {
                    queue.Add(Task.Run(() => (tokenizer.Encode(chunk), (long)Encoding.UTF8.GetByteCount(chunk))), stop.Token);
                }

                ready.Clear();
            }
        }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var clock = Stopwatch.StartNew();
        long bytes = 0;
        try
        {
            foreach (var task in queue.GetConsumingEnumerable(stop.Token))
            {
                var (tokens, chunkBytes) = task.GetAwaiter().GetResult();
                writer.Write(tokens);
                foreach (var t in tokens)
                {
                    counts[t]++;
                }

                bytes += chunkBytes;
                progress?.Report(new PrepareReport(PreparePhase.Tokenizing, bytes, totalBytes, writer.Tokens, clock.Elapsed));
            }
        }
        catch
        {
            stop.Cancel();
            try
            {
                reader.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // The reader stops on the cancellation; the first error is the one rethrown.
            }

            throw;
        }

        reader.GetAwaiter().GetResult(); // the reader's own error (a file that changed since it was checked)
        cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// The unigram baseline of <see cref="TextData"/>: the validation tokens are read back from the new shards with plain
    /// reads (not mapped: mapping would count every page of them as resident memory of this process).
    /// </summary>
    private static double Unigram(string directory, PreparedManifest manifest, long[] allCounts)
    {
        var validation = new long[allCounts.Length];
        var width = (int)manifest.TokenType;
        var buffer = new byte[1 << 20];
        long position = 0;
        foreach (var shard in manifest.Shards)
        {
            var skip = Math.Max(0, manifest.TrainTokens - position); // tokens of this shard that train
            position += shard.Tokens;
            if (skip >= shard.Tokens)
            {
                continue;
            }

            using var file = new FileStream(Path.Combine(directory, shard.File), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            file.Seek(skip * width, SeekOrigin.Begin);
            int n;
            while ((n = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
            {
                var bytes = buffer.AsSpan(0, n - (n % width));
                if (width == 2)
                {
                    foreach (var t in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes))
                    {
                        validation[t]++;
                    }
                }
                else
                {
                    foreach (var t in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(bytes))
                    {
                        validation[t]++;
                    }
                }
            }
        }

        var train = new long[allCounts.Length];
        for (var id = 0; id < train.Length; id++)
        {
            train[id] = allCounts[id] - validation[id];
        }

        return TextData.Unigram(train, manifest.TrainTokens, validation, manifest.ValidationTokens);
    }
}
