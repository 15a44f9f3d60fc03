namespace Anneal.Cli.Tests;

/// <summary>Splits a CSV line of the reports into fields (commas inside double quotes stay in the field; quotes are kept).</summary>
internal static class CsvLine
{
    public static List<string> Fields(string line)
    {
        var fields = new List<string>();
        var quoted = false;
        var start = 0;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == ',' && !quoted)
            {
                fields.Add(line[start..i]);
                start = i + 1;
            }
        }

        fields.Add(line[start..]);
        return fields;
    }
}
