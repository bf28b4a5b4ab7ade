using System.Buffers;
using System.Text;

namespace Tessera.S3.Gateway;

/// <summary>
/// Strict percent-decoding of a request path (or an <c>x-amz-copy-source</c>): the bytes must be UTF-8. Unlike
/// <see cref="Uri.UnescapeDataString(string)"/>, which leaves an invalid sequence such as <c>%FF</c> as literal text
/// (so <c>/b/a%FF</c> would name the key <c>a%FF</c>), an invalid sequence fails, and the caller answers S3's
/// InvalidURI "Couldn't parse the specified URI.".
/// </summary>
internal static class UriPath
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="raw"/>; false when a <c>%</c> is not followed by two hex digits or the bytes are not UTF-8.</summary>
    public static bool TryDecode(ReadOnlySpan<char> raw, out string decoded)
    {
        if (raw.IndexOf('%') < 0 && Ascii.IsValid(raw))
        {
            decoded = raw.ToString();
            return true;
        }

        var rented = ArrayPool<byte>.Shared.Rent(checked((raw.Length * 3) + 4));
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                var c = raw[i];
                if (c == '%')
                {
                    if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2]))
                    {
                        decoded = "";
                        return false;
                    }

                    rented[length++] = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                    i += 2;
                }
                else if (c < 0x80)
                {
                    rented[length++] = (byte)c;
                }
                else
                {
                    // A raw non-ASCII character (a host that passes them through): its UTF-8 bytes, as if percent-encoded.
                    var status = Rune.DecodeFromUtf16(raw[i..], out var rune, out var consumed);
                    if (status != OperationStatus.Done)
                    {
                        decoded = "";
                        return false;
                    }

                    length += rune.EncodeToUtf8(rented.AsSpan(length));
                    i += consumed - 1;
                }
            }

            try
            {
                decoded = StrictUtf8.GetString(rented, 0, length);
                return true;
            }
            catch (DecoderFallbackException)
            {
                decoded = "";
                return false;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
