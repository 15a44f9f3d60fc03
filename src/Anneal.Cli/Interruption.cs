using System.Runtime.InteropServices;

namespace Anneal.Cli;

/// <summary>
/// Ctrl-C and SIGTERM as a cancellation token: the long commands (train, compare, find-lr) finish the current step,
/// write what they have (a checkpoint, the recorded sweep) and exit cleanly instead of being killed.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _sigterm;

    internal Interruption()
    {
        Console.CancelKeyPress += OnCtrlC;
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            _source.Cancel();
        });
    }

    /// <summary>Cancelled on the first Ctrl-C or SIGTERM.</summary>
    internal CancellationToken Token => _source.Token;

    /// <inheritdoc />
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCtrlC;
        _sigterm.Dispose();
        _source.Dispose();
    }

    private void OnCtrlC(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _source.Cancel();
    }
}
