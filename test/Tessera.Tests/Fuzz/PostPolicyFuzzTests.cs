using System.Text;
using CsCheck;
using Tessera.Core.Errors;
using Tessera.S3.Auth;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Fuzz target for the POST Object policy: <see cref="PostPolicy.Parse"/> of any base64 text, then
/// <see cref="PostPolicy.Check"/> and <see cref="PostPolicy.CheckLength"/> on random forms. Only S3Exceptions, within
/// the allocation budget. (The form itself is fuzzed end to end through the gateway: GatewayFuzzTests.)
/// </summary>
public sealed class PostPolicyFuzzTests
{
    private static readonly Gen<string> Base64 = Gen.Frequency(
        (6, PolicyCorpus.Clean.Select(Convert.ToBase64String)),
        (6, PolicyCorpus.Document.Select(Convert.ToBase64String)),
        (6, Gen.Select(Gen.OneOf(PolicyCorpus.Document, PolicyCorpus.Clean), Mutation.Gen(300).Array[1, 4], (json, edits) => Convert.ToBase64String(Mutation.Apply(json, edits, PolicyCorpus.Dictionary)))),
        (2, Gen.Byte.Array[0, 300].Select(Convert.ToBase64String)),
        (2, Gen.Select(PolicyCorpus.Document, Mutation.Gen().Array[1, 4], (json, edits) => Encoding.Latin1.GetString(Mutation.Apply(Encoding.ASCII.GetBytes(Convert.ToBase64String(json)), edits, [" "u8.ToArray(), "="u8.ToArray(), "-"u8.ToArray(), "_"u8.ToArray(), "\n"u8.ToArray(), "%3D"u8.ToArray()])))),
        (1, Gen.String));

    private static readonly Gen<Dictionary<string, string>> Fields = Gen.Dictionary(
        Gen.Frequency((4, Gen.OneOf(Gen.Const("key"), Gen.Const("bucket"), Gen.Const("Content-Type"), Gen.Const("x-amz-meta-a"), Gen.Const("acl"), Gen.Const("policy"), Gen.Const("x-ignore-me"), Gen.Const("file"))), (1, WireText.Component)),
        Gen.Frequency((4, Gen.OneOf(Gen.Const("k"), Gen.Const("user/a"), Gen.Const("fuzz"), Gen.Const("private"), Gen.Const("v"), Gen.Const(""))), (1, WireText.Component)))[0, 6]
        .Select(d =>
        {
            // Form field names compare case-insensitively: of names differing only in case, the first is kept.
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in d)
            {
                fields.TryAdd(name, value);
            }

            return fields;
        });

    [Fact]
    public void FuzzPolicy()
    {
        var now = new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);
        Warm(now);
        FuzzRunner.Run(
            "PostPolicy",
            Gen.Select(Base64, Fields, Gen.Frequency((4, Gen.Long[0, 2_000_000]), (1, Gen.Long))),
            input =>
            {
                var (base64, fields, length) = input;
                PostPolicy? policy = null;
                if (AllocationBudget.Check("PostPolicy.Parse", base64.Length, () => policy = PostPolicy.Parse(base64)) is { } refused)
                {
                    return "Parse: " + refused.Error.Code;
                }

                var size = base64.Length + fields.Sum(f => f.Key.Length + f.Value.Length);
                var check = AllocationBudget.Check("PostPolicy.Check", size, () => policy!.Check(fields, now));
                var checkLength = AllocationBudget.Check("PostPolicy.CheckLength", 0, () => policy!.CheckLength(length));
                if (policy!.LengthRange is { } range && checkLength is null && (length < range.Min || length > range.Max))
                {
                    throw new InvalidOperationException($"CheckLength let {length} through the range [{range.Min}, {range.Max}]");
                }

                return "Check: " + (check?.Error.Code ?? "met");
            },
            seconds: 4,
            allocations: ["PostPolicy.Parse", "PostPolicy.Check"],
            print: t => $"{Show.Text(t.Item1)} ({Show.Bytes(SafeDecode(t.Item1))}) fields [{string.Join(", ", t.Item2.Select(f => Show.Text(f.Key) + "=" + Show.Text(f.Value)))}] length {t.Item3}");
    }

    [Theory]
    [InlineData(new byte[] { 0xE8 })]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'D', (byte)'8', (byte)'0', (byte)'0' })]
    public void InvalidTextInThePolicyIsInvalidPolicyDocument(byte[] text)
    {
        // Found by FuzzPolicy: invalid UTF-8 in a JSON string escaped Parse as InvalidOperationException (a 500 from POST Object).
        foreach (var template in new[] { "{\"expiration\":\"2013-05-25T00:00:00Z\",\"conditions\":[[\"eq\",\"$key\",\"@\"]]}", "{\"expiration\":\"2013-05-25T00:00:00Z\",\"conditions\":[{\"@\":\"v\"}]}", "{\"expiration\":\"@\",\"conditions\":[]}" })
        {
            var at = template.IndexOf('@', StringComparison.Ordinal);
            byte[] json = [.. Encoding.UTF8.GetBytes(template[..at]), .. text, .. Encoding.UTF8.GetBytes(template[(at + 1)..])];
            var error = Assert.Throws<S3Exception>(() => PostPolicy.Parse(Convert.ToBase64String(json)));
            Assert.Equal(S3Errors.InvalidPolicyDocument.Code, error.Error.Code);
        }
    }

    private static byte[] SafeDecode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static void Warm(DateTimeOffset now)
    {
        foreach (var json in new[] { "{\"expiration\":\"2013-05-25T00:00:00Z\",\"conditions\":[[\"eq\",\"$key\",\"k\"]]}", "{", "x" })
        {
            try
            {
                PostPolicy.Parse(Convert.ToBase64String(Encoding.UTF8.GetBytes(json))).Check(new Dictionary<string, string> { ["a"] = "b" }, now);
            }
            catch (S3Exception)
            {
            }
        }
    }
}
