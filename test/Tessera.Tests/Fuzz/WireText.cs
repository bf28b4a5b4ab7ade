using System.Text;
using CsCheck;

namespace Tessera.Tests.Fuzz;

/// <summary>Generators of the text that arrives in request targets and header values: percent-escapes good and bad, Unicode, controls.</summary>
internal static class WireText
{
    /// <summary>Pieces of a URI component: plain text, good and broken escapes, overlong and invalid UTF-8, raw Unicode.</summary>
    public static readonly Gen<string> Piece = Gen.Frequency(
        (10, Gen.Char.AlphaNumeric.Array[1, 8].Select(c => new string(c))),
        (3, Gen.Byte.Select(b => "%" + b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Byte.Select(b => "%" + b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.OneOf(Gen.Const("%"), Gen.Const("%%"), Gen.Const("%G0"), Gen.Const("%0"), Gen.Const("%C3"), Gen.Const("%C3%A9"), Gen.Const("%FF"), Gen.Const("%C0%AF"), Gen.Const("%ED%A0%80"), Gen.Const("%F4%90%80%80"), Gen.Const("%EF%BB%BF"), Gen.Const("%00"), Gen.Const("%0D%0A"), Gen.Const("%u0041"), Gen.Const("%uD800"))),
        (3, Gen.OneOf(Gen.Const("/"), Gen.Const("//"), Gen.Const("."), Gen.Const(".."), Gen.Const("?"), Gen.Const("&"), Gen.Const("="), Gen.Const("+"), Gen.Const(" "), Gen.Const("#"), Gen.Const("~"), Gen.Const(";"), Gen.Const(","), Gen.Const("*"), Gen.Const("'"))),
        (1, Gen.OneOf(Gen.Const("é"), Gen.Const("日本"), Gen.Const("😀"), Gen.Const("\uD800"), Gen.Const("\uDC00"), Gen.Const("\uFFFD"), Gen.Const("\u0000"), Gen.Const("\u0001"), Gen.Const("\r\n"), Gen.Const("\t"), Gen.Const("\u007F"), Gen.Const("\u0085"))),
        (1, Gen.Char.Array[1, 4].Select(c => new string(c))));

    /// <summary>A component made of <see cref="Piece"/>s.</summary>
    public static readonly Gen<string> Component = Piece.Array[0, 12].Select(string.Concat);

    /// <summary>Well-formed UTF-16 without control characters (what a header value may carry and get back).</summary>
    public static readonly Gen<string> PrintableUnicode = Gen.Frequency(
        (4, Gen.Char.Where(c => !char.IsControl(c) && !char.IsSurrogate(c)).Array[0, 40].Select(c => new string(c))),
        (2, Gen.Char[' ', '~'].Array[0, 40].Select(c => new string(c))),
        (1, Gen.Int[0x10000, 0x10FFFF].Array[1, 10].Select(runes => string.Concat(runes.Select(char.ConvertFromUtf32)))),
        (2, Gen.Select(Gen.Char[' ', '~'].Array[0, 10], Gen.OneOf(Gen.Const("é"), Gen.Const("日本"), Gen.Const("😀")), (a, b) => new string(a) + b)));

    /// <summary>Values that look like RFC 2047 encoded words, well-formed or not.</summary>
    public static readonly Gen<string> EncodedWords = Gen.Select(
        Gen.OneOf(Gen.Const("UTF-8"), Gen.Const("utf-8"), Gen.Const("ISO-8859-1"), Gen.Const("US-ASCII"), Gen.Const("KOI8-R"), Gen.Const("")),
        Gen.OneOf(Gen.Const('B'), Gen.Const('Q'), Gen.Const('b'), Gen.Const('X')),
        Gen.Byte.Array[0, 60],
        Gen.Int[0, 3],
        (charset, encoding, bytes, junk) =>
        {
            var payload = encoding is 'B' or 'b'
                ? Convert.ToBase64String(bytes)
                : string.Concat(bytes.Select(b => b is > 32 and < 127 and not (byte)'=' and not (byte)'?' and not (byte)'_' ? ((char)b).ToString() : "=" + b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
            var word = $"=?{charset}?{encoding}?{payload}?=";
            return junk switch
            {
                0 => word,
                1 => word + " " + word,
                2 => " " + word + "\t",
                _ => word[..(word.Length / 2)],
            };
        });

    /// <summary>
    /// A raw target as Kestrel can receive it: what it refuses in a request line (control characters, spaces, DEL)
    /// percent-encoded instead, and a lone surrogate (no UTF-8 decodes to one) as the bytes of its would-be encoding.
    /// </summary>
    public static string AsReceived(string target)
    {
        var text = new StringBuilder(target.Length);
        for (var i = 0; i < target.Length; i++)
        {
            var c = target[i];
            if (c <= ' ' || c == '\u007F')
            {
                text.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (char.IsHighSurrogate(c) && i + 1 < target.Length && char.IsLowSurrogate(target[i + 1]))
            {
                text.Append(c).Append(target[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                text.Append("%ED%A0%80");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    /// <summary>The UTF-8 bytes of <paramref name="value"/>, every one percent-encoded.</summary>
    public static string PercentEncodeAll(string value) =>
        string.Concat(Encoding.UTF8.GetBytes(value).Select(b => "%" + b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
