namespace Anneal.Cli.Rendering;

/// <summary>Which rows a terminal table shows: all of a short run; of a long one the first rows, every k-th and the last.</summary>
internal static class RowSample
{
    /// <summary>Runs with at most this many rows are shown whole.</summary>
    internal const int ShowAllUpTo = 50;

    /// <summary>A sampled table starts with this many rows.</summary>
    internal const int Head = 10;
    private const int Body = 30;

    /// <summary>The indices of the rows to show and the stride of the sampled part (1 when all are shown).</summary>
    internal static (IReadOnlyList<int> Indices, long Stride) Select(IReadOnlyList<TraceRow> rows)
    {
        if (rows.Count <= ShowAllUpTo)
        {
            return ([.. Enumerable.Range(0, rows.Count)], 1);
        }

        var stride = NiceStride((rows.Count - 1) / (double)Body);
        var indices = new SortedSet<int>(Enumerable.Range(0, Head)) { rows.Count - 1 };
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Step % stride == 0)
            {
                indices.Add(i);
            }
        }

        return ([.. indices], stride);
    }

    /// <summary>The smallest of 1, 2, 5, 10, 20, 50, ... at least <paramref name="raw"/>.</summary>
    private static long NiceStride(double raw)
    {
        for (long scale = 1; ; scale *= 10)
        {
            foreach (var m in new long[] { 1, 2, 5 })
            {
                if (m * scale >= raw)
                {
                    return m * scale;
                }
            }
        }
    }
}
