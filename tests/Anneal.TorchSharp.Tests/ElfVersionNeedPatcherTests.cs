using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Anneal.Build;
using Xunit;

namespace Anneal.TorchSharp.Tests;

public sealed class ElfVersionNeedPatcherTests
{
    private const string From = ElfVersionNeedPatcher.DefaultMissingVersion;
    private const string To = ElfVersionNeedPatcher.DefaultReplacementVersion;
    private const string StdCxx = ElfVersionNeedPatcher.LibStdCxx;

    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("GLIBC_2.2.5", 0x09691a75u)]
    [InlineData("GLIBCXX_3.4", 0x08922974u)]
    [InlineData("GLIBCXX_3.4.30", 0x0297f840u)]
    public void ElfHashMatchesKnownValues(string name, uint expected)
    {
        Assert.Equal(expected, ElfVersionNeedPatcher.ElfHash(name));
    }

    [Fact]
    public void ReadsTheVersionNeedsOfTorchSharpsLibraryWithConsistentHashes()
    {
        IList<ElfVersionNeed> needs = ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(NativeLibraries.TorchSharpInPackageCache));

        // The linker wrote every vna_hash: our hash function must agree with all of them.
        Assert.NotEmpty(needs);
        Assert.All(needs, n => Assert.Equal(ElfVersionNeedPatcher.ElfHash(n.Name), n.Hash));
        Assert.Contains(needs, n => n.File == StdCxx && n.Name == From);
        Assert.Contains(needs, n => n.File == StdCxx && n.Name == To);
        Assert.Contains(needs, n => n.File == "libc.so.6" && n.Name == "GLIBC_2.2.5");
    }

    [Fact]
    public void PatchRenamesTheNeedAndFixesTheHashOnlyInTheCopy()
    {
        string original = NativeLibraries.TorchSharpInPackageCache;
        byte[] originalHash = SHA256.HashData(File.ReadAllBytes(original));
        byte[] before = File.ReadAllBytes(original);
        ElfVersionNeed target = ElfVersionNeedPatcher.ReadVersionNeeds(before).Single(n => n.Name == From);

        byte[] data = (byte[])before.Clone();
        ElfPatchResult result = ElfVersionNeedPatcher.Patch(data, StdCxx, From, To);

        Assert.Equal(ElfPatchOutcome.Patched, result.Outcome);
        IList<ElfVersionNeed> after = ElfVersionNeedPatcher.ReadVersionNeeds(data);
        Assert.DoesNotContain(after, n => n.Name == From);
        ElfVersionNeed renamed = after.Single(n => n.AuxOffset == target.AuxOffset);
        Assert.Equal(To, renamed.Name);
        Assert.Equal(StdCxx, renamed.File);
        Assert.Equal(ElfVersionNeedPatcher.ElfHash(To), renamed.Hash);
        Assert.Equal(target.Other, renamed.Other);
        Assert.Equal(target.Flags, renamed.Flags);
        Assert.Equal(ElfVersionNeedPatcher.ReadVersionNeeds(before).Count, after.Count);

        // Only vna_hash and vna_name of that one Vernaux entry changed: .dynstr is untouched because
        // "GLIBCXX_3.4.30" is already there.
        int[] changed = Enumerable.Range(0, data.Length).Where(i => data[i] != before[i]).ToArray();
        Assert.NotEmpty(changed);
        Assert.All(changed, i => Assert.True(
            (i >= target.AuxOffset && i < target.AuxOffset + 4) || (i >= target.AuxOffset + 8 && i < target.AuxOffset + 12),
            $"byte {i} changed outside vna_hash/vna_name"));
        Assert.Equal(originalHash, SHA256.HashData(File.ReadAllBytes(original)));
    }

    [Fact]
    public void PatchIsIdempotent()
    {
        byte[] data = File.ReadAllBytes(NativeLibraries.TorchSharpInPackageCache);
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.Patch(data, StdCxx, From, To).Outcome);
        byte[] once = (byte[])data.Clone();

        ElfPatchResult again = ElfVersionNeedPatcher.Patch(data, StdCxx, From, To);

        Assert.Equal(ElfPatchOutcome.NotNeeded, again.Outcome);
        Assert.Equal(once, data);
    }

    [Fact]
    public void LibraryWithoutTheNeedIsUntouched()
    {
        byte[] data = File.ReadAllBytes(NativeLibraries.LibC10InPackageCache);
        byte[] before = (byte[])data.Clone();
        Assert.NotEmpty(ElfVersionNeedPatcher.ReadVersionNeeds(data));

        ElfPatchResult result = ElfVersionNeedPatcher.Patch(data, StdCxx, From, To);

        Assert.Equal(ElfPatchOutcome.NotNeeded, result.Outcome);
        Assert.Equal(before, data);
    }

    [Fact]
    public void NameMissingFromDynstrIsWrittenInPlaceWhenNothingElseUsesTheOldString()
    {
        // GLIBCXX_3.4.31 is in no string of the library, so the patcher must overwrite "GLIBCXX_3.4.32" itself.
        byte[] data = File.ReadAllBytes(NativeLibraries.TorchSharpInPackageCache);
        byte[] before = (byte[])data.Clone();

        ElfPatchResult result = ElfVersionNeedPatcher.Patch(data, StdCxx, From, "GLIBCXX_3.4.31");

        Assert.Equal(ElfPatchOutcome.Patched, result.Outcome);
        Assert.Contains("in place", result.Message, StringComparison.Ordinal);
        ElfVersionNeed renamed = ElfVersionNeedPatcher.ReadVersionNeeds(data).Single(n => n.Name == "GLIBCXX_3.4.31");
        Assert.Equal(ElfVersionNeedPatcher.ElfHash("GLIBCXX_3.4.31"), renamed.Hash);
        Assert.Equal(ElfVersionNeedPatcher.ReadVersionNeeds(before).Single(n => n.Name == From).Other, renamed.Other);
        byte[] oldName = System.Text.Encoding.ASCII.GetBytes(From + "\0");
        byte[] newName = System.Text.Encoding.ASCII.GetBytes("GLIBCXX_3.4.31\0");
        Assert.Equal(Count(before, oldName) - 1, Count(data, oldName)); // (.strtab, not loaded, has another copy)
        Assert.Equal(Count(before, newName) + 1, Count(data, newName));
        // One character of the string and (some bytes of) vna_hash; vna_name still points at the same offset.
        Assert.InRange(Enumerable.Range(0, data.Length).Count(i => data[i] != before[i]), 2, 5);
    }

    [Fact]
    public void LongerNameMissingFromDynstrIsRefused()
    {
        byte[] data = File.ReadAllBytes(NativeLibraries.TorchSharpInPackageCache);
        byte[] before = (byte[])data.Clone();

        ElfPatchResult result = ElfVersionNeedPatcher.Patch(data, StdCxx, From, "GLIBCXX_3.4.30.1");

        Assert.Equal(ElfPatchOutcome.Refused, result.Outcome);
        Assert.Equal(before, data);
    }

    [Fact]
    public void VersionWhoseSymbolsAreRelocatedIsRefused()
    {
        // Symbols of GLIBCXX_3.4.30 are really called, so renaming that need would hide a genuine missing symbol.
        byte[] data = File.ReadAllBytes(NativeLibraries.TorchSharpInPackageCache);
        byte[] before = (byte[])data.Clone();

        ElfPatchResult result = ElfVersionNeedPatcher.Patch(data, StdCxx, To, "GLIBCXX_3.4.29");

        Assert.Equal(ElfPatchOutcome.Refused, result.Outcome);
        Assert.Contains("relocation", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, data);
    }

    [Fact]
    public void NonElfInputIsRefused()
    {
        byte[] data = System.Text.Encoding.ASCII.GetBytes("this is not an ELF file, just some text long enough to have a header's worth of bytes");
        byte[] before = (byte[])data.Clone();

        Assert.Equal(ElfPatchOutcome.Refused, ElfVersionNeedPatcher.Patch(data, StdCxx, From, To).Outcome);
        Assert.Equal(before, data);
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.ReadVersionNeeds(data));
    }

    [Fact]
    public void TruncatedElfIsRefused()
    {
        byte[] whole = File.ReadAllBytes(NativeLibraries.TorchSharpInPackageCache);
        byte[] data = whole.AsSpan(0, whole.Length / 2).ToArray();

        Assert.Equal(ElfPatchOutcome.Refused, ElfVersionNeedPatcher.Patch(data, StdCxx, From, To).Outcome);
    }

    [Fact]
    public void PatchFileWritesTheCopyOnceAndNeverTheSource()
    {
        using TempDirectory temp = new();
        string source = temp.Copy(NativeLibraries.TorchSharpInPackageCache);
        byte[] sourceBytes = File.ReadAllBytes(source);
        string destination = Path.Combine(temp.Path, "out", "libLibTorchSharp.so");

        ElfPatchResult first = ElfVersionNeedPatcher.PatchFile(source, destination, StdCxx, From, To, forbiddenDirectory: null);
        DateTime written = File.GetLastWriteTimeUtc(destination);
        ElfPatchResult second = ElfVersionNeedPatcher.PatchFile(source, destination, StdCxx, From, To, forbiddenDirectory: null);

        Assert.Equal(ElfPatchOutcome.Patched, first.Outcome);
        Assert.Equal(ElfPatchOutcome.Patched, second.Outcome);
        Assert.Contains("not rewritten", second.Message, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(destination));
        Assert.Equal(sourceBytes, File.ReadAllBytes(source));
        Assert.DoesNotContain(ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(destination)), n => n.Name == From);
    }

    [Fact]
    public void PatchFileReplacesALinkAtTheDestinationInsteadOfWritingThroughIt()
    {
        using TempDirectory temp = new();
        string source = temp.Copy(NativeLibraries.TorchSharpInPackageCache);
        byte[] sourceBytes = File.ReadAllBytes(source);
        string destination = Path.Combine(temp.Path, "linked.so");
        File.CreateSymbolicLink(destination, source);

        ElfPatchResult result = ElfVersionNeedPatcher.PatchFile(source, destination, StdCxx, From, To, forbiddenDirectory: null);

        Assert.Equal(ElfPatchOutcome.Patched, result.Outcome);
        Assert.Null(new FileInfo(destination).LinkTarget);
        Assert.Equal(sourceBytes, File.ReadAllBytes(source));
    }

    [Fact]
    public void PatchFileRefusesTheSourceItselfAndTheForbiddenDirectory()
    {
        using TempDirectory temp = new();
        string source = temp.Copy(NativeLibraries.TorchSharpInPackageCache);
        byte[] sourceBytes = File.ReadAllBytes(source);

        Assert.Throws<ArgumentException>(() => ElfVersionNeedPatcher.PatchFile(source, source, StdCxx, From, To, null));
        Assert.Throws<ArgumentException>(() => ElfVersionNeedPatcher.PatchFile(
            source, Path.Combine(temp.Path, "cache", "x.so"), StdCxx, From, To, Path.Combine(temp.Path, "cache")));
        Assert.Equal(sourceBytes, File.ReadAllBytes(source));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "cache")));
    }

    [Fact]
    public void PatchFileWritesNothingWhenThereIsNothingToPatch()
    {
        using TempDirectory temp = new();
        string destination = Path.Combine(temp.Path, "libc10.so");

        ElfPatchResult result = ElfVersionNeedPatcher.PatchFile(NativeLibraries.LibC10InPackageCache, destination, StdCxx, From, To, null);

        Assert.Equal(ElfPatchOutcome.NotNeeded, result.Outcome);
        Assert.False(File.Exists(destination));
    }

    [Fact]
    public void FindsLibraryPathsInLdSoCacheStrings()
    {
        byte[] cache = System.Text.Encoding.ASCII.GetBytes(
            "ld.so-1.7.0\0glibc-ld.so.cache1.1\0libstdc++.so.6\0/usr/lib/x86_64-linux-gnu/libstdc++.so.6\0/usr/lib/x86_64-linux-gnu/libm.so.6\0/opt/x/libstdc++.so.6.0.30\0/usr/lib/i386-linux-gnu/libstdc++.so.6");

        Assert.Equal(
            ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/i386-linux-gnu/libstdc++.so.6"],
            ElfVersionNeedPatcher.PathsInLdSoCache(cache, "libstdc++.so.6"));
    }

    [Fact]
    public void FindsAndReadsTheSystemLibStdCxx()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return;
        }

        string? path = ElfVersionNeedPatcher.FindSystemLibrary(StdCxx, 62);

        Assert.NotNull(path);
        IList<string> versions = ElfVersionNeedPatcher.ReadVersionDefinitions(File.ReadAllBytes(path));
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Contains("CXXABI_1.3", versions);
        Assert.DoesNotContain(StdCxx, versions); // the base entry (the soname) is left out
    }

    [Fact]
    public void SystemLibraryVerdicts()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return;
        }

        byte[] system = File.ReadAllBytes(ElfVersionNeedPatcher.FindSystemLibrary(StdCxx, 62)!);
        IList<string> defined = ElfVersionNeedPatcher.ReadVersionDefinitions(system);
        SystemLibraryVerdict expected = defined.Contains(From) ? SystemLibraryVerdict.HasVersion : SystemLibraryVerdict.NeedsPatch;

        Assert.Equal(expected, ElfVersionNeedPatcher.CheckSystemLibrary(system, From, To));
        Assert.Equal(SystemLibraryVerdict.LacksReplacement, ElfVersionNeedPatcher.CheckSystemLibrary(system, "GLIBCXX_9.0", "GLIBCXX_8.0"));
        Assert.Equal(SystemLibraryVerdict.Unreadable, ElfVersionNeedPatcher.CheckSystemLibrary(new byte[100], From, To));

        // A synthetic newer libstdc++: the same library with its GLIBCXX_3.4.30 definition renamed to 3.4.32.
        byte[] newer = (byte[])system.Clone();
        byte[] name = System.Text.Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.30\0");
        int at = Enumerable.Range(0, newer.Length - name.Length).FirstOrDefault(i => newer.AsSpan(i, name.Length).SequenceEqual(name), -1);
        Assert.True(at >= 0, "the system libstdc++ should define GLIBCXX_3.4.30 (Debian 12's does)");
        newer[at + 14] = (byte)'2';
        Assert.Contains(From, ElfVersionNeedPatcher.ReadVersionDefinitions(newer));
        Assert.Equal(SystemLibraryVerdict.HasVersion, ElfVersionNeedPatcher.CheckSystemLibrary(newer, From, To));
    }

    [Fact]
    public void TheBuildPatchedTheTestsOwnCopyExactlyWhenTheSystemNeedsIt()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return;
        }

        string system = ElfVersionNeedPatcher.FindSystemLibrary(StdCxx, 62)!;
        bool systemHasIt = ElfVersionNeedPatcher.ReadVersionDefinitions(File.ReadAllBytes(system)).Contains(From);
        byte[] output = File.ReadAllBytes(NativeLibraries.TorchSharpInOutput);
        byte[] cache = File.ReadAllBytes(NativeLibraries.TorchSharpInPackageCache);

        if (systemHasIt)
        {
            Assert.Equal(cache, output);
        }
        else
        {
            Assert.DoesNotContain(ElfVersionNeedPatcher.ReadVersionNeeds(output), n => n.Name == From);
            Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.Patch(cache, StdCxx, From, To).Outcome);
            Assert.Equal(cache, output);
        }
    }

    private static int Count(byte[] haystack, byte[] needle)
    {
        int count = 0;
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                count++;
            }
        }

        return count;
    }
}
