using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Anneal.Training.Runs;

/// <summary>A checkpoint file whose header was read and whose contents were checked.</summary>
/// <param name="Path">The file.</param>
/// <param name="Header">Its header.</param>
/// <param name="Verified">True when its CRC-64 matched; false only for an <c>anneal.train/1</c> checkpoint, which has none.</param>
/// <param name="PayloadOffset">Where the tensors start.</param>
public sealed record CheckpointInfo(string Path, CheckpointHeader Header, bool Verified, long PayloadOffset)
{
    /// <summary>The file's length when it was checked.</summary>
    internal long Length { get; init; }

    /// <summary>The CRC-64 stored at its end when it was checked (null for <c>anneal.train/1</c>).</summary>
    internal ulong? Crc64 { get; init; }
}

/// <summary>
/// The checkpoint file format. <c>anneal.checkpoint/2</c>: the 20 ASCII bytes <c>ANNEAL-CHECKPOINT/2\n</c>; the file's
/// length (int64, little-endian); the header's length (int32) and the header (<see cref="CheckpointHeader"/>, UTF-8
/// JSON); the tensors (TorchSharp's <c>Module.save</c>, then the optimizer's <c>save_state_dict</c>: per-group options and
/// per-parameter buffers such as Adam's moments and step counts); last, the CRC-64 (ECMA-182, <see cref="Crc64"/>;
/// little-endian) of every byte before it. A short file is "truncated", a checksum mismatch "corrupt".
/// </summary>
/// <remarks>
/// Written atomically: to <c>FILE.tmp</c> in the same directory, flushed to disk (<c>fsync</c>), then renamed over the
/// target (<c>rename(2)</c> replaces atomically); a failure deletes the temporary file. A crash or SIGKILL at any moment
/// leaves the previous file or the new one, never a torn one.
/// </remarks>
internal static class CheckpointFile
{
    private static readonly byte[] Magic = "ANNEAL-CHECKPOINT/2\n"u8.ToArray();
    private const string LegacyMagic = "ANNEAL-CHECKPOINT/1";

