using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Anneal.TorchSharp;

/// <summary>
/// Loads TorchSharp's native libraries with a clear error when they cannot load, and resolves devices.
/// Call <see cref="EnsureLoaded"/> before the first tensor operation (it is cheap after the first call).
/// </summary>
public static class TorchRuntime
{
    /// <summary>The file name of TorchSharp's native library on Linux.</summary>
    public const string NativeLibraryFileName = "libLibTorchSharp.so";

    private static readonly object Gate = new();
    private static volatile bool loaded;

    /// <summary>
    /// Initialises TorchSharp's CPU backend (loading libLibTorchSharp and libtorch).
    /// </summary>
    /// <exception cref="TorchNativeLibraryException">The native libraries cannot be loaded; the message says why and how to fix it.</exception>
    public static void EnsureLoaded()
    {
        if (loaded)
        {
            return;
        }

        lock (Gate)
        {
            if (loaded)
            {
                return;
            }

            try
            {
                InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException or InvalidOperationException)
            {
                throw Explain(e);
            }

            loaded = true;
        }
    }

    /// <summary>
    /// Resolves a device name: <c>cpu</c>, or <c>cuda</c> / <c>cuda:N</c> (case-insensitive).
    /// Loads TorchSharp first (see <see cref="EnsureLoaded"/>).
    /// </summary>
    /// <param name="name">The device name.</param>
    /// <returns>The TorchSharp device.</returns>
    /// <exception cref="ArgumentException">The name is not <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for but is not available.</exception>
    /// <exception cref="TorchNativeLibraryException">The native libraries cannot be loaded.</exception>
    public static Device ResolveDevice(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        if (key == "cpu")
        {
            EnsureLoaded();
            return CPU;
        }

        int index = 0;
        bool isCuda = key == "cuda"
            || (key.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(key.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index));
        if (!isCuda)
        {
            throw new ArgumentException($"Unknown device '{name}': use 'cpu', 'cuda' or 'cuda:N'.", nameof(name));
        }

        EnsureLoaded();
        if (!cuda.is_available())
        {
            throw new InvalidOperationException(
                $"Device '{name}' was requested but CUDA is not available: the referenced libtorch package is a CPU "
                + "build (libtorch-cpu-*), or no NVIDIA GPU and driver are present. To train on a GPU, reference a CUDA "
                + "backend package instead (on Linux libtorch-cuda-12.8-linux-x64, or the libtorch-cuda-12.8 meta package; "
                + "never together with a libtorch-cpu package) and run on a machine with an NVIDIA GPU and driver. Use 'cpu' otherwise.");
        }

        int count = cuda.device_count();
        if (index >= count)
        {
            throw new InvalidOperationException($"Device '{name}' was requested but only {count} CUDA device(s) are present.");
        }

        return new Device(DeviceType.CUDA, index);
    }

    private static TorchNativeLibraryException Explain(Exception original)
    {
        string? path = FindNativeLibrary();
        string loaderError = "";
        if (path is not null && OperatingSystem.IsLinux())
        {
            try
            {
                // Loading it by path makes the dynamic loader say what is really wrong (TorchSharp's own message
                // blames the libtorch package reference even when a symbol version is missing).
                NativeLibrary.Free(NativeLibrary.Load(path));
            }
            catch (DllNotFoundException e)
            {
                loaderError = e.Message;
            }
        }

        string where = path ?? $"{NativeLibraryFileName} (not found under {AppContext.BaseDirectory})";
        string baseMessage = original.GetBaseException().Message;
        string cause = loaderError.Contains("GLIBCXX", StringComparison.Ordinal)
            ? " The system libstdc++ is older than GCC 13's (Debian 12 has GCC 12's) and lacks GLIBCXX_3.4.32, which "
              + "TorchSharp 0.107 requires. Fix: reference the package Anneal.TorchSharp.Debian12Fix (a build-time patch of "
              + "the copy in the output directory; in this repository the build does it) and rebuild with 'dotnet build' "
              + "(not a copy of another machine's output), or install a newer libstdc++. See docs/torchsharp-on-debian12.md."
            : " Reference exactly one libtorch package for this platform next to TorchSharp: libtorch-cpu-linux-x64 "
              + "(or libtorch-cpu-win-x64, libtorch-cpu-osx-arm64) for the CPU, libtorch-cuda-12.8-linux-x64 (or the "
              + "libtorch-cuda-12.8 meta package) for NVIDIA GPUs. On Debian 12 also reference Anneal.TorchSharp.Debian12Fix.";
        string message =
            $"TorchSharp's native library {where} could not be loaded"
            + (loaderError.Length > 0 ? $": {loaderError}." : ".")
            + cause
            + $" TorchSharp said: {FirstLine(baseMessage)}";
        return new TorchNativeLibraryException(message, path, original);
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    private static string? FindNativeLibrary()
    {
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string[] directories =
        [
            AppContext.BaseDirectory,
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"),
        ];
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, NativeLibraryFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>TorchSharp's native libraries cannot be loaded on this machine.</summary>
public sealed class TorchNativeLibraryException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed and how to fix it.</param>
    /// <param name="libraryPath">The native library that failed to load, when it was found.</param>
    /// <param name="innerException">TorchSharp's own exception.</param>
    public TorchNativeLibraryException(string message, string? libraryPath, Exception innerException)
        : base(message, innerException)
    {
        LibraryPath = libraryPath;
    }

    /// <summary>The native library that failed to load, when it was found.</summary>
    public string? LibraryPath { get; }
}
