using System.Text;

namespace Ledger.Cli.Licensing;

/// <summary>
/// RFC 4180 CSV: comma-separated, fields optionally in double quotes (a quote inside doubled), quoted
/// fields may hold commas and line breaks. The first record is the header. Rows are numbered as a
/// spreadsheet shows them: the header is row 1.
/// </summary>
internal sealed class CsvTable
{
    private CsvTable(IReadOnlyList<string> header, IReadOnlyList<(int Row, string[] Fields)> rows)
    {
        Header = header;
        Rows = rows;
    }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<(int Row, string[] Fields)> Rows { get; }

    public static CsvTable Parse(string text, string source)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var atFieldStart = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }

                continue;
            }

            switch (c)
            {
                case '"' when atFieldStart:
                    quoted = true;
                    atFieldStart = false;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    atFieldStart = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add([.. fields]);
                    fields.Clear();
                    atFieldStart = true;
                    break;
                default:
                    field.Append(c);
                    atFieldStart = false;
                    break;
            }
        }

        if (quoted)
        {
            throw CliFailure.Usage($"{source} ends inside a quoted field; close the quote.");
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }

        // Blank lines carry no row.
        var numbered = records.Select((fields, index) => (Row: index + 1, Fields: fields)).Where(r => !(r.Fields.Length == 1 && r.Fields[0].Length == 0)).ToList();
        if (numbered.Count == 0)
        {
            throw CliFailure.Usage($"{source} is empty; it needs a header row.");
        }

        var header = numbered[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToList();
        return new CsvTable(header, numbered.Skip(1).ToList());
    }

    public static string Line(IEnumerable<string> fields) =>
        string.Join(',', fields.Select(f => f.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{f.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : f));
}
