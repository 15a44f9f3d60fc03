using Anneal.Training.Data;

namespace Anneal.Training;

/// <summary>
/// Reads the training windows of a coming step in the background, so that memory-mapped shards not yet in the page cache
/// (a cold random read costs milliseconds on a disk) are faulted in while the current step computes. Batches stay a
/// pure function of (seed, step, micro-step): this only reads the tokens <see cref="Trainer.Batch"/> will cut, through
/// the same <see cref="Trainer.BatchStream"/>, into a scratch buffer, and changes nothing. Memory-mapped shards are first
/// told every window (<see cref="IReadAhead"/>), so their pages are read in parallel. At most one step's read is in flight.
/// </summary>
/// <remarks>Dispose it before the token source: disposing waits for the read in flight.</remarks>
internal sealed class BatchPrefetch(ITokenSource tokens, TrainingOptions options) : IDisposable
{
    private readonly int[] _window = new int[options.Context + 1];
    private Task _read = Task.CompletedTask;
    private volatile bool _stopped;

    /// <summary>Starts reading the windows of <paramref name="step"/>, after the previous read ends.</summary>
    public void Start(int step)
    {
        ObjectDisposedException.ThrowIf(_stopped, this);
        Wait();
        _read = Task.Run(() => Read(step));
    }

    /// <summary>Waits for the read in flight.</summary>
    public void Wait() => _read.GetAwaiter().GetResult();

    /// <summary>The windows of <paramref name="step"/>, in the order its batches cut them (what <see cref="Start"/> reads).</summary>
    internal IEnumerable<long> Starts(int step)
    {
        for (var micro = 0; micro < options.GradientAccumulation; micro++)
        {
            var rng = Trainer.BatchStream(options, step, micro);
            for (var b = 0; b < options.BatchSize; b++)
            {
                yield return rng.NextInt64(tokens.Count - options.Context);
            }
        }
    }

    /// <summary>Stops after the window being read and waits for it.</summary>
    public void Dispose()
    {
        _stopped = true;
        Wait();
    }

    private void Read(int step)
    {
        if (tokens is IReadAhead ahead)
        {
            foreach (var start in Starts(step))
            {
                ahead.WillNeed(start, _window.Length); // every window's pages requested at once: read in parallel
            }
        }

        foreach (var start in Starts(step))
        {
            if (_stopped)
            {
                return;
            }

            tokens.CopyTo(start, _window);
        }
    }
}
