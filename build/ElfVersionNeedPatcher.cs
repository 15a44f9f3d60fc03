// ElfVersionNeedPatcher.cs: renames one symbol-version requirement of an ELF shared library so that
// TorchSharp's native library loads against an older libstdc++ (Debian 12 ships GCC 12's).
//
// WHY
//   TorchSharp 0.107.0's runtimes/linux-x64/native/libLibTorchSharp.so was linked against GCC 13's
//   libstdc++ and so declares, in its .gnu.version_r section, that it needs the symbol version
//   GLIBCXX_3.4.32 from libstdc++.so.6. Debian 12's libstdc++ (GCC 12) stops at GLIBCXX_3.4.30, so the
//   dynamic loader refuses the library ("version `GLIBCXX_3.4.32' not found") and TorchSharp reports a
//   misleading "doesn't contain a reference to libtorch-cpu-linux-x64" error. The only symbol bound to
//   that version is std::ios_base_library_init() (_ZSt21ios_base_library_initv, which GCC 13 emits
//   to order iostream initialisation), and no relocation refers to it, so the loader never looks it up.
//   The version requirement alone is what fails.
//
// HOW
//   In a COPY of the library (never in the NuGet cache) the Vernaux entry that names GLIBCXX_3.4.32
//   is pointed at the name GLIBCXX_3.4.30, and its vna_hash is set to the SysV ELF hash of that name.
//   (The loader compares the hash first, then the name.) The new name is taken from a string already in
//   .dynstr if there is one (libLibTorchSharp.so already needs GLIBCXX_3.4.30, so .dynstr is not
//   touched at all). Otherwise the old string is overwritten in place, but only if the new name is no
//   longer than the old one and nothing else in the library refers to any byte of the old string.
//   vna_other (the index that .gnu.version entries use) and vna_flags are left alone, so the symbol
//   table stays consistent. Two entries of one Verneed then carry the same name, which the loader accepts:
//   it checks each one against libstdc++'s definitions and records the name under each index.
//   Before patching, the patcher refuses if any relocation (.rela.dyn, .rela.plt, ...) refers to a
//   symbol that carries the version being renamed. Such a symbol would really be missing at run time,
//   and renaming its version would only hide the problem.
//
//   Layouts used (ELF64, little-endian; anything else is refused):
//     Elf64_Verneed { u16 vn_version; u16 vn_cnt; u32 vn_file; u32 vn_aux; u32 vn_next; }        16 bytes
//     Elf64_Vernaux { u32 vna_hash; u16 vna_flags; u16 vna_other; u32 vna_name; u32 vna_next; }   16 bytes
//     Elf64_Verdef  { u16 vd_version; u16 vd_flags; u16 vd_ndx; u16 vd_cnt; u32 vd_hash; u32 vd_aux; u32 vd_next; }
//     Elf64_Verdaux { u32 vda_name; u32 vda_next; }
//     vn_aux/vna_next/vn_next/vd_aux/vda_next/vd_next are byte offsets relative to the current entry.
//
// WHERE IT RUNS
//   build/TorchSharpNativeFix.targets (imported for every project by Directory.Build.targets) compiles this file
//   into the inline task PatchElfVersionNeed (RoslynCodeTaskFactory). Its target AnnealPatchTorchSharpNative runs
//   on Linux, after ResolvePackageAssets, in projects whose packages include libLibTorchSharp.so. The task checks
//   the system libstdc++.so.6 and, only if that lacks GLIBCXX_3.4.32, writes a patched copy under obj/. The
//   target then puts that copy in place of the NuGet cache path in the package's native items, so build,
//   publish and pack copy the patched file into bin/, the publish folder or the tool package.
//   tests/Anneal.TorchSharp.Tests compiles this file too, with ANNEAL_ELF_PATCHER_NO_TASK defined (which leaves
//   out the MSBuild task class), and tests the logic. See docs/torchsharp-on-debian12.md.
//
// This file must stay plain C# that compiles both in the test project (net10.0, nullable, warnings as
// errors) and in RoslynCodeTaskFactory (netstandard reference assemblies): no packages, no Span, no records.

