using System.Text;
using CsCheck;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// POST policy documents as JSON bytes (so they can hold what no string can: invalid UTF-8), built from conditions
/// of every shape the policy language has and many it has not.
/// </summary>
internal static class PolicyCorpus
{
    /// <summary>JSON string contents, escaped or raw, valid or not.</summary>
    public static readonly Gen<byte[]> StringBody = Gen.Frequency(
        (8, Gen.Char.AlphaNumeric.Array[0, 10].Select(c => Encoding.UTF8.GetBytes(new string(c)))),
        (2, Gen.OneOf(
            Gen.Const("user/"u8.ToArray()), Gen.Const("${filename}"u8.ToArray()), Gen.Const("private"u8.ToArray()),
            Gen.Const("\\u00e9"u8.ToArray()), Gen.Const("\\uD800"u8.ToArray()), Gen.Const("\\uDC00\\uD800"u8.ToArray()), Gen.Const("\\ud83d\\ude00"u8.ToArray()),
            Gen.Const("\\\""u8.ToArray()), Gen.Const("\\x41"u8.ToArray()), Gen.Const("\\"u8.ToArray()), Gen.Const("\\u00"u8.ToArray()), Gen.Const("\\n\\r\\t\\u0000"u8.ToArray()))),
        (2, Gen.OneOf(Gen.Const<byte[]>([0xFF]), Gen.Const<byte[]>([0xC3]), Gen.Const<byte[]>([0xC3, 0xA9]), Gen.Const<byte[]>([0xED, 0xA0, 0x80]), Gen.Const<byte[]>([0xF0, 0x9F, 0x98]), Gen.Const<byte[]>([0x01]), Gen.Const<byte[]>([0xC0, 0x80]))));

    /// <summary>A JSON string value.</summary>
    public static readonly Gen<byte[]> JsonString = StringBody.Array[1, 3].Select(parts => Concat([[(byte)'"'], .. parts, [(byte)'"']]));

