using System.Text;

namespace Tessera.S3.Auth;

/// <summary>
/// The byte-level encodings of SigV4: AWS URI encoding (RFC 3986 unreserved characters kept, everything else
/// <c>%XX</c> with upper-case hex) and lower-case hex for hashes and signatures.
/// </summary>
internal static class SigV4Encoding
{
    /// <summary>The most bytes <see cref="EncodeComponent"/> writes per input char: a lone char is at most 3 UTF-8 bytes, each <c>%XX</c>.</summary>
    public const int MaxEncodedBytesPerChar = 9;

    private static ReadOnlySpan<byte> HexUpper => "0123456789ABCDEF"u8;

    private static ReadOnlySpan<byte> HexLower => "0123456789abcdef"u8;

    /// <summary>Whether <paramref name="value"/> is an RFC 3986 unreserved character (A-Z a-z 0-9 - _ . ~).</summary>
    public static bool IsUnreserved(byte value)
        => (uint)((value | 0x20) - 'a') <= 'z' - 'a' || (uint)(value - '0') <= 9 || value is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~';

    /// <summary>
    /// Re-encodes a raw URI component (path or query name/value, as sent on the wire) canonically: <c>%XX</c> escapes
    /// are decoded first, so both <c>%2F</c> and <c>/</c>, <c>%7E</c> and <c>~</c>, or <c>$</c> and <c>%24</c> end up
    /// in the one form AWS signs. Non-ASCII characters are encoded as UTF-8. Decoding and re-encoding byte by byte
    /// means no double encoding and no UTF-8 round trip of the decoded value.
    /// </summary>
    /// <param name="raw">The component as sent.</param>
    /// <param name="destination">At least <c>raw.Length * <see cref="MaxEncodedBytesPerChar"/></c> bytes.</param>
    /// <param name="keepSlash">Whether a literal '/' stays as is (path); an escaped <c>%2F</c> is always kept escaped.</param>
    /// <param name="plusIsSpace">Whether a literal '+' means a space (query strings, as ASP.NET decodes them).</param>
    /// <returns>The number of bytes written.</returns>
    public static int EncodeComponent(ReadOnlySpan<char> raw, Span<byte> destination, bool keepSlash, bool plusIsSpace)
    {
        var written = 0;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '%' && i + 2 < raw.Length && TryHexValue(raw[i + 1], out var high) && TryHexValue(raw[i + 2], out var low))
            {
                written += EncodeByte((byte)((high << 4) | low), destination[written..]);
                i += 2;
            }
            else if (c == '/' && keepSlash)
            {
                destination[written++] = (byte)'/';
            }
            else if (c == '+' && plusIsSpace)
            {
                written += EncodeByte((byte)' ', destination[written..]);
            }
            else if (c < 0x80)
            {
                written += EncodeByte((byte)c, destination[written..]);
            }
            else
            {
                if (Rune.DecodeFromUtf16(raw[i..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                {
                    rune = Rune.ReplacementChar;
                    consumed = 1;
                }

                var length = rune.EncodeToUtf8(utf8);
                for (var j = 0; j < length; j++)
                {
                    written += EncodeByte(utf8[j], destination[written..]);
                }

                i += consumed - 1;
            }
        }

        return written;
    }

    /// <summary>Decodes a canonically encoded component (only <c>%XX</c> escapes, no '+') back to text.</summary>
    public static string DecodeCanonical(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IndexOf((byte)'%') < 0)
        {
            return Encoding.UTF8.GetString(encoded);
        }

        var buffer = encoded.Length <= 512 ? stackalloc byte[encoded.Length] : new byte[encoded.Length];
        var length = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length && TryHexValue((char)encoded[i + 1], out var high) && TryHexValue((char)encoded[i + 2], out var low))
            {
                buffer[length++] = (byte)((high << 4) | low);
                i += 2;
            }
            else
            {
                buffer[length++] = encoded[i];
            }
        }

        return Encoding.UTF8.GetString(buffer[..length]);
    }

    /// <summary>Writes <paramref name="source"/> as lower-case hex (two bytes per input byte).</summary>
    public static void WriteHexLower(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[2 * i] = HexLower[source[i] >> 4];
            destination[(2 * i) + 1] = HexLower[source[i] & 0xF];
        }
    }

    /// <summary>Parses hex text of exactly <c>2 * destination.Length</c> digits (either case).</summary>
    public static bool TryParseHex(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        if (hex.Length != 2 * destination.Length)
        {
            return false;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            if (!TryHexValue(hex[2 * i], out var high) || !TryHexValue(hex[(2 * i) + 1], out var low))
            {
                return false;
            }

            destination[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    /// <summary>Parses ASCII hex bytes of exactly <c>2 * destination.Length</c> digits (either case).</summary>
    public static bool TryParseHex(ReadOnlySpan<byte> hex, Span<byte> destination)
    {
        if (hex.Length != 2 * destination.Length)
        {
            return false;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            if (!TryHexValue((char)hex[2 * i], out var high) || !TryHexValue((char)hex[(2 * i) + 1], out var low))
            {
                return false;
            }

            destination[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    /// <summary>The value of one hex digit.</summary>
    public static bool TryHexValue(char c, out int value)
    {
        if ((uint)(c - '0') <= 9)
        {
            value = c - '0';
            return true;
        }

        var lower = c | 0x20;
        if ((uint)(lower - 'a') <= 'f' - 'a')
        {
            value = lower - 'a' + 10;
            return true;
        }

        value = 0;
        return false;
    }

    private static int EncodeByte(byte value, Span<byte> destination)
    {
        if (IsUnreserved(value))
        {
            destination[0] = value;
            return 1;
        }

        destination[0] = (byte)'%';
        destination[1] = HexUpper[value >> 4];
        destination[2] = HexUpper[value & 0xF];
        return 3;
    }
}
