using System.Reflection;
using TorchSharp;

namespace Anneal.TorchSharp.Tests;

/// <summary>Where the tests find real ELF libraries: the restored packages (read only) and the build output.</summary>
internal static class NativeLibraries
{
    /// <summary>The NuGet package root the test project was restored against.</summary>
    public static string PackageRoot
    {
        get
        {
            string? fromBuild = typeof(NativeLibraries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value;
            if (!string.IsNullOrEmpty(fromBuild))
            {
                return fromBuild;
            }

            return Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }
    }

    /// <summary>The unpatched libLibTorchSharp.so in the NuGet cache, of the TorchSharp version this project uses.</summary>
    public static string TorchSharpInPackageCache
    {
        get
        {
            string version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
            return Path.Combine(PackageRoot, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    /// <summary>libc10.so from the libtorch package: a real library that needs no GLIBCXX_3.4.32.</summary>
    public static string LibC10InPackageCache
    {
        get
        {
            string directory = Path.Combine(PackageRoot, "libtorch-cpu-linux-x64");
            string version = Directory.GetDirectories(directory).Select(Path.GetFileName).OrderBy(v => v, StringComparer.Ordinal).Last()!;
            return Path.Combine(directory, version, "runtimes", "linux-x64", "native", "libc10.so");
        }
    }

    /// <summary>The libLibTorchSharp.so the build put next to the tests.</summary>
    public static string TorchSharpInOutput
    {
        get
        {
            string[] candidates =
            [
                Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
                Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"),
            ];
            return candidates.First(File.Exists);
        }
    }
}

/// <summary>A temporary directory deleted at the end of a test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "anneal-elf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Copy(string file)
    {
        string destination = System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file));
        File.Copy(file, destination);
        return destination;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