    /// <summary>Numbers as the policy language takes them and as it does not.</summary>
    public static readonly Gen<byte[]> JsonNumber = Gen.Frequency(
        (6, Gen.Long[0, 2_000_000].Select(n => Encoding.ASCII.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
        (2, Gen.OneOf(
            Gen.Const("-1"u8.ToArray()), Gen.Const("9223372036854775807"u8.ToArray()), Gen.Const("9223372036854775808"u8.ToArray()), Gen.Const("1e400"u8.ToArray()),
            Gen.Const("1.5"u8.ToArray()), Gen.Const("\"5\""u8.ToArray()), Gen.Const("\"-5\""u8.ToArray()), Gen.Const("\"\""u8.ToArray()), Gen.Const("null"u8.ToArray()), Gen.Const("true"u8.ToArray()),
            Gen.Const("00"u8.ToArray()), Gen.Const("[]"u8.ToArray()))));

    /// <summary>One condition.</summary>
    public static readonly Gen<byte[]> Condition = Gen.Frequency(
        (4, Gen.Select(JsonString, Gen.Frequency((4, JsonString), (1, JsonNumber)), (name, value) => Concat(["{"u8.ToArray(), name, ":"u8.ToArray(), value, "}"u8.ToArray()]))),
        (4, Gen.Select(
            Gen.Frequency((4, Gen.OneOf(Gen.Const("\"eq\""u8.ToArray()), Gen.Const("\"starts-with\""u8.ToArray()))), (1, Gen.OneOf(Gen.Const("\"EQ\""u8.ToArray()), Gen.Const("\"in\""u8.ToArray()), Gen.Const("1"u8.ToArray()), Gen.Const("null"u8.ToArray()))), (1, JsonString)),
            Gen.Frequency((4, Gen.OneOf(Gen.Const("\"$key\""u8.ToArray()), Gen.Const("\"$bucket\""u8.ToArray()), Gen.Const("\"$Content-Type\""u8.ToArray()), Gen.Const("\"$x-amz-meta-a\""u8.ToArray()))), (2, JsonString), (1, JsonNumber)),
            Gen.Frequency((4, JsonString), (1, JsonNumber)),
            (operation, field, value) => Concat(["["u8.ToArray(), operation, ","u8.ToArray(), field, ","u8.ToArray(), value, "]"u8.ToArray()]))),
        (3, Gen.Select(JsonNumber, JsonNumber, (min, max) => Concat(["[\"content-length-range\","u8.ToArray(), min, ","u8.ToArray(), max, "]"u8.ToArray()]))),
        (1, Gen.OneOf(
            Gen.Const("[]"u8.ToArray()), Gen.Const("[\"eq\"]"u8.ToArray()), Gen.Const("[\"eq\",\"$a\",\"b\",\"c\"]"u8.ToArray()), Gen.Const("{}"u8.ToArray()),
            Gen.Const("{\"a\":{\"b\":1}}"u8.ToArray()), Gen.Const("null"u8.ToArray()), Gen.Const("\"x\""u8.ToArray()), Gen.Const("{\"a\":1,\"a\":2}"u8.ToArray()))),
        (1, Gen.Int[1, 2_000].Select(depth => Concat([.. Enumerable.Repeat("["u8.ToArray(), depth), .. Enumerable.Repeat("]"u8.ToArray(), depth)]))));

    /// <summary>A whole policy document.</summary>
    public static readonly Gen<byte[]> Document = Gen.Select(
        Gen.Frequency(
            (6, Gen.OneOf(Gen.Const("\"2013-05-25T00:00:00.000Z\""u8.ToArray()), Gen.Const("\"2013-05-23T00:00:00Z\""u8.ToArray()), Gen.Const("\"9999-12-31T23:59:59Z\""u8.ToArray()))),
            (1, Gen.OneOf(Gen.Const("\"0001-01-01\""u8.ToArray()), Gen.Const("\"+275760-09-13\""u8.ToArray()), Gen.Const("\"2013-05-25T00:00:00+14:00\""u8.ToArray()), Gen.Const("12"u8.ToArray()), Gen.Const("null"u8.ToArray()))),
            (1, JsonString)),
        Condition.Array[0, 8],
        Gen.Frequency((12, Gen.Const(Array.Empty<byte>())), (1, Gen.OneOf(Gen.Const(",\"expiration\":1"u8.ToArray()), Gen.Const(",\"conditions\":{}"u8.ToArray()), Gen.Const("}"u8.ToArray()), Gen.Const(",\"x\":[[[[[["u8.ToArray())))),
        (expiration, conditions, tail) =>
        {
            var list = new List<byte[]> { "{\"expiration\":"u8.ToArray(), expiration, ",\"conditions\":["u8.ToArray() };
            for (var i = 0; i < conditions.Length; i++)
            {
                if (i > 0)
                {
                    list.Add(","u8.ToArray());
                }

                list.Add(conditions[i]);
            }

            list.Add("]"u8.ToArray());
            list.Add(tail);
            list.Add("}"u8.ToArray());
            return Concat(list);
        });

    /// <summary>Policies a form can meet: a future expiration and conditions on the usual fields.</summary>
    public static readonly Gen<byte[]> Clean = Gen.Select(
        Gen.OneOf(
            Gen.Const("{\"bucket\":\"fuzz\"}"), Gen.Const("[\"starts-with\",\"$key\",\"\"]"), Gen.Const("[\"eq\",\"$key\",\"k\"]"), Gen.Const("{\"acl\":\"private\"}"),
            Gen.Const("[\"starts-with\",\"$Content-Type\",\"\"]"), Gen.Const("{\"x-amz-meta-a\":\"v\"}"), Gen.Const("[\"starts-with\",\"$x-amz-meta-b\",\"\"]"),
            Gen.Const("[\"eq\",\"$success_action_status\",\"201\"]")).Array[0, 6],
        Gen.Long[0, 3_000].Array[2],
        (conditions, range) => Encoding.UTF8.GetBytes(
            "{\"expiration\":\"2013-05-25T00:00:00.000Z\",\"conditions\":["
            + string.Join(",", conditions.Append($"[\"content-length-range\",{Math.Min(range[0], range[1])},{Math.Max(range[0], range[1])}]"))
            + "]}"));

    /// <summary>Tokens the byte mutations insert into policy JSON.</summary>
    public static readonly byte[][] Dictionary =
    [
        .. new[] { "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\uD800", "null", "-", "1e999", "\"$key\"", "\"eq\"", "\"starts-with\"", "\"content-length-range\"", "\"conditions\"", "\"expiration\"", "/*c*/", "//", "\r\n", "\t" }
            .Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xC3], [0xEF, 0xBB, 0xBF], [0x00],
    ];

    private static byte[] Concat(IEnumerable<byte[]> parts) => [.. parts.SelectMany(p => p)];
}
