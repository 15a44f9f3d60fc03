using System.Diagnostics;
using Anneal.Training;
using Anneal.Training.Model;
using static TorchSharp.torch;

/// <summary>
/// The model-size sweep: the trainer (Trainer.Run, as the main benchmark times it) at widths 128, 256, 384 and 512 with
/// 4 and 8 layers (4 heads, the default batch, context and vocabulary), each as tokens/s over the median of its measured
/// steps, GFLOP/s, and the fraction of FP32 torch.mm 2048 x 2048 measured just before it in the same process.
/// </summary>
internal static class ModelSweep
{
    internal static void Run(int steps, int warmup)
    {
        Console.WriteLine(Measure.MachineLine());
        Console.WriteLine($"trainer, {warmup} warm-up + {steps} measured steps per size; peak = FP32 torch.mm 2048 x 2048 just before each size");
        Console.WriteLine();
        Console.WriteLine("| width | layers | parameters | tokens/s | GFLOP/s | torch.mm GFLOP/s | of peak | load |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---|");
        var defaults = new TrainingOptions();
        foreach (var layers in new[] { 4, 8 })
        {
            foreach (var dim in new[] { 128, 256, 384, 512 })
            {
                var options = defaults with { EmbeddingDim = dim, Layers = layers, Heads = 4 };
                var peak = Measure.MatmulGflops(2048, ScalarType.Float32);
                var timer = new StepTimer(warmup);
                var dir = Directory.CreateTempSubdirectory("anneal-sweep-");
                try
                {
                    Trainer.Run(options with { Steps = warmup + steps, EvalEvery = int.MaxValue, CheckpointEvery = 0 }, null, Path.Combine(dir.FullName, "run"), progress: timer);
                }
                finally
                {
                    dir.Delete(true);
                }

                var config = new GptConfig(timer.Vocabulary, options.Context, layers, options.Heads, dim);
                var tokens = options.TokensPerStep / Measure.Median(timer.Seconds);
                var gflops = tokens * config.TrainingFlopsPerToken / 1e9;
                var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
                Console.WriteLine($"| {dim} | {layers} | {config.ParameterCount:N0} | {tokens:N0} | {gflops:F1} | {peak:F1} | {gflops / peak:P1} | {load} |");
            }
        }
    }

    /// <summary>Seconds from one step's report to the next, after the warm-up steps.</summary>
    private sealed class StepTimer(int warmup) : ITrainingProgress
    {
        private readonly Stopwatch _clock = new();

        public List<double> Seconds { get; } = [];

        public int Vocabulary { get; private set; }

        public void Started(RunInfo info)
        {
            Vocabulary = info.VocabularySize;
            _clock.Restart();
        }

        public void Stepped(StepReport report)
        {
            if (report.Step >= warmup)
            {
                Seconds.Add(_clock.Elapsed.TotalSeconds);
            }

            _clock.Restart();
        }

        public void Evaluated(int step, double validationLoss)
        {
        }

        public void CheckpointSaved(int step, string path)
        {
        }
    }
}
