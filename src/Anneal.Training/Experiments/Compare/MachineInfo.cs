using System.Runtime.InteropServices;

namespace Anneal.Training.Experiments;

/// <summary>The machine a report came from: timings mean little without it.</summary>
/// <param name="Cpu">The CPU model (<c>/proc/cpuinfo</c>'s model name), or the architecture when unknown.</param>
/// <param name="Cores">Logical cores the process may use.</param>
/// <param name="OperatingSystem">The OS description.</param>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="LoadAtStart">The 1-, 5- and 15-minute load averages when the runs started (Linux), or null.</param>
/// <param name="LoadAtEnd">The load averages when they ended, or null.</param>
public sealed record MachineInfo(string Cpu, int Cores, string OperatingSystem, string Runtime, string? LoadAtStart, string? LoadAtEnd)
{
    /// <summary>Describes this machine now; <paramref name="loadAtStart"/> is <see cref="LoadAverage"/> read at the start.</summary>
    public static MachineInfo Describe(string? loadAtStart) =>
        new(CpuModel(), Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, loadAtStart, LoadAverage());

    /// <summary>The first three fields of <c>/proc/loadavg</c>, or null where there is none.</summary>
    public static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>One line: <c>Intel(R) Xeon(R) ... , 2 cores, Linux ..., .NET 10.0.0</c>.</summary>
    public override string ToString() => $"{Cpu}, {Cores} cores, {OperatingSystem}, {Runtime}";

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null && line.IndexOf(':') is var colon and >= 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
            // fall through
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
