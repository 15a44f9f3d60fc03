namespace Anneal.Training.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast generator whose whole state is one <see cref="ulong"/>, so a
/// position in its stream can be saved and restored exactly, and whose output is the same on every .NET version.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The state; a generator created with it continues the same stream.</summary>
    public readonly ulong State => _state;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) (Lemire's multiply-shift; the bias is below 2^-32 for bounds under 2^32).</summary>
    public long NextInt64(long bound) => (long)(((UInt128)NextUInt64() * (ulong)bound) >> 64);

    /// <summary>The SplitMix64 finaliser: a bijective hash of 64 bits, also used to derive independent streams from counters.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
