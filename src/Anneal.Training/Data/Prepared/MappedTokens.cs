using System.IO.MemoryMappedFiles;

namespace Anneal.Training.Data.Prepared;

/// <summary>
/// The shard files of a prepared corpus mapped into memory (read-only): opening costs one mapping per shard whatever
/// their size, and only the pages a batch touches are read from disk, so start-up time and memory do not grow with
/// the corpus. <see cref="Slice"/> gives the train and validation parts as <see cref="ITokenSource"/>s.
/// </summary>
public sealed unsafe class MappedShards : IDisposable
{
    private readonly MemoryMappedFile[] _files;
    private readonly MemoryMappedViewAccessor[] _views;
    private readonly byte*[] _pointers;
    private readonly long[] _starts; // first token of each shard; _starts[^1] = Count
    private readonly int _width;
    private bool _disposed;

    private MappedShards(MemoryMappedFile[] files, MemoryMappedViewAccessor[] views, byte*[] pointers, long[] starts, int width) =>
        (_files, _views, _pointers, _starts, _width) = (files, views, pointers, starts, width);

    /// <summary>Every token of every shard.</summary>
    public long Count => _starts[^1];

    /// <summary>Maps the shards of <paramref name="manifest"/> in <paramref name="directory"/>, checking that each file has the size the manifest gives.</summary>
    /// <exception cref="TrainingInputException">A shard is missing or has another size (the corpus changed or is damaged; about no option).</exception>
    public static MappedShards Open(string directory, PreparedManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var width = (int)manifest.TokenType;
        var n = manifest.Shards.Count;
        MemoryMappedFile[] files = new MemoryMappedFile[n];
        MemoryMappedViewAccessor[] views = new MemoryMappedViewAccessor[n];
        var pointers = new byte*[n];
        var starts = new long[n + 1];
        var opened = 0;
        try
        {
            for (var i = 0; i < n; i++)
            {
                var shard = manifest.Shards[i];
                var path = Path.Combine(directory, shard.File);
                var info = new FileInfo(path);
                if (!info.Exists || info.Length != shard.Tokens * width || shard.Tokens < 1)
                {
                    var found = info.Exists ? $"{info.Length} bytes" : "missing";
                    throw new TrainingInputException(
                        null,
                        $"shard '{path}' should hold {shard.Tokens} tokens ({shard.Tokens * width} bytes) but is {found}; the prepared corpus is damaged: prepare it again");
                }

                files[i] = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
                views[i] = files[i].CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                byte* p = null;
                views[i].SafeMemoryMappedViewHandle.AcquirePointer(ref p);
                opened++;
                pointers[i] = p + views[i].PointerOffset;
                starts[i + 1] = starts[i] + shard.Tokens;
            }
        }
        catch
        {
            Release(files, views, opened);
            throw;
        }

        if (starts[^1] != manifest.Tokens)
        {
            Release(files, views, opened);
            throw new TrainingInputException(null, $"the shards of '{directory}' hold {starts[^1]} tokens but its manifest says {manifest.Tokens}; prepare it again");
        }

        return new MappedShards(files, views, pointers, starts, width);
    }

    /// <summary>Tokens <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 as a token source (valid while this object is not disposed).</summary>
    public MappedTokens Slice(long start, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count, nameof(count));
        return new MappedTokens(this, start, count);
    }

    /// <summary>
    /// Tells the kernel that tokens <paramref name="position"/> .. <paramref name="position"/> + <paramref name="count"/> - 1
    /// will be read soon (<c>madvise(MADV_WILLNEED)</c> on Linux): it starts reading their pages and returns at once, so
    /// many windows are read from disk in parallel rather than one page fault after another. Advice only: nothing on
    /// other systems, and a refused call changes nothing.
    /// </summary>
    internal void WillNeed(long position, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!OperatingSystem.IsLinux() || count <= 0)
        {
            return;
        }

        var page = (nuint)Environment.SystemPageSize;
        var shard = Array.BinarySearch(_starts, position);
        shard = shard >= 0 ? shard : ~shard - 1;
        var end = position + count;
        while (shard < _pointers.Length && _starts[shard] < end)
        {
            var from = (nuint)(_pointers[shard] + ((Math.Max(position, _starts[shard]) - _starts[shard]) * _width));
            var to = (nuint)(_pointers[shard] + ((Math.Min(end, _starts[shard + 1]) - _starts[shard]) * _width));
            var aligned = from & ~(page - 1);
            _ = Native.Madvise((nint)aligned, to - aligned, Native.MadvWillNeed);
            shard++;
        }
    }

    /// <summary>Copies tokens from absolute position <paramref name="position"/>, crossing shard boundaries as needed.</summary>
    internal void Copy(long position, Span<int> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var shard = Array.BinarySearch(_starts, position);
        shard = shard >= 0 ? shard : ~shard - 1;
        var done = 0;
        while (done < destination.Length)
        {
            var inShard = position + done - _starts[shard];
            var n = (int)Math.Min(destination.Length - done, _starts[shard + 1] - _starts[shard] - inShard);
            var target = destination.Slice(done, n);
            var source = _pointers[shard] + (inShard * _width);
            if (_width == 2)
            {
                var tokens = new ReadOnlySpan<ushort>(source, n);
                for (var i = 0; i < n; i++)
                {
                    target[i] = tokens[i];
                }
            }
            else
            {
                new ReadOnlySpan<int>(source, n).CopyTo(target);
            }

            done += n;
            shard++;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Release(_files, _views, _views.Length);
    }

    private static void Release(MemoryMappedFile[] files, MemoryMappedViewAccessor[] views, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (views[i] is { } view)
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
                view.Dispose();
            }

            files[i]?.Dispose();
        }
    }
}

/// <summary>A window of memory-mapped shards (the train or validation part of a prepared corpus).</summary>
public sealed class MappedTokens : ITokenSource, IReadAhead
{
    private readonly MappedShards _shards;
    private readonly long _start;

    internal MappedTokens(MappedShards shards, long start, long count) => (_shards, _start, Count) = (shards, start, count);

    /// <inheritdoc />
    public long Count { get; }

    /// <inheritdoc />
    public void CopyTo(long start, Span<int> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + destination.Length, Count, nameof(start));
        _shards.Copy(_start + start, destination);
    }

    /// <inheritdoc />
    void IReadAhead.WillNeed(long start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, Count, nameof(start));
        _shards.WillNeed(_start + start, length);
    }
}

/// <summary>The libc call behind <see cref="MappedShards.WillNeed"/>.</summary>
internal static partial class Native
{
    /// <summary><c>MADV_WILLNEED</c> on Linux.</summary>
    internal const int MadvWillNeed = 3;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    internal static partial int Madvise(nint address, nuint length, int advice);
}
