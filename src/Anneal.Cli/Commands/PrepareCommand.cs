using System.CommandLine;
using System.Globalization;
using Anneal.Training;
using Anneal.Training.Data;
using Anneal.Training.Data.Prepared;
using Spectre.Console;

namespace Anneal.Cli.Commands;

/// <summary>
/// <c>anneal prepare --data FILE|DIR|GLOB --tokenizer char|gpt2 --out DIR</c>: tokenizes text once into memory-mapped
/// shards (Anneal.Training's <see cref="CorpusPreparer"/>) that <c>train</c>, <c>compare</c> and <c>find-lr</c> read
/// with <c>--data DIR</c>. Shows a bar with MB/s and ETA on a terminal, plain lines (every 10%) otherwise.
/// </summary>
internal static class PrepareCommand
{
    internal static Command Create(CliContext context)
    {
        var data = new Option<string>("--data") { HelpName = "FILE|DIR|GLOB", Description = "UTF-8 text: a file, every file under a folder, or a pattern such as 'books/*.txt' (files in path order).", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { HelpName = "char|gpt2", Description = "Characters (the vocabulary is the text's characters), or GPT-2 byte-pair encoding [default: char]." };
        var output = new Option<string>("--out") { HelpName = "DIR", Description = "The prepared directory: manifest.json and tokens-NNNNN.bin shards.", Required = true };
        var shardTokens = new Option<long?>("--shard-tokens") { HelpName = "N", Description = $"Tokens per shard file [default: {PrepareOptions.DefaultShardTokens}]." };
        var force = new Option<bool>("--force") { Description = "Prepare into an --out directory that holds another corpus or other files (the old manifest and shards are replaced; other files are kept), or prepare an up-to-date one again." };
        var command = new Command("prepare", "Tokenize text once into memory-mapped shards and a manifest, for train/compare/find-lr --data DIR.")
        {
            data, tokenizer, output, shardTokens, force,
        };
        var flags = new OptionFlags(command);
        command.SetAction(parse =>
        {
            var outDir = parse.GetValue(output)!;
            using var interruption = new Interruption();
            try
            {
                var options = new PrepareOptions
                {
                    Tokenizer = parse.GetValue(tokenizer) is { } name ? TokenizerKinds.Parse(name) : TokenizerKind.Char,
                    ShardTokens = parse.GetValue(shardTokens) ?? PrepareOptions.DefaultShardTokens,
                };
                options.Validate();
                var files = TextSources.Resolve(parse.GetValue(data)!);
                var result = context.OutIsTerminal
                    ? WithBar(autoClear: false, bar => CorpusPreparer.Prepare(files, outDir, options, bar, interruption.Token, parse.GetValue(force)))
                    : CorpusPreparer.Prepare(files, outDir, options, new PlainLines(context.Out), interruption.Token, parse.GetValue(force));
                context.Out.WriteLine(Summary(result));
                return 0;
            }
            catch (TrainingInputException e)
            {
                throw new UsageException(flags.Render(e));
            }
            catch (PrepareFaultException e)
            {
                throw new FaultException(e.Message);
            }
            catch (OperationCanceledException)
            {
                context.Out.WriteLine($"interrupted: no manifest was written, so '{outDir}' is not a corpus yet; run the same command again to start over");
                return TrainCommand.Interrupted;
            }
        });
        return command;
    }

    /// <summary>Text smaller than this prepares in well under a second: no progress lines for it when output is not a terminal.</summary>
    internal const long QuietBelowBytes = 16_000_000;

    /// <summary>
    /// Before train, compare or find-lr: text given with <c>--data</c> (not a prepared directory) is prepared into
    /// <see cref="PreparedCache"/> here, with progress, so the run finds it cached; a cache hit costs reading the text
    /// once for its checksum. Plain output stays silent for text under <see cref="QuietBelowBytes"/>.
    /// </summary>
    /// <exception cref="TrainingInputException">Invalid text.</exception>
    /// <exception cref="FaultException">The cache cannot be written.</exception>
    internal static void EnsureCached(CliContext context, Training.TrainingOptions options, CancellationToken cancel)
    {
        if (options.DataPath is not { } path || (Directory.Exists(path) && PreparedManifest.ExistsIn(path)))
        {
            return;
        }

        var files = TextSources.Resolve(path);
        var quiet = !context.OutIsTerminal && files.Sum(f => new FileInfo(f).Length) < QuietBelowBytes;
        (PreparedCorpus Corpus, bool Hit) cached = default;
        try
        {
            if (context.OutIsTerminal)
            {
                cached = WithBar(autoClear: true, bar => PreparedCache.Open(files, options.Tokenizer, progress: bar, cancellation: cancel));
            }
            else
            {
                cached = PreparedCache.Open(files, options.Tokenizer, progress: quiet ? null : new PlainLines(context.Out), cancellation: cancel);
            }
        }
        catch (OperationCanceledException)
        {
            throw new UsageException($"interrupted while preparing '{path}' (nothing was cached); run the command again");
        }
        catch (PrepareFaultException e)
        {
            throw new FaultException(e.Message);
        }

        using var corpus = cached.Corpus!;
        if (!cached.Hit && !quiet)
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"prepared '{path}' once into the cache: {corpus.Directory} ({corpus.Manifest.Tokens:N0} {corpus.Manifest.Tokenizer.Name()} tokens; later runs read it from there)"));
        }
    }

    /// <summary>The closing line.</summary>
    internal static string Summary(PrepareResult r)
    {
        var m = r.Manifest;
        var files = m.Sources.Count == 1 ? "1 file" : $"{m.Sources.Count} files";
        return r.UpToDate
            ? string.Create(CultureInfo.InvariantCulture, $"up to date: '{r.Directory}' already holds these {files} tokenized with {m.Tokenizer.Name()} ({m.Tokens:N0} tokens)")
            : string.Create(CultureInfo.InvariantCulture,
                $"prepared {m.Tokens:N0} {m.Tokenizer.Name()} tokens (vocabulary {m.VocabularySize:N0}, {m.TokenType.ToString().ToLowerInvariant()}) from {files}, {m.TextBytes / 1e6:F1} MB, into '{r.Directory}': " +
                $"{m.Shards.Count} shard{(m.Shards.Count == 1 ? "" : "s")}, {m.TrainTokens:N0} train and {m.ValidationTokens:N0} validation tokens; {r.Elapsed.TotalSeconds:F1} s, {m.TextBytes / 1e6 / Math.Max(r.Elapsed.TotalSeconds, 1e-9):F1} MB/s");
    }

    /// <summary>One report as a line: phase, MB done of total, percent, MB/s, ETA.</summary>
    internal static string Line(PrepareReport r)
    {
        var phase = r.Phase == PreparePhase.Checking ? "checking" : "tokenizing";
        var tokens = r.Phase == PreparePhase.Tokenizing ? string.Create(CultureInfo.InvariantCulture, $"  {r.Tokens:N0} tokens") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{phase} {r.Bytes / 1e6:F1}/{r.TotalBytes / 1e6:F1} MB ({Percent(r):F0}%)  {r.MegabytesPerSecond:F1} MB/s  ETA {r.Eta ?? TimeSpan.Zero:hh\\:mm\\:ss}{tokens}");
    }

    private static double Percent(PrepareReport r) => r.TotalBytes > 0 ? 100.0 * r.Bytes / r.TotalBytes : 100;

    /// <summary>Runs <paramref name="prepare"/> under a Spectre.Console bar per pass (the columns of <c>train</c>'s bar).</summary>
    private static T WithBar<T>(bool autoClear, Func<IPrepareProgress, T> prepare)
    {
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(autoClear)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(ctx => result = prepare(new Bar(ctx)));
        return result;
    }

    /// <summary>Plain lines: one each time a phase passes a tenth of the text.</summary>
    internal sealed class PlainLines(TextWriter output) : IPrepareProgress
    {
        private PreparePhase? _phase;
        private int _tenths = -1;

        public void Report(PrepareReport report)
        {
            var tenths = (int)(Percent(report) / 10);
            if (report.Phase == _phase && tenths <= _tenths)
            {
                return;
            }

            (_phase, _tenths) = (report.Phase, tenths);
            output.WriteLine(Line(report));
            output.Flush();
        }
    }

    /// <summary>A Spectre.Console bar per phase, its description carrying MB/s and ETA.</summary>
    private sealed class Bar(ProgressContext context) : IPrepareProgress
    {
        private readonly Dictionary<PreparePhase, ProgressTask> _tasks = [];

        public void Report(PrepareReport report)
        {
            if (!_tasks.TryGetValue(report.Phase, out var task))
            {
                task = _tasks[report.Phase] = context.AddTask(report.Phase.ToString(), maxValue: Math.Max(1, report.TotalBytes));
            }

            task.Description = Markup.Escape(Line(report));
            task.Value = report.Bytes;
        }
    }
}
