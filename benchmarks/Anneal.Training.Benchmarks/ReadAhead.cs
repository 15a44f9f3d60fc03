using System.Diagnostics;
using System.Globalization;
using Anneal.Training;
using Anneal.Training.Data;
using Anneal.Training.Data.Prepared;

/// <summary>
/// The read-ahead row: cold random windows of a prepared corpus (what a step's batches cut from memory-mapped shards),
/// read one after another as the batches fault them in, against the same number of windows read after telling the kernel
/// all of a step's windows at once (<see cref="IReadAhead"/>, <c>madvise(MADV_WILLNEED)</c>, what
/// <see cref="BatchPrefetch"/> does for step s+1 during step s). Before each measurement the shards' pages are dropped
/// from the page cache (<c>posix_fadvise(POSIX_FADV_DONTNEED)</c>); the two are interleaved for several rounds.
/// </summary>
internal static class ReadAhead
{
    internal static void Run(string directory, int steps, int batch, int context, int rounds)
    {
        using var corpus = PreparedCorpus.Open(directory);
        var tokens = corpus.Train;
        var window = new int[context + 1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"read-ahead: {steps} steps of {batch} cold windows of {context + 1} tokens from {corpus.Describe()}"));
        var random = new Random(1);
        for (var round = 1; round <= rounds; round++)
        {
            Drop(corpus);
            var clock = Stopwatch.StartNew();
            for (var s = 0; s < steps; s++)
            {
                for (var b = 0; b < batch; b++)
                {
                    tokens.CopyTo(random.NextInt64(tokens.Count - context), window);
                }
            }

            var serial = clock.Elapsed.TotalMilliseconds;
            Drop(corpus);
            clock.Restart();
            for (var s = 0; s < steps; s++)
            {
                var starts = Enumerable.Range(0, batch).Select(_ => random.NextInt64(tokens.Count - context)).ToArray();
                foreach (var start in starts)
                {
                    ((IReadAhead)tokens).WillNeed(start, window.Length);
                }

                foreach (var start in starts)
                {
                    tokens.CopyTo(start, window);
                }
            }

            var ahead = clock.Elapsed.TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round}: one by one {serial / steps:F1} ms a step ({serial / (steps * batch):F2} ms a window); told first {ahead / steps:F1} ms a step; {serial / ahead:F1}x"));
        }
    }

    private static void Drop(PreparedCorpus corpus)
    {
        foreach (var shard in corpus.Manifest.Shards)
        {
            using var file = File.OpenHandle(Path.Combine(corpus.Directory, shard.File));
            _ = PosixFadvise(file.DangerousGetHandle().ToInt32(), 0, 0, 4); // POSIX_FADV_DONTNEED
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);
}