    /// <summary>Writes <paramref name="header"/> and the tensors written by <paramref name="payload"/> to <paramref name="path"/>.tmp, fsyncs it, and returns the temporary path (the caller renames it).</summary>
    /// <exception cref="IOException">The disk is full, the file system read-only, ...; the temporary file is deleted.</exception>
    public static string WriteTemporary(string path, CheckpointHeader header, Action<BinaryWriter> payload)
    {
        var temp = path + ".tmp";
        try
        {
            using var stream = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
            var json = Encoding.UTF8.GetBytes(RunJson.Serialize(header));
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(0L); // the length, once known
                writer.Write(json.Length);
                writer.Write(json);
                payload(writer);
                writer.Flush();
            }

            var length = stream.Position + sizeof(ulong);
            stream.Position = Magic.Length;
            Span<byte> number = stackalloc byte[sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(number, length);
            stream.Write(number);
            stream.Flush();
            var crc = Checksum(stream, length - sizeof(ulong));
            BinaryPrimitives.WriteUInt64LittleEndian(number, crc);
            stream.Position = length - sizeof(ulong);
            stream.Write(number);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        return temp;
    }

    /// <summary>Reads and checks the checkpoint at <paramref name="path"/>.</summary>
    /// <returns>The checkpoint, or the problem in words (<c>is truncated: ...</c>) when it cannot be used.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static (CheckpointInfo? Checkpoint, string? Problem) Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var actual = stream.Length;
        if (actual > 0 && stream.ReadByte() == LegacyMagic.Length)
        {
            stream.Position = 0;
            return ReadLegacy(path, stream);
        }

        stream.Position = 0;
        var prefix = new byte[Magic.Length + sizeof(long) + sizeof(int)];
        if (stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false) < prefix.Length || !prefix.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return (null, actual < Magic.Length && Magic.AsSpan(0, (int)actual).SequenceEqual(prefix.AsSpan(0, (int)actual))
                ? $"is truncated ({actual} bytes): not even its format tag is whole"
                : "is not an anneal checkpoint (no ANNEAL-CHECKPOINT/2 tag at its start)");
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(prefix.AsSpan(Magic.Length));
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(prefix.AsSpan(Magic.Length + sizeof(long)));
        if (actual < length)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"is truncated: {actual:N0} bytes of the {length:N0} it was written with"));
        }

        if (actual > length || headerLength < 2 || prefix.Length + (long)headerLength + sizeof(ulong) > length)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"is corrupt: its length fields ({length:N0} bytes, header {headerLength:N0}) do not fit the file's {actual:N0} bytes"));
        }

        var computed = Checksum(stream, length - sizeof(ulong));
        var expected = StoredCrc64(stream); // the file is `length` bytes long (checked above)
        if (computed != expected)
        {
            return (null, $"is corrupt: its CRC-64 is {computed:x16}, not the {expected:x16} it was written with");
        }

        var json = new byte[headerLength];
        stream.Position = prefix.Length;
        stream.ReadExactly(json);
        var header = RunJson.Deserialize<CheckpointHeader>(Encoding.UTF8.GetString(json), path);
        if (header.Format != CheckpointHeader.CurrentFormat)
        {
            return (null, $"has format '{header.Format}', which this version of anneal does not read (it writes {CheckpointHeader.CurrentFormat})");
        }

        return (new CheckpointInfo(path, header, true, prefix.Length + headerLength) { Length = length, Crc64 = expected }, null);
    }

    /// <summary>
    /// Loads the tensors of <paramref name="checkpoint"/> through <paramref name="load"/>, from the file that was checked:
    /// a run still training renames a new checkpoint over the path, so the file opened here must have the checked one's
    /// length and stored CRC-64.
    /// </summary>
    /// <exception cref="TrainingInputException">The file was replaced since it was checked, or the tensors do not fit the model or optimizer (or end early).</exception>
    public static void LoadPayload(CheckpointInfo checkpoint, Action<BinaryReader> load)
    {
        using var stream = new FileStream(checkpoint.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        if (stream.Length != checkpoint.Length || (checkpoint.Crc64 is { } crc && StoredCrc64(stream) != crc))
        {
            throw new TrainingInputException(
                null, $"'{checkpoint.Path}' was replaced by a newer checkpoint while it was being read (its run is still training); start again, or start from a kept checkpoint (RUN@STEP)");
        }

        stream.Position = checkpoint.PayloadOffset;
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            load(reader);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or InvalidOperationException or IOException)
        {
            throw new TrainingInputException(null, $"'{checkpoint.Path}' does not fit this model and optimizer: {e.Message}");
        }
    }

    /// <summary>Deletes <paramref name="path"/> if it can (best effort).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind; the next write replaces it.
        }
    }

    private static ulong StoredCrc64(Stream stream)
    {
        Span<byte> stored = stackalloc byte[sizeof(ulong)];
        stream.Position = stream.Length - sizeof(ulong);
        stream.ReadExactly(stored);
        return BinaryPrimitives.ReadUInt64LittleEndian(stored);
    }

    private static ulong Checksum(Stream stream, long count)
    {
        var crc = new Crc64();
        var buffer = new byte[1 << 16];
        stream.Position = 0;
        while (count > 0)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            crc.Append(buffer.AsSpan(0, read));
            count -= read;
        }

        return crc.GetCurrentHashAsUInt64();
    }

    private static (CheckpointInfo?, string?) ReadLegacy(string path, FileStream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != LegacyMagic)
            {
                return (null, "is not an anneal checkpoint");
            }

            var header = LegacyFormat.CheckpointHeader(reader.ReadString(), path);
            return (new CheckpointInfo(path, header, false, stream.Position) { Length = stream.Length }, null);
        }
        catch (EndOfStreamException)
        {
            return (null, "is truncated: its anneal.train/1 header ends early");
        }
    }
}
