using System.Globalization;
using System.Text;
using CsCheck;
using Tessera.S3.Gateway;
using Tessera.S3.Operations;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Fuzz targets for the small parsers of request lines and headers: <see cref="HttpRange.Resolve"/>,
/// <see cref="CopyObject.ParseSource"/>, <see cref="UriPath.TryDecode"/>, <see cref="HeaderValues"/> and
/// <see cref="ObjectHeaders.ParseTaggingHeader"/>.
/// </summary>
public sealed class HeaderParsingFuzzTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static readonly Gen<string> Number = Gen.Frequency(
        (12, Gen.Long[0, 200].Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.Long[0, long.MaxValue].Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.OneOf(Gen.Const(""), Gen.Const("9223372036854775807"), Gen.Const("9223372036854775808"), Gen.Const("99999999999999999999999"), Gen.Const("-1"), Gen.Const("+5"), Gen.Const(" 5 "), Gen.Const("0x10"), Gen.Const("٣"), Gen.Const("1e3"), Gen.Const("00000000000000000000000001"))));

    private static readonly Gen<string> RangeHeader = Gen.Frequency(
        (8, Gen.Select(
            Gen.Frequency((12, Gen.Const("bytes=")), (1, Gen.OneOf(Gen.Const("BYTES="), Gen.Const("bytes= "), Gen.Const("bytes ="), Gen.Const("items="), Gen.Const("")))),
            Number,
            Gen.Frequency((12, Gen.Const("-")), (1, Gen.OneOf(Gen.Const("--"), Gen.Const(""), Gen.Const(" - ")))),
            Number,
            Gen.Frequency((12, Gen.Const("")), (1, Gen.OneOf(Gen.Const(","), Gen.Const(", 0-1"), Gen.Const(" ")))),
            (prefix, first, dash, last, tail) => prefix + first + dash + last + tail)),
        (1, WireText.Component),
        (1, Gen.String));

    private static readonly Gen<long> Size = Gen.Frequency((6, Gen.Long[0, 300]), (2, Gen.Long[0, long.MaxValue]), (1, Gen.OneOf(Gen.Const(0L), Gen.Const(1L), Gen.Const(long.MaxValue))));

    private static readonly Gen<string> CopySource = Gen.Frequency(
        (6, Gen.Select(
            Gen.OneOf(Gen.Const("/"), Gen.Const(""), Gen.Const("//")),
            Gen.Frequency((4, Gen.Const("fuzz")), (1, WireText.Component), (1, Gen.Const(new string('b', 300)))),
            Gen.OneOf(Gen.Const("/"), Gen.Const("%2F"), Gen.Const("")),
            WireText.Component,
            Gen.Frequency((4, Gen.Const("")), (2, WireText.Component.Select(v => "?versionId=" + v)), (1, Gen.OneOf(Gen.Const("?versionId="), Gen.Const("?versionId"), Gen.Const("?versionId=%00"), Gen.Const("?versionId=%uD800"), Gen.Const("?versionId=a&versionId=b"), Gen.Const("?x=1")))),
            (lead, bucket, slash, key, query) => lead + bucket + slash + key + query)),
        (1, Gen.Int[1_000, 3_000].Select(n => "/fuzz/" + new string('k', n))),
        (1, Gen.String));

    private static readonly Gen<string> Tagging = Gen.Frequency(
        (6, Gen.Select(WireText.Component, WireText.Component, Gen.Int[1, 12], (k, v, n) => string.Join("&", Enumerable.Range(0, n).Select(i => $"{k}{i}={v}")))),
        (2, WireText.Component),
        (1, Gen.OneOf(Gen.Const("a"), Gen.Const("=b"), Gen.Const("a=1&a=2"), Gen.Const("&&"), Gen.Const("a=%uD800"), Gen.Const("%uD800=1"), Gen.Const("a=%"), Gen.Const(new string('k', 200) + "=v"))));

    [Fact]
    public void FuzzHttpRange() => FuzzRunner.Run(
        "HttpRange.Resolve",
        Gen.Select(RangeHeader.Null(0.05), Size),
        input =>
        {
            var (header, size) = input;
            long start = 0, end = 0;
            var kind = HttpRange.Kind.None;
            AllocationBudget.Check("HttpRange.Resolve", header?.Length ?? 0, () => kind = HttpRange.Resolve(header, size, out start, out end));
            switch (kind)
            {
                case HttpRange.Kind.Range when start < 0 || end < start || end >= size:
                    throw new InvalidOperationException($"range [{start}, {end}] is not within [0, {size})");
                case HttpRange.Kind.None when start != 0 || end != size - 1:
                    throw new InvalidOperationException($"no range, yet [{start}, {end}] for size {size}");
            }

            return kind.ToString();
        },
        seconds: 2,
        print: t => $"{Show.Text(t.Item1)} size {t.Item2}",
        allocations: ["HttpRange.Resolve"]);

    [Fact]
    public void FuzzCopySource() => FuzzRunner.Run(
        "CopyObject.ParseSource",
        CopySource,
        header =>
        {
            (string Bucket, string Key, string? VersionId) source = ("", "", null);
            if (AllocationBudget.Check("CopyObject.ParseSource", header.Length, () => source = CopyObject.ParseSource(header)) is { } refused)
            {
                return refused.Error.Code;
            }

            if (!BucketNames.IsAddressable(source.Bucket) || source.Key.Length == 0 || source.Key.Contains('\0', StringComparison.Ordinal)
                || Encoding.UTF8.GetByteCount(source.Key) > 1024 || !IsWellFormed(source.Key))
            {
                throw new InvalidOperationException($"accepted a source no object can have: {Show.Text(source.Bucket)} / {Show.Text(source.Key)}");
            }

            if (source.VersionId is { } version && (version.Length == 0 || version.AsSpan().ContainsAnyInRange('\0', '\x1f')))
            {
                throw new InvalidOperationException($"accepted version id {Show.Text(version)}");
            }

            return source.VersionId is null ? "parsed" : "parsed with version";
        },
        seconds: 2,
        print: Show.Text,
        allocations: ["CopyObject.ParseSource"]);

    [Fact]
    public void FuzzUriPath() => FuzzRunner.Run(
        "UriPath.TryDecode",
        Gen.Frequency((6, WireText.Component), (1, Gen.String), (1, WireText.PrintableUnicode.Select(WireText.PercentEncodeAll))),
        raw =>
        {
            var ok = false;
            var decoded = "";
            AllocationBudget.Check("UriPath.TryDecode", raw.Length, () => ok = UriPath.TryDecode(raw, out decoded));
            if (!ok)
            {
                return "refused";
            }

            if (!IsWellFormed(decoded))
            {
                throw new InvalidOperationException($"decoded to ill-formed UTF-16: {Show.Text(decoded)}");
            }

            // The decoded text, percent-encoded again, decodes to itself; text without escapes decodes to itself.
            if (!UriPath.TryDecode(WireText.PercentEncodeAll(decoded), out var again) || again != decoded)
            {
                throw new InvalidOperationException($"{Show.Text(decoded)} does not survive re-encoding: {Show.Text(again)}");
            }

            if (!raw.Contains('%', StringComparison.Ordinal) && decoded != raw)
            {
                throw new InvalidOperationException($"{Show.Text(raw)} has no escape, yet decoded to {Show.Text(decoded)}");
            }

            return "decoded";
        },
        seconds: 2,
        print: Show.Text,
        allocations: ["UriPath.TryDecode"]);

    [Fact]
    public void FuzzHeaderValues() => FuzzRunner.Run(
        "HeaderValues",
        Gen.Frequency((3, WireText.PrintableUnicode), (2, WireText.EncodedWords), (1, Gen.String), (1, WireText.Component)),
        value =>
        {
            string response = "", writable = "", fromRequest = "";
            AllocationBudget.Check("HeaderValues.ForResponse", value.Length, () => response = HeaderValues.ForResponse(value));
            AllocationBudget.Check("HeaderValues.Writable", value.Length, () => writable = HeaderValues.Writable(value));
            AllocationBudget.Check("HeaderValues.FromRequest", value.Length, () => fromRequest = HeaderValues.FromRequest(value));
            if (response.Any(c => c is not ('\t' or (>= ' ' and <= '~'))))
            {
                throw new InvalidOperationException($"ForResponse gave {Show.Text(response)}: not printable ASCII");
            }

            if (!HeaderValues.IsWritable(writable))
            {
                throw new InvalidOperationException($"Writable gave {Show.Text(writable)}");
            }

            if (fromRequest != value && !HeaderValues.IsWritable(fromRequest))
            {
                throw new InvalidOperationException($"FromRequest decoded {Show.Text(value)} to a value with control characters: {Show.Text(fromRequest)}");
            }

            // What goes out comes back as it was: a client may copy a value from a GET into a PUT.
            if (IsWellFormed(value) && !value.Any(char.IsControl))
            {
                var back = HeaderValues.FromRequest(response);
                if (back != value)
                {
                    throw new InvalidOperationException($"{Show.Text(value)} went out as {Show.Text(response)} and came back as {Show.Text(back)}");
                }

                return response == value ? "round trip as is" : "round trip encoded";
            }

            return fromRequest == value ? "kept" : "decoded";
        },
        seconds: 2,
        print: Show.Text,
        allocations: ["HeaderValues.ForResponse", "HeaderValues.Writable", "HeaderValues.FromRequest"]);

    [Fact]
    public void FuzzTaggingHeader() => FuzzRunner.Run(
        "ObjectHeaders.ParseTaggingHeader",
        Tagging,
        header =>
        {
            IReadOnlyList<KeyValuePair<string, string>> tags = [];
            if (AllocationBudget.Check("ObjectHeaders.ParseTaggingHeader", header.Length, () => tags = ObjectHeaders.ParseTaggingHeader(header)) is { } refused)
            {
                return refused.Error.Code;
            }

            foreach (var (key, value) in tags)
            {
                if (!IsWellFormed(key) || !IsWellFormed(value))
                {
                    throw new InvalidOperationException($"accepted a tag that is not well-formed UTF-16: {Show.Text(key)}={Show.Text(value)}");
                }
            }

            return "parsed";
        },
        seconds: 1,
        print: Show.Text,
        allocations: ["ObjectHeaders.ParseTaggingHeader"]);

    [Theory]
    [InlineData("=?UTF-8?B??=")]
    [InlineData("=?UTF-8?B?YQ==?=")]
    [InlineData(" =?ISO-8859-1?Q?a?= ")]
    public void ValuesThatLookEncodedGoOutEncoded(string value)
    {
        // Found by FuzzHeaderValues: such a value (stored from a doubly encoded header) went out as it was, and came back decoded.
        var response = HeaderValues.ForResponse(value);
        Assert.StartsWith("=?UTF-8?B?", response, StringComparison.Ordinal);
        Assert.Equal(value, HeaderValues.FromRequest(response));
    }

    /// <summary>Whether <paramref name="value"/> is well-formed UTF-16 (no lone surrogate), as every stored string must be.</summary>
    private static bool IsWellFormed(string value)
    {
        try
        {
            StrictUtf8.GetByteCount(value);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }
}
