using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Anneal.Cli.Reports;

/// <summary>A piece of a report, rendered once as Markdown and once as HTML (<see cref="ReportDocument"/>).</summary>
internal abstract record ReportBlock;

/// <summary>A heading (level 1 or 2).</summary>
internal sealed record ReportHeading(int Level, string Text) : ReportBlock;

/// <summary>A paragraph; <paramref name="Highlight"/> shows it as the conclusion (bold in Markdown, a framed box in HTML).</summary>
internal sealed record ReportParagraph(string Text, bool Highlight = false) : ReportBlock;

/// <summary>A bulleted list.</summary>
internal sealed record ReportBullets(IReadOnlyList<string> Items) : ReportBlock;

/// <summary>A table: its header, which columns are numeric (right-aligned), and rows of cells; a cell may be bold.</summary>
internal sealed record ReportTable(IReadOnlyList<string> Header, IReadOnlyList<bool> Numeric, IReadOnlyList<IReadOnlyList<ReportCell>> Rows) : ReportBlock;

/// <summary>A table cell.</summary>
internal sealed record ReportCell(string Text, bool Bold = false);

/// <summary>An image: a relative link in Markdown, an inline <c>data:</c> URI in HTML.</summary>
internal sealed record ReportImage(string File, string Alt, byte[] Png) : ReportBlock;

/// <summary>
/// A report as blocks, rendered as Markdown (images as relative links) and as one self-contained HTML page (styles
/// inline, images as <c>data:image/png;base64</c> URIs, no external reference). In text, <c>`...`</c> is code.
/// </summary>
internal static partial class ReportDocument
{
    internal static string Markdown(IEnumerable<ReportBlock> blocks)
    {
        var md = new StringBuilder();
        foreach (var block in blocks)
        {
            switch (block)
            {
                case ReportHeading h:
                    md.Append(new string('#', h.Level)).Append(' ').Append(h.Text).Append("\n\n");
                    break;
                case ReportParagraph p:
                    md.Append(p.Highlight ? $"**{p.Text}**" : p.Text).Append("\n\n");
                    break;
                case ReportBullets b:
                    foreach (var item in b.Items)
                    {
                        md.Append("- ").Append(item).Append('\n');
                    }

                    md.Append('\n');
                    break;
                case ReportTable t:
                    md.Append("| ").AppendJoin(" | ", t.Header).Append(" |\n");
                    md.Append('|').AppendJoin('|', t.Numeric.Select(n => n ? "---:" : "---")).Append("|\n");
                    foreach (var row in t.Rows)
                    {
                        md.Append("| ").AppendJoin(" | ", row.Select(c => (c.Bold ? $"**{c.Text}**" : c.Text).Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
                    }

                    md.Append('\n');
                    break;
                case ReportImage i:
                    md.Append($"![{i.Alt}]({i.File})\n\n");
                    break;
            }
        }

        return md.ToString().TrimEnd('\n') + "\n";
    }

    internal static string Html(string title, IEnumerable<ReportBlock> blocks)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append($"<title>{E(title)}</title>\n");
        h.Append("<style>\nbody{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n");
        h.Append("table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:.3em .6em}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n");
        h.Append("th{background:#f3f3f3}.conclusion{font-size:1.1em;background:#f6f8ee;border-left:4px solid #7a3;padding:.6em 1em}\n");
        h.Append("code{font-size:.85em;background:#f5f5f5;padding:.1em .3em;word-break:break-all}img{max-width:100%}\n</style>\n</head>\n<body>\n");
        foreach (var block in blocks)
        {
            switch (block)
            {
                case ReportHeading x:
                    h.Append($"<h{x.Level}>{Inline(x.Text)}</h{x.Level}>\n");
                    break;
                case ReportParagraph p:
                    h.Append(p.Highlight ? $"<p class=\"conclusion\">{Inline(p.Text)}</p>\n" : $"<p>{Inline(p.Text)}</p>\n");
                    break;
                case ReportBullets b:
                    h.Append("<ul>\n").AppendJoin("", b.Items.Select(i => $"<li>{Inline(i)}</li>\n")).Append("</ul>\n");
                    break;
                case ReportTable t:
                    h.Append("<table>\n<tr>").AppendJoin("", t.Header.Select(c => $"<th>{E(c)}</th>")).Append("</tr>\n");
                    foreach (var row in t.Rows)
                    {
                        h.Append("<tr>").AppendJoin("", row.Select((c, i) =>
                        {
                            var text = c.Bold ? $"<b>{Inline(c.Text)}</b>" : Inline(c.Text);
                            return t.Numeric[i] ? $"<td class=\"n\">{text}</td>" : $"<td>{text}</td>";
                        })).Append("</tr>\n");
                    }

                    h.Append("</table>\n");
                    break;
                case ReportImage i:
                    h.Append($"<p><img alt=\"{E(i.Alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(i.Png)}\"></p>\n");
                    break;
            }
        }

        h.Append("</body>\n</html>\n");
        return h.ToString();
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    /// <summary>HTML-encoded text with <c>`code`</c> spans as <c>&lt;code&gt;</c>.</summary>
    private static string Inline(string text) => CodeSpan().Replace(E(text), m => $"<code>{m.Groups[1].Value}</code>");

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
