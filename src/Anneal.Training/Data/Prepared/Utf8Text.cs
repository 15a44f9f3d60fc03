using System.Buffers;
using System.IO.Hashing;
using System.Text.Unicode;

namespace Anneal.Training.Data.Prepared;

/// <summary>
/// Streams a UTF-8 file as blocks of UTF-16 text, strictly: a malformed or truncated sequence is an error that names the
/// file and the byte offset where the sequence starts. A leading byte-order mark is skipped. Memory: two blocks.
/// </summary>
internal static class Utf8Text
{
    /// <summary>The block size: 1 MiB of bytes per read.</summary>
    internal const int BlockBytes = 1 << 20;

    /// <summary>
    /// The decoded blocks of <paramref name="path"/>; the memory of a block is reused by the next one. Every byte read is
    /// appended to <paramref name="crc"/> when given; <paramref name="textBytes"/> receives the bytes decoded (BOM excluded).
    /// </summary>
    /// <exception cref="TrainingInputException">The file cannot be opened, or is not valid UTF-8.</exception>
    internal static IEnumerable<ReadOnlyMemory<char>> Blocks(string path, Crc64? crc, Action<long>? textBytes = null)
    {
        using var stream = Open(path);
        var bytes = ArrayPool<byte>.Shared.Rent(BlockBytes + 4);
        var chars = ArrayPool<char>.Shared.Rent(BlockBytes + 4);
        try
        {
            var carry = 0;
            long offset = 0; // file offset of bytes[0]
            var first = true;
            while (true)
            {
                var read = stream.ReadAtLeast(bytes.AsSpan(carry, BlockBytes), first ? 3 : 1, throwOnEndOfStream: false);
                crc?.Append(bytes.AsSpan(carry, read));
                var eof = read == 0;
                var length = carry + read;
                var skipped = first && bytes.AsSpan(0, length).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
                first = false;
                var status = Utf8.ToUtf16(bytes.AsSpan(skipped, length - skipped), chars, out var consumed, out var written, replaceInvalidSequences: false, isFinalBlock: eof);
                if (status == OperationStatus.InvalidData)
                {
                    throw new TrainingInputException(TrainingOption.DataPath, $": file '{path}' is not valid UTF-8 (invalid byte sequence at byte {offset + skipped + consumed})");
                }

                textBytes?.Invoke(consumed);
                if (written > 0)
                {
                    yield return chars.AsMemory(0, written);
                }

                if (eof)
                {
                    yield break;
                }

                carry = length - skipped - consumed;
                bytes.AsSpan(skipped + consumed, carry).CopyTo(bytes);
                offset += skipped + consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Opens a text file for one sequential read.</summary>
    /// <exception cref="TrainingInputException">It is missing or unreadable.</exception>
    internal static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingInputException(TrainingOption.DataPath, $": cannot read file '{path}': {e.Message}");
        }
    }
}
