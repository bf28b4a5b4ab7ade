using System.Globalization;
using System.Text;

namespace Tessera.Tests.Fuzz;

/// <summary>Failing inputs as readable, bounded text: printable ASCII as is, everything else escaped.</summary>
internal static class Show
{
    private const int Limit = 600;

    public static string Bytes(byte[] bytes)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"[{bytes.Length} bytes] \"");
        foreach (var b in bytes.AsSpan(0, Math.Min(bytes.Length, Limit)))
        {
            Append(text, (char)b, b >= 0x80);
        }

        return text.Append(bytes.Length > Limit ? "\"…" : "\"").ToString();
    }

    public static string Text(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"[{value.Length} chars] \"");
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, Limit)))
        {
            Append(text, c, false);
        }

        return text.Append(value.Length > Limit ? "\"…" : "\"").ToString();
    }

    private static void Append(StringBuilder text, char c, bool rawByte)
    {
        if (c is >= ' ' and <= '~' and not '\\' and not '"')
        {
            text.Append(c);
        }
        else if (rawByte || c <= 0xFF)
        {
            text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }
    }
}
