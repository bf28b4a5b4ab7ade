using System.Security.Cryptography;
using System.Text;
using CsCheck;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// POST Object forms (multipart/form-data) as browsers send them: fields, a SigV4-signed policy that covers them (or a
/// random, mutated one), and the file; then, sometimes, the form's bytes damaged.
/// </summary>
internal static class PostForms
{
    private const string Boundary = "----TesseraFuzzBoundary7MA4YWxkTrZu0gW";

    private static readonly byte[][] Dictionary =
    [
        .. new[]
        {
            "--" + Boundary, "--" + Boundary + "--", "\r\n", "\r\n\r\n", "Content-Disposition: form-data; name=\"", "\"; filename=\"", "\"", ";", "name=file", "filename*=UTF-8''%FF",
            "Content-Type: text/plain\r\n", "form-data", "attachment", "--", new string('h', 9_000),
        }.Select(Encoding.UTF8.GetBytes),
    ];

    private static readonly Gen<(string Name, string Value)> Field = Gen.Frequency(
        (3, Gen.Select(Gen.OneOf(Gen.Const("Content-Type"), Gen.Const("x-amz-meta-a"), Gen.Const("X-Amz-Meta-Long"), Gen.Const("Cache-Control"), Gen.Const("acl"), Gen.Const("x-amz-storage-class"), Gen.Const("Content-Disposition")), GatewayCases.HeaderValue)),
        (1, Gen.OneOf(Gen.Const("success_action_status"), Gen.Const("success_action_redirect"), Gen.Const("redirect")).Select(n => n).SelectMany(n => Gen.OneOf(Gen.Const("200"), Gen.Const("201"), Gen.Const("204"), Gen.Const("999"), Gen.Const("http://example.com/ok"), Gen.Const("https://example.com/a?b=c"), Gen.Const("http://example.com/\r\nX-Injected: 1"), Gen.Const("javascript:alert(1)"), Gen.Const("http://[::1/")).Select(v => (n, v)))),
        (1, Gen.Select(XmlCorpus.Document, Gen.Bool).Select(t => ("tagging", t.Item2 ? t.Item1 : "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"))),
        (1, Gen.Select(Gen.Char["abcxyz-_.é\r\n \u0001"].Array[1, 12], GatewayCases.HeaderValue).Select(t => ("x-amz-meta-" + new string(t.Item1), t.Item2))),
        (1, Gen.Select(WireText.Component, WireText.Component)));

    /// <summary>A POST Object request for bucket <c>fuzz</c> (or another), authenticated by its form.</summary>
    public static readonly Gen<GatewayCase> Form =
        from bucket in Gen.Frequency((8, Gen.Const("fuzz")), (1, Gen.OneOf(Gen.Const("other"), Gen.Const("nosuch"), Gen.Const("%00"), Gen.Const("versioned"))))
        from key in Gen.Frequency((4, Gen.Const("post/${filename}")), (4, GatewayCases.DecodedKey), (1, Gen.Const("")))
        from fields in Field.Array[0, 5]
        from policyMode in Gen.Frequency((6, Gen.Const(0)), (2, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3)))
        from randomPolicy in Gen.Select(Gen.OneOf(PolicyCorpus.Clean, PolicyCorpus.Document), Mutation.Gen(100).Array[0, 3], (json, edits) => Mutation.Apply(json, edits, PolicyCorpus.Dictionary))
        from lengthRange in Gen.Frequency((3, Gen.Const("")), (1, Gen.Const(",[\"content-length-range\",1,100]")), (1, Gen.Const(",[\"content-length-range\",0,0]")))
        from fileName in Gen.Frequency((4, Gen.Const("a.txt")), (1, Gen.OneOf(Gen.Const(""), Gen.Const("../../etc/passwd"), Gen.Const("C:\\x\\y.txt"), Gen.Const("é.txt"), Gen.Const("a\"b"))))
        from file in Gen.Byte.Array[0, 3_000]
        from fieldsAfterFile in Gen.Bool
        from signature in Gen.Frequency((8, Gen.Const("v4")), (1, Gen.Const("v2")), (1, Gen.Const("wrong")), (1, Gen.Const("none")))
        from damage in Gen.Frequency((6, Gen.Const(Array.Empty<Mutation>())), (1, Mutation.Gen(20).Array[1, 3]))
        select Build(bucket, key, fields, policyMode, randomPolicy, lengthRange, fileName, file, fieldsAfterFile, signature, damage);

    private static GatewayCase Build(string bucket, string key, (string Name, string Value)[] extra, int policyMode, byte[] randomPolicy, string lengthRange, string fileName, byte[] file, bool fieldsAfterFile, string signature, Mutation[] damage)
    {
        var fields = new List<(string Name, string Value)> { ("key", key) };
        fields.AddRange(extra);
        if (signature is "v4" or "wrong")
        {
            fields.Add(("x-amz-algorithm", "AWS4-HMAC-SHA256"));
            fields.Add(("x-amz-credential", WireSigner.Credential));
            fields.Add(("x-amz-date", AmzDate));
        }

        // 0: a policy that covers every field; 1: one that forgets one; 2: a random one; 3: expired.
        var conditions = fields.Skip(policyMode == 1 ? 1 : 0)
            .Select(f => $"[\"starts-with\",\"${Json(f.Name)}\",\"\"]")
            .Append("{\"bucket\":\"" + Json(Uri.UnescapeDataString(bucket)) + "\"}");
        var expiration = policyMode == 3 ? "2013-05-23T00:00:00Z" : "2013-05-25T00:00:00Z";
        var policyJson = policyMode == 2 ? randomPolicy : Encoding.UTF8.GetBytes($"{{\"expiration\":\"{expiration}\",\"conditions\":[{string.Join(",", conditions)}{lengthRange}]}}");
        var policy = Convert.ToBase64String(policyJson);
        fields.Add(("policy", policy));
        switch (signature)
        {
            case "v4" or "wrong":
                var signingKey = ReferenceSigner.SigningKey(SecretKey, AmzDate[..8], Region);
                fields.Add(("x-amz-signature", Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.ASCII.GetBytes(signature == "v4" ? policy : policy + "x")))));
                break;
            case "v2":
                fields.Add(("AWSAccessKeyId", AccessKey));
                fields.Add(("signature", Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(SecretKey), Encoding.ASCII.GetBytes(policy)))));
                break;
        }

        var form = new MemoryStream();
        void Write(string text) => form.Write(Encoding.UTF8.GetBytes(text));
        foreach (var (name, value) in fields)
        {
            Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
        }

        Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        form.Write(file);
        Write("\r\n");
        if (fieldsAfterFile)
        {
            Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"submit\"\r\n\r\nUpload\r\n");
        }

        Write($"--{Boundary}--\r\n");
        var body = Mutation.Apply(form.ToArray(), damage, Dictionary);
        return new GatewayCase("PostObject", "POST", "/" + bucket, [("Content-Type", $"multipart/form-data; boundary={Boundary}")], body, GatewayAuth.Form, GatewayDigest.None, GatewayDigest.None);
    }

    /// <summary>A JSON string's contents; lone surrogates as <c>\uXXXX</c> escapes, as a careless client writes them.</summary>
    private static string Json(string text) => string.Concat(text.Select(c => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        < ' ' or (>= '\uD800' and <= '\uDFFF') => $"\\u{(int)c:X4}",
        _ => c.ToString(),
    }));
}
