namespace Anneal.Cli.Reports;

/// <summary>Writes report files atomically (to <c>FILE.tmp</c>, then renamed), so a failure leaves the old file or none.</summary>
internal static class ReportFiles
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The write failed; no temporary file is left.</exception>
    internal static void Write(string path, byte[] bytes)
    {
        var temp = path + ".tmp";
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // left behind; the next write replaces it
            }

            throw;
        }
    }

    /// <summary>Writes UTF-8 <paramref name="text"/> to <paramref name="path"/>.</summary>
    internal static void Write(string path, string text) => Write(path, System.Text.Encoding.UTF8.GetBytes(text));
}
