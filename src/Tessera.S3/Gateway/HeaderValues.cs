using System.Buffers;
using System.Text;
using Tessera.Core.Errors;

namespace Tessera.S3.Gateway;

/// <summary>
/// Header values that come from clients and go back out in responses. HTTP forbids control characters in a field
/// value (a CR or LF would end it), so a value with one is refused where a client sets it (a POST form field, a
/// <c>response-*</c> override) and, should one ever be stored, MIME-encoded on the way out rather than failing every
/// GET of the object. Non-ASCII user metadata is stored as text and returned MIME-encoded (RFC 2047,
/// <c>=?UTF-8?B?…?=</c>), as S3 does; S3 also decodes such encoded words when they arrive.
/// </summary>
internal static class HeaderValues
{
    /// <summary>The longest UTF-8 run in one encoded word: 45 bytes are 60 base64 characters, 72 with the framing (RFC 2047 allows 75).</summary>
    private const int WordBytes = 45;

    private static readonly SearchValues<char> Controls = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    /// <summary>Whether <paramref name="value"/> can be written as a header value as it is (no control character but tab).</summary>
    public static bool IsWritable(ReadOnlySpan<char> value) => value.IndexOfAny(Controls) < 0;

    /// <summary>Whether <paramref name="name"/> is an HTTP token (the characters a header name may have).</summary>
    public static bool IsToken(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Checks a <c>response-*</c> override before it becomes a header: a control character, or a character beyond
    /// ISO-8859-1, is InvalidArgument with S3's message.
    /// </summary>
    public static void RequireOverride(string parameter, string value)
    {
        foreach (var c in value)
        {
            if (c > '\u00FF' || (c < ' ' && c != '\t') || c == '\u007F')
            {
                throw new S3Exception(S3Errors.InvalidArgument, "Header value cannot be represented using ISO-8859-1.")
                {
                    Details = [new("ArgumentName", parameter), new("ArgumentValue", value)],
                };
            }
        }
    }

    /// <summary>
    /// A user metadata value as it goes out: itself when printable ASCII, else RFC 2047 encoded words (UTF-8, base64).
    /// A value that itself starts like an encoded word (<c>=?</c>) is encoded too: sent back as it is, <see cref="FromRequest"/>
    /// would decode it into another value.
    /// </summary>
    public static string ForResponse(string value)
    {
        if (value.AsSpan().TrimStart().StartsWith("=?", StringComparison.Ordinal))
        {
            return Encode(value);
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~' && c != '\t')
            {
                return Encode(value);
            }
        }

        return value;
    }

    /// <summary>A stored header value (Content-Type, Content-Disposition…) as it goes out: itself, or encoded words if it could not be written.</summary>
    public static string Writable(string value) => IsWritable(value) ? value : Encode(value);

    /// <summary>
    /// A metadata value as it arrives: when the whole value is RFC 2047 encoded words (UTF-8 or ISO-8859-1, B or Q
    /// encoding, separated by white space), the decoded text; otherwise the value unchanged.
    /// </summary>
    public static string FromRequest(string value)
    {
        var rest = value.AsSpan().Trim();
        if (!rest.StartsWith("=?", StringComparison.Ordinal))
        {
            return value;
        }

        var decoded = new StringBuilder();
        while (!rest.IsEmpty)
        {
            if (!TryDecodeWord(ref rest, decoded))
            {
                return value;
            }

            rest = rest.TrimStart(" \t");
        }

        return decoded.ToString();
    }

    private static string Encode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var text = new StringBuilder((bytes.Length * 2) + 16);
        var start = 0;
        while (start < bytes.Length)
        {
            var length = Math.Min(WordBytes, bytes.Length - start);

            // Never split a UTF-8 sequence between words: back up to a lead byte.
            while (start + length < bytes.Length && length > 1 && (bytes[start + length] & 0xC0) == 0x80)
            {
                length--;
            }

            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append("=?UTF-8?B?").Append(Convert.ToBase64String(bytes, start, length)).Append("?=");
            start += length;
        }

        return text.ToString();
    }

    private static bool TryDecodeWord(ref ReadOnlySpan<char> rest, StringBuilder decoded)
    {
        // =?charset?encoding?text?=
        if (!rest.StartsWith("=?", StringComparison.Ordinal))
        {
            return false;
        }

        var body = rest[2..];
        var q1 = body.IndexOf('?');
        if (q1 <= 0 || q1 + 2 >= body.Length || body[q1 + 2] != '?')
        {
            return false;
        }

        var charset = body[..q1];
        var encoding = char.ToUpperInvariant(body[q1 + 1]);
        var text = body[(q1 + 3)..];
        var end = text.IndexOf("?=", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var payload = text[..end];
        Encoding? charsetEncoding = charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) ? new UTF8Encoding(false, true)
            : charset.Equals("ISO-8859-1", StringComparison.OrdinalIgnoreCase) || charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase) ? Encoding.Latin1
            : null;
        if (charsetEncoding is null)
        {
            return false;
        }

        byte[] bytes;
        if (encoding == 'B')
        {
            bytes = new byte[payload.Length];
            if (!Convert.TryFromBase64Chars(payload, bytes, out var written))
            {
                return false;
            }

            bytes = bytes[..written];
        }
        else if (encoding == 'Q')
        {
            var list = new List<byte>(payload.Length);
            for (var i = 0; i < payload.Length; i++)
            {
                var c = payload[i];
                if (c == '_')
                {
                    list.Add((byte)' ');
                }
                else if (c == '=' && i + 2 < payload.Length && char.IsAsciiHexDigit(payload[i + 1]) && char.IsAsciiHexDigit(payload[i + 2]))
                {
                    list.Add(Convert.ToByte(payload.Slice(i + 1, 2).ToString(), 16));
                    i += 2;
                }
                else if (c is > ' ' and <= '~' and not '=' and not '?')
                {
                    list.Add((byte)c);
                }
                else
                {
                    return false;
                }
            }

            bytes = [.. list];
        }
        else
        {
            return false;
        }

        string word;
        try
        {
            word = charsetEncoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        if (!IsWritable(word))
        {
            return false;
        }

        decoded.Append(word);
        rest = text[(end + 2)..];
        return true;
    }
}