#nullable enable

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Anneal.Build
{
    /// <summary>What <see cref="ElfVersionNeedPatcher.Patch"/> did.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The requirement was renamed.</summary>
        Patched,

        /// <summary>The library does not need the version (never did, or was already patched): bytes untouched.</summary>
        NotNeeded,

        /// <summary>The library needs the version but cannot be patched safely: bytes untouched.</summary>
        Refused,
    }

    /// <summary>What the system libstdc++ means for the patch (see <see cref="ElfVersionNeedPatcher.CheckSystemLibrary"/>).</summary>
    public enum SystemLibraryVerdict
    {
        /// <summary>It lacks the missing version but has the replacement: patch.</summary>
        NeedsPatch,

        /// <summary>It defines the version the library needs: nothing to do.</summary>
        HasVersion,

        /// <summary>It has neither version: patching would not help.</summary>
        LacksReplacement,

        /// <summary>It cannot be parsed.</summary>
        Unreadable,
    }

    /// <summary>Outcome and a human-readable explanation of a patch attempt.</summary>
    public sealed class ElfPatchResult
    {
        /// <summary>Creates a result.</summary>
        public ElfPatchResult(ElfPatchOutcome outcome, string message, bool fileWritten = false)
        {
            Outcome = outcome;
            Message = message;
            FileWritten = fileWritten;
        }

        /// <summary>What happened.</summary>
        public ElfPatchOutcome Outcome { get; }

        /// <summary>Why, in words.</summary>
        public string Message { get; }

        /// <summary>Whether <see cref="ElfVersionNeedPatcher.PatchFile"/> wrote the destination (false when it was up to date).</summary>
        public bool FileWritten { get; }

        /// <inheritdoc />
        public override string ToString() => Outcome + ": " + Message;
    }

    /// <summary>One Vernaux entry of a library's .gnu.version_r section, as read from the file.</summary>
    public sealed class ElfVersionNeed
    {
        /// <summary>Creates an entry.</summary>
        public ElfVersionNeed(string file, string name, uint hash, ushort flags, ushort other, long auxOffset)
        {
            File = file;
            Name = name;
            Hash = hash;
            Flags = flags;
            Other = other;
            AuxOffset = auxOffset;
        }

        /// <summary>The library the version is needed from (vn_file), e.g. libstdc++.so.6.</summary>
        public string File { get; }

        /// <summary>The version name (vna_name), e.g. GLIBCXX_3.4.30.</summary>
        public string Name { get; }

        /// <summary>vna_hash.</summary>
        public uint Hash { get; }

        /// <summary>vna_flags.</summary>
        public ushort Flags { get; }

        /// <summary>vna_other: the version index that .gnu.version refers to.</summary>
        public ushort Other { get; }

        /// <summary>File offset of this Vernaux entry.</summary>
        public long AuxOffset { get; }

        /// <inheritdoc />
        public override string ToString() => File + ": " + Name + " (index " + Other + ", hash 0x" + Hash.ToString("x8") + ")";
    }

    /// <summary>Reads symbol-version tables of ELF64 little-endian files and renames a version requirement.</summary>
    public static class ElfVersionNeedPatcher
    {
        /// <summary>The library whose requirement TorchSharp's native library cannot meet on Debian 12.</summary>
        public const string LibStdCxx = "libstdc++.so.6";

        /// <summary>The version TorchSharp 0.107's libLibTorchSharp.so needs and GCC 12's libstdc++ lacks.</summary>
        public const string DefaultMissingVersion = "GLIBCXX_3.4.32";

        /// <summary>The newest version GCC 12's libstdc++ (Debian 12) defines.</summary>
        public const string DefaultReplacementVersion = "GLIBCXX_3.4.30";

        private const uint ShtStrtab = 3;
        private const uint ShtRela = 4;
        private const uint ShtDynamic = 6;
        private const uint ShtRel = 9;
        private const uint ShtDynsym = 11;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVersym = 0x6fffffff;

        /// <summary>The SysV ELF hash (the one stored in vna_hash and vd_hash) of a name.</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (byte c in Encoding.UTF8.GetBytes(name))
            {
                h = (h << 4) + c;
                uint g = h & 0xf0000000u;
                if (g != 0)
                {
                    h ^= g >> 24;
                }

                h &= ~g;
            }

            return h;
        }

        /// <summary>True when the bytes start like an ELF64 little-endian file (the only kind handled here).</summary>
        public static bool IsElf64LittleEndian(byte[] data)
        {
            return data.Length >= 64 && data[0] == 0x7f && data[1] == (byte)'E' && data[2] == (byte)'L' && data[3] == (byte)'F'
                && data[4] == 2 && data[5] == 1;
        }

        /// <summary>The e_machine field of an ELF file (62 = x86-64, 183 = AArch64).</summary>
        public static ushort Machine(byte[] data)
        {
            if (!IsElf64LittleEndian(data))
            {
                throw new InvalidDataException("not an ELF64 little-endian file");
            }

            return (ushort)(data[18] | (data[19] << 8));
        }

        /// <summary>Every Vernaux entry of the file's .gnu.version_r section, in file order.</summary>
        /// <exception cref="InvalidDataException">The file is not an ELF64 little-endian file with section headers, or is malformed.</exception>
        public static IList<ElfVersionNeed> ReadVersionNeeds(byte[] data)
        {
            Elf elf = new Elf(data);
            List<ElfVersionNeed> result = new List<ElfVersionNeed>();
            Section? verneed = elf.FindSection(ShtGnuVerneed);
            if (verneed == null)
            {
                return result;
            }

            Section strtab = elf.Sections[(int)verneed.Link];
            long entry = verneed.Offset;
            for (uint i = 0; i < verneed.Info; i++)
            {
                elf.Check(entry, 16, verneed);
                ushort count = elf.U16(entry + 2);
                string file = elf.String(strtab, elf.U32(entry + 4));
                long aux = entry + elf.U32(entry + 8);
                for (ushort j = 0; j < count; j++)
                {
                    elf.Check(aux, 16, verneed);
                    result.Add(new ElfVersionNeed(
                        file,
                        elf.String(strtab, elf.U32(aux + 8)),
                        elf.U32(aux),
                        elf.U16(aux + 4),
                        elf.U16(aux + 6),
                        aux));
                    uint nextAux = elf.U32(aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                uint next = elf.U32(entry + 12);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }

            return result;
        }

        /// <summary>The version names a library defines (its .gnu.version_d section), without the base entry (its soname).</summary>
        /// <exception cref="InvalidDataException">The file is not an ELF64 little-endian file with section headers, or is malformed.</exception>
        public static IList<string> ReadVersionDefinitions(byte[] data)
        {
            Elf elf = new Elf(data);
            List<string> result = new List<string>();
            Section? verdef = elf.FindSection(ShtGnuVerdef);
            if (verdef == null)
            {
                return result;
            }

            Section strtab = elf.Sections[(int)verdef.Link];
            long entry = verdef.Offset;
            for (uint i = 0; i < verdef.Info; i++)
            {
                elf.Check(entry, 20, verdef);
                bool isBase = (elf.U16(entry + 2) & 1) != 0;
                long aux = entry + elf.U32(entry + 12);
                elf.Check(aux, 8, verdef);
                if (!isBase)
                {
                    result.Add(elf.String(strtab, elf.U32(aux)));
                }

                uint next = elf.U32(entry + 16);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }

            return result;
        }

        /// <summary>
        /// Decides from the bytes of the system's libstdc++.so.6 whether a library needing
        /// <paramref name="missingVersion"/> must be patched to use <paramref name="replacementVersion"/>.
        /// </summary>
        public static SystemLibraryVerdict CheckSystemLibrary(byte[] systemLibrary, string missingVersion, string replacementVersion)
        {
            IList<string> defined;
            try
            {
                defined = ReadVersionDefinitions(systemLibrary);
            }
            catch (InvalidDataException)
            {
                return SystemLibraryVerdict.Unreadable;
            }

            if (defined.Count == 0)
            {
                return SystemLibraryVerdict.Unreadable;
            }

            if (defined.Contains(missingVersion))
            {
                return SystemLibraryVerdict.HasVersion;
            }

            return defined.Contains(replacementVersion) ? SystemLibraryVerdict.NeedsPatch : SystemLibraryVerdict.LacksReplacement;
        }

        /// <summary>
        /// Renames, in <paramref name="data"/>, every requirement of <paramref name="fromVersion"/> from
        /// <paramref name="library"/> to <paramref name="toVersion"/>, fixing vna_hash. Changes nothing unless the
        /// result is <see cref="ElfPatchOutcome.Patched"/>.
        /// </summary>
        public static ElfPatchResult Patch(byte[] data, string library, string fromVersion, string toVersion)
        {
            if (fromVersion == toVersion)
            {
                return new ElfPatchResult(ElfPatchOutcome.Refused, "the old and new version names are the same");
            }

            Elf elf;
            IList<ElfVersionNeed> needs;
            try
            {
                elf = new Elf(data);
                needs = ReadVersionNeeds(data);
            }
            catch (InvalidDataException e)
            {
                return new ElfPatchResult(ElfPatchOutcome.Refused, e.Message);
            }

            List<ElfVersionNeed> targets = new List<ElfVersionNeed>();
            foreach (ElfVersionNeed need in needs)
            {
                if (need.File == library && need.Name == fromVersion)
                {
                    targets.Add(need);
                }
            }

            if (targets.Count == 0)
            {
                return new ElfPatchResult(ElfPatchOutcome.NotNeeded, "no requirement of " + fromVersion + " from " + library);
            }

            try
            {
                Section verneed = elf.FindSection(ShtGnuVerneed)!;
                Section dynstr = elf.Sections[(int)verneed.Link];
                if (dynstr.Type != ShtStrtab)
                {
                    return new ElfPatchResult(ElfPatchOutcome.Refused, ".gnu.version_r does not link to a string table");
                }

                string? used = FindRelocatedSymbolWithVersion(elf, targets);
                if (used != null)
                {
                    return new ElfPatchResult(
                        ElfPatchOutcome.Refused,
                        "symbol " + used + " of version " + fromVersion + " is used by a relocation; renaming the version would not make it resolvable");
                }

                long newName = FindString(elf, dynstr, toVersion);
                string how;
                if (newName >= 0)
                {
                    how = "pointed at the existing .dynstr string " + toVersion;
                }
                else
                {
                    // No string to reuse: overwrite the old name in place, if that is safe.
                    if (Encoding.UTF8.GetByteCount(toVersion) > Encoding.UTF8.GetByteCount(fromVersion))
                    {
                        return new ElfPatchResult(
                            ElfPatchOutcome.Refused,
                            toVersion + " is not in .dynstr and is longer than " + fromVersion + ", so it cannot be written in place");
                    }

                    uint oldName = elf.U32(targets[0].AuxOffset + 8);
                    foreach (ElfVersionNeed target in targets)
                    {
                        if (elf.U32(target.AuxOffset + 8) != oldName)
                        {
                            return new ElfPatchResult(ElfPatchOutcome.Refused, "the requirements of " + fromVersion + " use different strings");
                        }
                    }

                    int oldLength = Encoding.UTF8.GetByteCount(fromVersion);
                    string? other = FindOtherReference(elf, dynstr, oldName, (uint)oldLength, targets);
                    if (other != null)
                    {
                        return new ElfPatchResult(
                            ElfPatchOutcome.Refused,
                            toVersion + " is not in .dynstr and the string " + fromVersion + " is also used by " + other + ", so it cannot be overwritten");
                    }

                    byte[] bytes = Encoding.UTF8.GetBytes(toVersion);
                    long at = dynstr.Offset + oldName;
                    Array.Copy(bytes, 0, data, at, bytes.Length);
                    for (long i = at + bytes.Length; i <= at + oldLength; i++)
                    {
                        data[i] = 0;
                    }

                    newName = oldName;
                    how = "overwrote the .dynstr string " + fromVersion + " in place";
                }

                uint hash = ElfHash(toVersion);
                StringBuilder indexes = new StringBuilder();
                foreach (ElfVersionNeed target in targets)
                {
                    elf.W32(target.AuxOffset, hash);
                    elf.W32(target.AuxOffset + 8, (uint)newName);
                    indexes.Append(indexes.Length == 0 ? "" : ", ").Append(target.Other);
                }

                return new ElfPatchResult(
                    ElfPatchOutcome.Patched,
                    "renamed the requirement of " + fromVersion + " from " + library + " (version index " + indexes + ") to " + toVersion
                    + "; " + how + "; vna_hash = 0x" + hash.ToString("x8"));
            }
            catch (InvalidDataException e)
            {
                return new ElfPatchResult(ElfPatchOutcome.Refused, e.Message);
            }
        }

        /// <summary>
        /// Writes a patched copy of <paramref name="source"/> to <paramref name="destination"/> (only if its bytes
        /// differ from what is there; through a temporary file and a rename, so a hard or symbolic link at the
        /// destination is replaced, never written through). <paramref name="source"/> is only read. When the result
        /// is not <see cref="ElfPatchOutcome.Patched"/>, nothing is written.
        /// </summary>
        /// <exception cref="ArgumentException">The destination is the source, or lies under <paramref name="forbiddenDirectory"/>.</exception>
        public static ElfPatchResult PatchFile(string source, string destination, string library, string fromVersion, string toVersion, string? forbiddenDirectory)
        {
            string fullSource = Path.GetFullPath(source);
            string fullDestination = Path.GetFullPath(destination);
            if (string.Equals(fullSource, fullDestination, StringComparison.Ordinal))
            {
                throw new ArgumentException("refusing to patch " + source + " in place: the patched copy must go elsewhere", nameof(destination));
            }

            if (!string.IsNullOrEmpty(forbiddenDirectory))
            {
                string root = Path.GetFullPath(forbiddenDirectory!);
                if (!root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal))
                {
                    root += Path.DirectorySeparatorChar;
                }

                if (fullDestination.StartsWith(root, StringComparison.Ordinal))
                {
                    throw new ArgumentException("refusing to write " + destination + ": it is under " + root + " (the NuGet package cache)", nameof(destination));
                }
            }

            byte[] data = File.ReadAllBytes(fullSource);
            ElfPatchResult result = Patch(data, library, fromVersion, toVersion);
            if (result.Outcome != ElfPatchOutcome.Patched)
            {
                return result;
            }

            if (File.Exists(fullDestination) && !IsSymbolicLink(fullDestination) && SameBytes(File.ReadAllBytes(fullDestination), data))
            {
                return new ElfPatchResult(ElfPatchOutcome.Patched, result.Message + " (up to date, not rewritten)");
            }

            string? directory = Path.GetDirectoryName(fullDestination);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory!);
            }

            string temporary = fullDestination + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                File.WriteAllBytes(temporary, data);
                // A rename replaces the directory entry, so a hard or symbolic link at the destination (e.g. one
                // into the NuGet cache) is replaced, never written through.
                if (File.Exists(fullDestination) || IsSymbolicLink(fullDestination))
                {
                    File.Replace(temporary, fullDestination, null);
                }
                else
                {
                    File.Move(temporary, fullDestination);
                }
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }

            return new ElfPatchResult(result.Outcome, result.Message, fileWritten: true);
        }

        /// <summary>
        /// Finds the system's copy of a library (e.g. libstdc++.so.6) for the given ELF machine: first the paths
        /// listed in /etc/ld.so.cache, then the usual library directories. Null when none is found.
        /// </summary>
        public static string? FindSystemLibrary(string fileName, ushort machine)
        {
            List<string> candidates = new List<string>();
            try
            {
                if (File.Exists("/etc/ld.so.cache"))
                {
                    candidates.AddRange(PathsInLdSoCache(File.ReadAllBytes("/etc/ld.so.cache"), fileName));
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            string triplet = machine == 183 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
            foreach (string dir in new[] { "/lib/" + triplet, "/usr/lib/" + triplet, "/lib64", "/usr/lib64", "/lib", "/usr/lib" })
            {
                candidates.Add(dir + "/" + fileName);
            }

            foreach (string candidate in candidates)
            {
                try
                {
                    if (!File.Exists(candidate))
                    {
                        continue;
                    }

                    byte[] header = new byte[64];
                    using (FileStream stream = File.OpenRead(candidate))
                    {
                        if (stream.Read(header, 0, header.Length) != header.Length)
                        {
                            continue;
                        }
                    }

                    if (IsElf64LittleEndian(header) && (ushort)(header[18] | (header[19] << 8)) == machine)
                    {
                        return candidate;
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            return null;
        }

        /// <summary>The absolute paths ending in /<paramref name="fileName"/> that an /etc/ld.so.cache image lists.</summary>
        public static IList<string> PathsInLdSoCache(byte[] cache, string fileName)
        {
            // The cache ends in a table of NUL-terminated strings holding, among others, the full path of every
            // library ldconfig knows; scanning for such strings avoids depending on the cache's binary layout.
            List<string> result = new List<string>();
            string suffix = "/" + fileName;
            int start = 0;
            for (int i = 0; i <= cache.Length; i++)
            {
                if (i == cache.Length || cache[i] == 0)
                {
                    if (i - start > suffix.Length && cache[start] == (byte)'/')
                    {
                        string s = Encoding.UTF8.GetString(cache, start, i - start);
                        if (s.EndsWith(suffix, StringComparison.Ordinal) && !result.Contains(s))
                        {
                            result.Add(s);
                        }
                    }

                    start = i + 1;
                }
            }

            return result;
        }

        private static string? FindRelocatedSymbolWithVersion(Elf elf, List<ElfVersionNeed> targets)
        {
            Section? dynsym = elf.FindSection(ShtDynsym);
            Section? versym = elf.FindSection(ShtGnuVersym);
            if (dynsym == null || versym == null)
            {
                return null;
            }

            HashSet<ushort> indexes = new HashSet<ushort>();
            foreach (ElfVersionNeed target in targets)
            {
                indexes.Add((ushort)(target.Other & 0x7fff));
            }

            long symbols = dynsym.Size / 24;
            bool[] hasVersion = new bool[symbols];
            bool any = false;
            for (long i = 0; i < symbols; i++)
            {
                elf.Check(versym.Offset + 2 * i, 2, versym);
                if (indexes.Contains((ushort)(elf.U16(versym.Offset + 2 * i) & 0x7fff)))
                {
                    hasVersion[i] = true;
                    any = true;
                }
            }

            if (!any)
            {
                return null;
            }

            int dynsymIndex = elf.Sections.IndexOf(dynsym);
            foreach (Section section in elf.Sections)
            {
                if ((section.Type != ShtRela && section.Type != ShtRel) || section.Link != dynsymIndex)
                {
                    continue;
                }

                long size = section.Type == ShtRela ? 24 : 16;
                for (long at = section.Offset; at + size <= section.Offset + section.Size; at += size)
                {
                    elf.Check(at, size, section);
                    ulong symbol = elf.U64(at + 8) >> 32;
                    if (symbol != 0 && symbol < (ulong)symbols && hasVersion[symbol])
                    {
                        long entry = dynsym.Offset + 24 * (long)symbol;
                        return elf.String(elf.Sections[(int)dynsym.Link], elf.U32(entry));
                    }
                }
            }

            return null;
        }

        private static long FindString(Elf elf, Section strtab, string value)
        {
            byte[] needle = Encoding.UTF8.GetBytes(value + "\0");
            elf.Check(strtab.Offset, strtab.Size, strtab);
            byte[] data = elf.Data;
            for (long i = strtab.Offset; i + needle.Length <= strtab.Offset + strtab.Size; i++)
            {
                int k = 0;
                while (k < needle.Length && data[i + k] == needle[k])
                {
                    k++;
                }

                if (k == needle.Length)
                {
                    return i - strtab.Offset;
                }
            }

            return -1;
        }

        // Describes something other than the target entries that refers to a byte of [start, start + length]
        // in the string table, or returns null when nothing does.
        private static string? FindOtherReference(Elf elf, Section strtab, uint start, uint length, List<ElfVersionNeed> targets)
        {
            int strtabIndex = elf.Sections.IndexOf(strtab);
            Func<uint, bool> touches = offset => offset >= start && offset <= start + length;
            HashSet<long> own = new HashSet<long>();
            foreach (ElfVersionNeed target in targets)
            {
                own.Add(target.AuxOffset);
            }

            foreach (Section section in elf.Sections)
            {
                if (section.Link != strtabIndex)
                {
                    continue;
                }

                if (section.Type == ShtDynsym)
                {
                    for (long at = section.Offset; at + 24 <= section.Offset + section.Size; at += 24)
                    {
                        if (touches(elf.U32(at)))
                        {
                            return "a dynamic symbol name";
                        }
                    }
                }
                else if (section.Type == ShtDynamic)
                {
                    for (long at = section.Offset; at + 16 <= section.Offset + section.Size; at += 16)
                    {
                        long tag = (long)elf.U64(at);
                        bool isString = tag == 1 || tag == 14 || tag == 15 || tag == 29 || tag == 0x6ffffefa || tag == 0x6ffffefb
                            || tag == 0x6ffffefc || tag == 0x7ffffffd || tag == 0x7fffffff;
                        if (isString && touches((uint)elf.U64(at + 8)))
                        {
                            return "a dynamic-section entry";
                        }
                    }
                }
                else if (section.Type == ShtGnuVerneed)
                {
                    foreach (ElfVersionNeed need in ReadVersionNeeds(elf.Data))
                    {
                        if (!own.Contains(need.AuxOffset) && touches(elf.U32(need.AuxOffset + 8)))
                        {
                            return "the requirement of " + need.Name;
                        }
                    }

                    long entry = section.Offset;
                    for (uint i = 0; i < section.Info; i++)
                    {
                        if (touches(elf.U32(entry + 4)))
                        {
                            return "a needed-file name";
                        }

                        uint next = elf.U32(entry + 12);
                        if (next == 0)
                        {
                            break;
                        }

                        entry += next;
                    }
                }
                else if (section.Type == ShtGnuVerdef)
                {
                    long entry = section.Offset;
                    for (uint i = 0; i < section.Info; i++)
                    {
                        long aux = entry + elf.U32(entry + 12);
                        for (ushort j = 0; j < elf.U16(entry + 6); j++)
                        {
                            if (touches(elf.U32(aux)))
                            {
                                return "a version definition";
                            }

                            uint nextAux = elf.U32(aux + 4);
                            if (nextAux == 0)
                            {
                                break;
                            }

                            aux += nextAux;
                        }

                        uint next = elf.U32(entry + 16);
                        if (next == 0)
                        {
                            break;
                        }

                        entry += next;
                    }
                }
                else
                {
                    return "section " + elf.SectionName(section);
                }
            }

            return null;
        }

        private static bool SameBytes(byte[] a, byte[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }

            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsSymbolicLink(string path)
        {
            try
            {
                return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
            }
            catch (FileNotFoundException)
            {
                return false;
            }
            catch (DirectoryNotFoundException)
            {
                return false;
            }
        }

        private sealed class Section
        {
            public Section(uint name, uint type, long offset, long size, uint link, uint info)
            {
                Name = name;
                Type = type;
                Offset = offset;
                Size = size;
                Link = link;
                Info = info;
            }

            public uint Name { get; }

            public uint Type { get; }

            public long Offset { get; }

            public long Size { get; }

            public uint Link { get; }

            public uint Info { get; }
        }

        private sealed class Elf
        {
            public Elf(byte[] data)
            {
                Data = data;
                if (!IsElf64LittleEndian(data))
                {
                    throw new InvalidDataException("not an ELF64 little-endian file");
                }

                long shoff = (long)U64(0x28);
                int shentsize = U16(0x3a);
                long shnum = U16(0x3c);
                long shstrndx = U16(0x3e);
                if (shoff == 0 || shentsize < 64)
                {
                    throw new InvalidDataException("the ELF file has no section headers");
                }

                CheckRange(shoff, 64);
                if (shnum == 0)
                {
                    shnum = (long)U64(shoff + 32);
                }

                if (shstrndx == 0xffff)
                {
                    shstrndx = U32(shoff + 40);
                }

                CheckRange(shoff, shnum * shentsize);
                for (long i = 0; i < shnum; i++)
                {
                    long at = shoff + i * shentsize;
                    Sections.Add(new Section(U32(at), U32(at + 4), (long)U64(at + 24), (long)U64(at + 32), U32(at + 40), U32(at + 44)));
                }

                foreach (Section section in Sections)
                {
                    if (section.Type != 8 && section.Type != 0)
                    {
                        CheckRange(section.Offset, section.Size);
                    }

                    if (section.Link >= Sections.Count)
                    {
                        throw new InvalidDataException("a section links to a section that does not exist");
                    }
                }

                ShStrIndex = shstrndx < Sections.Count ? (int)shstrndx : -1;
            }

            public byte[] Data { get; }

            public List<Section> Sections { get; } = new List<Section>();

            private int ShStrIndex { get; }

            public Section? FindSection(uint type)
            {
                foreach (Section section in Sections)
                {
                    if (section.Type == type)
                    {
                        return section;
                    }
                }

                return null;
            }

            public string SectionName(Section section)
            {
                return ShStrIndex < 0 ? "#" + Sections.IndexOf(section) : String(Sections[ShStrIndex], section.Name);
            }

            public void Check(long offset, long length, Section within)
            {
                if (offset < within.Offset || length < 0 || offset + length > within.Offset + within.Size)
                {
                    throw new InvalidDataException("an entry lies outside its section");
                }
            }

            public string String(Section strtab, uint offset)
            {
                long start = strtab.Offset + offset;
                long end = start;
                while (end < strtab.Offset + strtab.Size && Data[end] != 0)
                {
                    end++;
                }

                if (end >= strtab.Offset + strtab.Size)
                {
                    throw new InvalidDataException("a string lies outside its string table");
                }

                return Encoding.UTF8.GetString(Data, (int)start, (int)(end - start));
            }

            public ushort U16(long at)
            {
                CheckRange(at, 2);
                return (ushort)(Data[at] | (Data[at + 1] << 8));
            }

            public uint U32(long at)
            {
                CheckRange(at, 4);
                return (uint)(Data[at] | (Data[at + 1] << 8) | (Data[at + 2] << 16) | (Data[at + 3] << 24));
            }

            public ulong U64(long at)
            {
                return U32(at) | ((ulong)U32(at + 4) << 32);
            }

            public void W32(long at, uint value)
            {
                CheckRange(at, 4);
                Data[at] = (byte)value;
                Data[at + 1] = (byte)(value >> 8);
                Data[at + 2] = (byte)(value >> 16);
                Data[at + 3] = (byte)(value >> 24);
            }

            private void CheckRange(long offset, long length)
            {
                if (offset < 0 || length < 0 || offset > Data.Length || length > Data.Length - offset)
                {
                    throw new InvalidDataException("the ELF file is truncated or malformed");
                }
            }
        }
    }

#if !ANNEAL_ELF_PATCHER_NO_TASK
    /// <summary>
    /// MSBuild task (compiled by RoslynCodeTaskFactory from this file, see build/TorchSharpNativeFix.targets): when
    /// the system's libstdc++ lacks <see cref="MissingVersion"/>, writes a patched copy of each item in
    /// <see cref="Files"/> to the path in its AnnealPatchedPath metadata, and returns those paths in
    /// <see cref="PatchedFiles"/>.
    /// </summary>
    public sealed class PatchElfVersionNeed : Microsoft.Build.Utilities.Task
    {
        /// <summary>Native library items (e.g. from RuntimeTargetsCopyLocalItems), each with AnnealPatchedPath metadata.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];

        /// <summary>The version to rename away from.</summary>
        public string MissingVersion { get; set; } = ElfVersionNeedPatcher.DefaultMissingVersion;

        /// <summary>The version to rename to.</summary>
        public string ReplacementVersion { get; set; } = ElfVersionNeedPatcher.DefaultReplacementVersion;

        /// <summary>Path of the system libstdc++.so.6 to check; found automatically when empty.</summary>
        public string SystemLibrary { get; set; } = "";

        /// <summary>A directory never written to (the NuGet package root).</summary>
        public string ForbiddenDirectory { get; set; } = "";

        /// <summary>
        /// Patch whatever this machine's libstdc++ defines, on any build OS: for outputs that run on other machines (the
        /// anneal tool package). The copy then needs only the replacement version, which every newer libstdc++ defines.
        /// </summary>
        public bool Always { get; set; }

        /// <summary>The AnnealPatchedPath of every file that was patched (written now or already up to date).</summary>
        [Microsoft.Build.Framework.Output]
        public string[] PatchedFiles { get; set; } = new string[0];

        /// <inheritdoc />
        public override bool Execute()
        {
            List<string> patched = new List<string>();
            PatchedFiles = patched.ToArray();
            if ((!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && !Always) || Files.Length == 0)
            {
                return true;
            }

            string? system = Always ? "(any system: AnnealTorchSharpNativeFix is 'always')" : SystemLibrary;
            if (string.IsNullOrEmpty(system))
            {
                byte[] header = new byte[64];
                using (FileStream stream = File.OpenRead(Files[0].GetMetadata("FullPath")))
                {
                    stream.Read(header, 0, header.Length);
                }

                if (!ElfVersionNeedPatcher.IsElf64LittleEndian(header))
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "{0} is not an ELF64 little-endian file; nothing to patch.", Files[0].ItemSpec);
                    return true;
                }

                system = ElfVersionNeedPatcher.FindSystemLibrary(ElfVersionNeedPatcher.LibStdCxx, ElfVersionNeedPatcher.Machine(header));
            }

            if (!Always && (system == null || !File.Exists(system)))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "No system {0} found; TorchSharp's native library is left as it is.", ElfVersionNeedPatcher.LibStdCxx);
                return true;
            }

            SystemLibraryVerdict verdict = SystemLibraryVerdict.NeedsPatch;
            try
            {
                if (!Always)
                {
                    verdict = ElfVersionNeedPatcher.CheckSystemLibrary(File.ReadAllBytes(system!), MissingVersion, ReplacementVersion);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                verdict = SystemLibraryVerdict.Unreadable;
            }

            if (verdict == SystemLibraryVerdict.HasVersion || verdict == SystemLibraryVerdict.Unreadable)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    verdict == SystemLibraryVerdict.HasVersion ? "{0} defines {1}; TorchSharp's native library needs no patch." : "Cannot read the versions {0} defines; TorchSharp's native library is left as it is.",
                    system, MissingVersion);
                return true;
            }

            if (verdict == SystemLibraryVerdict.LacksReplacement)
            {
                Log.LogWarning(null, "ANNEAL001", null, null, 0, 0, 0, 0,
                    "{0} defines neither {1} nor {2}; TorchSharp's native library is left as it is and will probably not load. Install a newer libstdc++.",
                    system, MissingVersion, ReplacementVersion);
                return true;
            }

            foreach (Microsoft.Build.Framework.ITaskItem item in Files)
            {
                string source = item.GetMetadata("FullPath");
                string destination = item.GetMetadata("AnnealPatchedPath");
                if (destination.Length == 0)
                {
                    Log.LogError(null, "ANNEAL002", null, null, 0, 0, 0, 0, "{0} has no AnnealPatchedPath metadata.", item.ItemSpec);
                    return false;
                }

                ElfPatchResult result;
                try
                {
                    result = ElfVersionNeedPatcher.PatchFile(source, destination, ElfVersionNeedPatcher.LibStdCxx, MissingVersion, ReplacementVersion, ForbiddenDirectory);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException)
                {
                    Log.LogError(null, "ANNEAL002", null, null, 0, 0, 0, 0, "Cannot write a patched copy of {0} to {1}: {2}", source, destination, e.Message);
                    return false;
                }

                if (result.Outcome == ElfPatchOutcome.Patched)
                {
                    Log.LogMessage(result.FileWritten ? Microsoft.Build.Framework.MessageImportance.Normal : Microsoft.Build.Framework.MessageImportance.Low,
                        "{0} lacks {1}: patched copy of {2} at {3}: {4}", system, MissingVersion, source, destination, result.Message);
                    patched.Add(destination);
                }
                else if (result.Outcome == ElfPatchOutcome.Refused)
                {
                    Log.LogWarning(null, "ANNEAL001", null, null, 0, 0, 0, 0,
                        "{0} lacks {1}, which {2} needs, and the library cannot be patched: {3}. TorchSharp will probably not load; see docs/torchsharp-on-debian12.md.",
                        system, MissingVersion, source, result.Message);
                }
                else
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "{0}: {1}", source, result.Message);
                }
            }

            PatchedFiles = patched.ToArray();
            return true;
        }
    }
#endif
}
