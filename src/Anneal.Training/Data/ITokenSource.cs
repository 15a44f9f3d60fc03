namespace Anneal.Training.Data;

/// <summary>
/// A read-only sequence of token ids that batches are cut from: the in-memory tokens of a text (<see cref="TokenArray"/>)
/// or the memory-mapped shards of a prepared corpus (<see cref="Data.Prepared.MappedTokens"/>). Both give the same batches for
/// the same tokens, because a batch only asks for windows by position.
/// </summary>
public interface ITokenSource
{
    /// <summary>The number of tokens.</summary>
    long Count { get; }

    /// <summary>Copies the tokens at positions <paramref name="start"/> .. <paramref name="start"/> + length - 1 into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window does not lie inside 0 .. <see cref="Count"/>.</exception>
    void CopyTo(long start, Span<int> destination);
}

/// <summary>
/// A token source that can be told which windows will be read soon, so it can start reading them (memory-mapped shards:
/// the kernel reads their pages ahead, all at once). Advice only: what is read is unchanged.
/// </summary>
internal interface IReadAhead
{
    /// <summary>Positions <paramref name="start"/> .. <paramref name="start"/> + <paramref name="length"/> - 1 will be read soon.</summary>
    void WillNeed(long start, int length);
}

/// <summary>Tokens held in an array.</summary>
/// <param name="Tokens">The token ids (not copied).</param>
public sealed record TokenArray(int[] Tokens) : ITokenSource
{
    /// <inheritdoc />
    public long Count => Tokens.Length;

    /// <inheritdoc />
    public void CopyTo(long start, Span<int> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + destination.Length, Tokens.LongLength, nameof(start));
        Tokens.AsSpan((int)start, destination.Length).CopyTo(destination);
    }
}

/// <summary>Helpers over any <see cref="ITokenSource"/>.</summary>
public static class TokenSourceExtensions
{
    /// <summary>The tokens at positions <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 as a new array.</summary>
    public static int[] Read(this ITokenSource source, long start, int count)
    {
        ArgumentNullException.ThrowIfNull(source);
        var tokens = new int[count];
        source.CopyTo(start, tokens);
        return tokens;
    }
}
