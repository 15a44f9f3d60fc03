using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Anneal.Training.Data.Prepared;

/// <summary>
/// Appends one token stream to shard files <c>tokens-00000.bin</c>, <c>tokens-00001.bin</c>, ... of at most
/// <c>shardTokens</c> tokens each, little-endian <see cref="TokenWidth"/>, computing each file's CRC-64 as it goes.
/// Each shard is flushed to disk when it is closed; the manifest that lists them is written afterwards, by the caller.
/// </summary>
internal sealed class ShardWriter : IDisposable
{
    /// <summary>The file-name pattern of shards (for cleaning up an interrupted preparation).</summary>
    internal const string Pattern = "tokens-*.bin";

    private readonly string _directory;
    private readonly TokenWidth _width;
    private readonly long _shardTokens;
    private readonly List<ShardInfo> _shards = [];
    private readonly byte[] _buffer = new byte[1 << 16];
    private readonly Crc64 _crc = new();
    private FileStream? _file;
    private long _inShard;

    internal ShardWriter(string directory, TokenWidth width, long shardTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardTokens, 1);
        (_directory, _width, _shardTokens) = (directory, width, shardTokens);
    }

    /// <summary>Tokens written so far.</summary>
    internal long Tokens { get; private set; }

    /// <summary>Appends <paramref name="tokens"/>, starting new shards as they fill.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A token does not fit the width.</exception>
    internal void Write(ReadOnlySpan<int> tokens)
    {
        var bytesPerToken = (int)_width;
        var perBuffer = _buffer.Length / bytesPerToken;
        while (tokens.Length > 0)
        {
            if (_file is null || _inShard == _shardTokens)
            {
                CloseShard();
                var name = string.Create(CultureInfo.InvariantCulture, $"tokens-{_shards.Count:D5}.bin");
                _file = new FileStream(Path.Combine(_directory, name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                _shards.Add(new ShardInfo(name, 0, ""));
                _inShard = 0;
            }

            var n = (int)Math.Min(Math.Min(tokens.Length, perBuffer), _shardTokens - _inShard);
            var bytes = _buffer.AsSpan(0, n * bytesPerToken);
            for (var i = 0; i < n; i++)
            {
                var token = tokens[i];
                if (_width == TokenWidth.UInt16)
                {
                    ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)token, ushort.MaxValue, nameof(tokens));
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], (ushort)token);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes[(4 * i)..], (uint)token);
                }
            }

            _file.Write(bytes);
            _crc.Append(bytes);
            _inShard += n;
            Tokens += n;
            tokens = tokens[n..];
        }
    }

    /// <summary>Closes the last shard and returns every shard with its token count and checksum.</summary>
    internal IReadOnlyList<ShardInfo> Finish()
    {
        CloseShard();
        return _shards;
    }

    public void Dispose() => _file?.Dispose();

    private void CloseShard()
    {
        if (_file is null)
        {
            return;
        }

        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _file = null;
        _shards[^1] = _shards[^1] with { Tokens = _inShard, Crc64 = PreparedManifest.Hex(_crc.GetCurrentHashAsUInt64()) };
        _crc.Reset();
    }
}
