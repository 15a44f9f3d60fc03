namespace Anneal.Cli;

/// <summary>Where a command writes, and whether standard output is a terminal (colors and live widths) or plain text.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error, bool OutIsTerminal)
{
    /// <summary>The line width of help and tables when the output is not a terminal.</summary>
    internal const int PlainWidth = 100;
}
