using System.Diagnostics;
using Anneal.Training;
using Anneal.Training.Model;
using static TorchSharp.torch;

/// <summary>
/// The bf16 row: is bf16 faster than FP32 on this CPU through libtorch? torch.mm in both dtypes at three sizes
/// (interleaved), then the hand loop with the whole model in bf16 (weights, activations, gradients and AdamW state: the
/// fastest bf16 can be, before FP32 master weights add their casts) against the same loop in FP32, interleaved step by
/// step. Each is reported as tokens/s, GFLOP/s and the fraction of the matching dtype's best torch.mm.
/// </summary>
internal static class Bf16Row
{
    internal static void Run(TrainingOptions options, GptConfig config, int[] train, int steps)
    {
        Console.WriteLine($"bf16 against FP32 ({(Measure.CpuFlags().Contains("avx512_bf16") ? "this CPU has avx512_bf16" : "this CPU has no avx512_bf16")}):");
        double fp32Peak = 0, bf16Peak = 0;
        foreach (var n in new[] { 256, 512, 1024 })
        {
            var f = Measure.MatmulGflops(n, ScalarType.Float32);
            var b = Measure.MatmulGflops(n, ScalarType.BFloat16);
            (fp32Peak, bf16Peak) = (Math.Max(fp32Peak, f), Math.Max(bf16Peak, b));
            Console.WriteLine($"torch.mm {n,4} x {n,-4}  FP32 {f,7:F1} GFLOP/s   bf16 {b,7:F1} GFLOP/s   bf16 / FP32 {b / f:F3}");
        }

        using var fp32 = new HandLoop(options, config, train);
        using var bf16 = new HandLoop(options, config, train, ScalarType.BFloat16);
        fp32.Step();
        bf16.Step(); // warm-up
        List<double> f32 = [], b16 = [];
        for (var i = 0; i < steps; i++)
        {
            f32.Add(Time(fp32.Step));
            b16.Add(Time(bf16.Step));
        }

        var tokensPerStep = options.BatchSize * options.Context;
        double tf = tokensPerStep / Measure.Median(f32), tb = tokensPerStep / Measure.Median(b16);
        double gf = tf * config.TrainingFlopsPerToken / 1e9, gb = tb * config.TrainingFlopsPerToken / 1e9;
        Console.WriteLine($"hand loop FP32  {tf,8:F0} tokens/s  {gf,6:F1} GFLOP/s  {gf / fp32Peak,6:P1} of FP32 torch.mm {fp32Peak:F1}");
        Console.WriteLine($"hand loop bf16  {tb,8:F0} tokens/s  {gb,6:F2} GFLOP/s  {gb / bf16Peak,6:P1} of bf16 torch.mm {bf16Peak:F2}   ({steps} steps each, interleaved, median)");
        Console.WriteLine($"bf16 / FP32 training speed: {tb / tf:F3} (issue 12's bar for shipping --precision bf16: >= 1.4)");
    }

    private static double Time(Action step)
    {
        var clock = Stopwatch.StartNew();
        step();
        return clock.Elapsed.TotalSeconds;
    }
}
