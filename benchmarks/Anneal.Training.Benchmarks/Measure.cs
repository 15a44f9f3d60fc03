using System.Diagnostics;
using static TorchSharp.torch;

/// <summary>Shared measurements: the machine line, torch.mm GFLOP/s in a dtype, medians.</summary>
internal static class Measure
{
    /// <summary>Cores, CPU model and its matrix-relevant flags, torch threads, load average.</summary>
    internal static string MachineLine()
    {
        var flags = CpuFlags();
        var isa = string.Join(' ', new[] { "avx2", "avx512f", "avx512_bf16", "amx_bf16" }.Select(f => flags.Contains(f) ? f : "no " + f));
        return $"machine: {Environment.ProcessorCount} cores, {CpuModel()} ({isa}); torch threads {get_num_threads()}, interop threads {get_num_interop_threads()}; load average {File.ReadAllText("/proc/loadavg").Trim()}";
    }

    /// <summary>The CPU flags of /proc/cpuinfo (empty elsewhere).</summary>
    internal static HashSet<string> CpuFlags() =>
        File.Exists("/proc/cpuinfo")
            ? [.. File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? []]
            : [];

    /// <summary>
    /// GFLOP/s of <c>torch.mm</c> on two n x n matrices of <paramref name="dtype"/>: 2 n^3 over the fastest of up to 10
    /// repetitions (fewer when they take more than <paramref name="budgetSeconds"/> together, for slow dtypes).
    /// </summary>
    internal static double MatmulGflops(int n, ScalarType dtype, bool print = false, double budgetSeconds = 3)
    {
        using var a = randn(n, n).to(dtype);
        using var b = randn(n, n).to(dtype);
        mm(a, b).Dispose();
        var fastest = double.MaxValue;
        var total = Stopwatch.StartNew();
        var reps = 0;
        for (; reps < 10 && (reps == 0 || total.Elapsed.TotalSeconds < budgetSeconds); reps++)
        {
            var clock = Stopwatch.StartNew();
            using var c = mm(a, b);
            fastest = Math.Min(fastest, clock.Elapsed.TotalSeconds);
        }

        var gflops = 2.0 * n * n * n / fastest / 1e9;
        if (print)
        {
            Console.WriteLine($"torch.mm {n} x {n} {dtype}: {gflops:F1} GFLOP/s (best of {reps})");
        }

        return gflops;
    }

    internal static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
}
