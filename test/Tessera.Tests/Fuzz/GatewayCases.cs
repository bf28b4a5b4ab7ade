using System.Text;
using CsCheck;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Requests for the gateway: mostly each operation as an SDK would send it, with random parameters, headers and
/// bodies, then noise on top (extra sub-resources and headers, damaged targets and bodies); also POST forms and
/// entirely random requests. Header values hold only what Kestrel lets through (no CR, LF or NUL; non-ASCII as
/// Latin-1 characters, which is how Kestrel decodes header bytes).
/// </summary>
internal static class GatewayCases
{
    /// <summary>Query parameters that select operations or shape them (S3Routing's sub-resources and the listing parameters).</summary>
    private static readonly string[] ParameterNames =
    [
        "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "location", "logging",
        "metadataTable", "metrics", "notification", "object-lock", "ownershipControls", "partNumber", "policy", "policyStatus", "publicAccessBlock", "replication",
        "requestPayment", "restore", "retention", "select", "session", "tagging", "torrent", "uploadId", "uploads", "versioning", "versions", "website", "versionId",
        "list-type", "continuation-token", "start-after", "fetch-owner", "encoding-type", "max-keys", "marker", "prefix", "delimiter", "key-marker", "version-id-marker",
        "upload-id-marker", "max-uploads", "max-parts", "part-number-marker", "response-content-type", "response-content-disposition", "response-cache-control",
        "response-expires", "response-content-language", "response-content-encoding", "x-id",
    ];

    /// <summary>Raw query values: ids of the seeded store, numbers at and past their limits, escapes that decode to controls.</summary>
    public static readonly Gen<string> QueryValue = Gen.Frequency(
        (4, Gen.OneOf(Gen.Const(""), Gen.Const("{upload}"), Gen.Const("{version}"), Gen.Const("null"), Gen.Const("1"), Gen.Const("2"), Gen.Const("url"), Gen.Const("true"), Gen.Const("dir/"), Gen.Const("/"), Gen.Const("d"), Gen.Const("seed"))),
        (3, Gen.OneOf(Gen.Const("%00"), Gen.Const("-1"), Gen.Const("0"), Gen.Const("99999"), Gen.Const("10001"), Gen.Const("2147483648"), Gen.Const("1000"), Gen.Const("%FF"), Gen.Const("%0D%0A"), Gen.Const("text/html%0D%0AX-Injected:%201"), Gen.Const("%C3%A9"), Gen.Const("%E2%80%A8"), Gen.Const("a%uD800"))),
        (2, Gen.Byte.Array[0, 40].Select(b => Uri.EscapeDataString(Convert.ToBase64String(b)))),
        (2, WireText.Component),
        (1, Gen.Int[1_000, 3_000].Select(n => new string('v', n))));

    /// <summary>A raw query parameter.</summary>
    public static readonly Gen<string> QueryParameter = Gen.Select(
        Gen.Frequency((8, Gen.Int[0, ParameterNames.Length - 1].Select(i => ParameterNames[i])), (1, WireText.Component)),
        QueryValue,
        Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false))),
        (name, value, withValue) => withValue || value.Length > 0 ? name + "=" + value : name);

    /// <summary>Header values, as Kestrel hands them over.</summary>
    public static readonly Gen<string> HeaderValue = Gen.Frequency(
        (6, Gen.Char.AlphaNumeric.Array[1, 12].Select(c => new string(c))),
        (2, Gen.OneOf(Gen.Const("=?UTF-8?B?w6k=?="), Gen.Const("=?UTF-8?Q?caf=C3=A9?="), Gen.Const("=?UTF-8?B?AQ==?="), Gen.Const("=?KOI8-R?B?w6k=?="), Gen.Const("=?UTF-8?B?YQ==?="), Gen.Const(" padded "), Gen.Const("\ttab"), Gen.Const("a,b"))),
        (2, Gen.Char['\u0020', '\u00FF'].Where(c => c != '\u007F').Array[1, 20].Select(c => new string(c))),
        (1, Gen.OneOf(Gen.Const("Ã©tÃ©"), Gen.Const("\u0001"), Gen.Const("\u001F\u007F"), Gen.Const("\u0085"))),
        (1, Gen.Int[100, 3_000].Select(n => new string('m', n))));

    /// <summary>Decoded keys: the seeded ones, new ones, and the hostile ones.</summary>
    public static readonly Gen<string> DecodedKey = Gen.Frequency(
        (6, Gen.Int[0, GatewayStore.SeedKeys.Length - 1].Select(i => GatewayStore.SeedKeys[i])),
        (3, Gen.Char.AlphaNumeric.Array[1, 10].Select(c => "new/" + new string(c))),
        (1, Gen.OneOf(Gen.Const(".."), Gen.Const("../x"), Gen.Const("a/../../b"), Gen.Const("dir/"), Gen.Const("dir//a"), Gen.Const("\0"), Gen.Const("\r\n"), Gen.Const("é日本😀"), Gen.Const("+ %"), Gen.Const(new string('k', 1025)), Gen.Const(new string('k', 2000)), Gen.Const("\u0085\u2028"))));

    /// <summary>Raw keys: decoded keys encoded, or raw escapes no key decodes from.</summary>
    public static readonly Gen<string> RawKey = Gen.Frequency(
        (8, DecodedKey.Select(GatewayStore.Encode)),
        (1, Gen.OneOf(Gen.Const("%00"), Gen.Const("%0D%0A"), Gen.Const("%FF"), Gen.Const("%C0%AF"), Gen.Const("%ED%A0%80"), Gen.Const("%2F"), Gen.Const("%uD800"), Gen.Const("é"), Gen.Const("a%"), Gen.Const("dir%2Fa"))),
        (1, WireText.Component.Where(c => c.Length > 0)));

    /// <summary>Raw bucket names.</summary>
    public static readonly Gen<string> RawBucket = Gen.Frequency(
        (20, Gen.Const("fuzz")),
        (4, Gen.Const("versioned")),
        (2, Gen.Const("other")),
        (2, Gen.Const("nosuch")),
        (1, Gen.OneOf(Gen.Const("%00"), Gen.Const("%01a"), Gen.Const(new string('a', 300)), Gen.Const("FUZZ"), Gen.Const("a..b"), Gen.Const("%FF"), Gen.Const("fu%7Az"), Gen.Const("xn--a"), Gen.Const("fuzz%2Fx"), Gen.Const(".."), Gen.Const("a"), Gen.Const("a b"))));

    /// <summary>New bucket names for CreateBucket.</summary>
    private static readonly Gen<string> NewBucket = Gen.Frequency(
        (4, Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"].Array[3, 12].Select(c => "new-" + new string(c))),
        (2, RawBucket.Select(b => b == "nosuch" ? "fuzz" : b)),
        (1, Gen.OneOf(Gen.Const("UPPER"), Gen.Const("192.168.1.1"), Gen.Const("ab"), Gen.Const("a_b"), Gen.Const("-ab"), Gen.Const("sthree-x"), Gen.Const("x--table-s3"), Gen.Const(new string('a', 64)))));

    /// <summary>x-amz-copy-source values: seeded objects and versions, other users' and missing ones, broken escapes.</summary>
    private static readonly Gen<string> CopySource = Gen.Frequency(
        (3, Gen.OneOf(Gen.Const("/fuzz/seed"), Gen.Const("fuzz/dir/a"), Gen.Const("/fuzz/big"), Gen.Const("/versioned/v?versionId={version}"), Gen.Const("/other/x"), Gen.Const("/nosuch/k"), Gen.Const("/fuzz/%FF"), Gen.Const("/fuzz/seed?versionId=%00"), Gen.Const("/fuzz/ctl%01key"), Gen.Const("/fuzz/tagged"), Gen.Const("/fuzz/meta"), Gen.Const("/fuzz/empty"))),
        (1, WireText.Component));

    /// <summary>Headers a request may carry: copy sources, ranges, conditions, metadata, checksums, tagging, storage classes.</summary>
    public static readonly Gen<(string Name, string Value)> Header = Gen.Frequency(
        (3, Gen.Select(Gen.OneOf(Gen.Const("x-amz-meta-a"), Gen.Const("X-Amz-Meta-Name"), Gen.Const("x-amz-meta-"), Gen.Const("x-amz-meta-é")), HeaderValue)),
        (2, Gen.Select(Gen.OneOf(Gen.Const("Content-Type"), Gen.Const("Content-Disposition"), Gen.Const("Cache-Control"), Gen.Const("Content-Encoding"), Gen.Const("Content-Language"), Gen.Const("Expires")), HeaderValue)),
        (2, Gen.Select(Gen.Const("x-amz-copy-source"), CopySource)),
        (2, Gen.Select(Gen.OneOf(Gen.Const("Range"), Gen.Const("x-amz-copy-source-range")), Gen.Frequency((3, Gen.OneOf(Gen.Const("bytes=0-1"), Gen.Const("bytes=5-"), Gen.Const("bytes=-3"), Gen.Const("bytes=0-99999999"), Gen.Const("bytes=99999-"), Gen.Const("bytes=1-0"), Gen.Const("bytes=0-1,3-4"), Gen.Const("bytes=-0"), Gen.Const("bytes=9223372036854775807-"))), (1, WireText.Component)))),
        (2, Gen.Select(Gen.OneOf(Gen.Const("If-Match"), Gen.Const("If-None-Match"), Gen.Const("If-Modified-Since"), Gen.Const("If-Unmodified-Since"), Gen.Const("x-amz-copy-source-if-match"), Gen.Const("x-amz-copy-source-if-none-match"), Gen.Const("x-amz-copy-source-if-modified-since"), Gen.Const("x-amz-copy-source-if-unmodified-since")), Gen.OneOf(Gen.Const("*"), Gen.Const("\"{etag}\""), Gen.Const("{etag}"), Gen.Const("Fri, 24 May 2013 00:00:00 GMT"), Gen.Const("Thu, 01 Jan 1970 00:00:00 GMT"), Gen.Const("garbage"), Gen.Const("Sat, 01 Jan 10000 00:00:00 GMT"), Gen.Const("W/\"x\"")))),
        (2, Gen.Select(Gen.OneOf(Gen.Const("x-amz-tagging"), Gen.Const("x-amz-metadata-directive"), Gen.Const("x-amz-tagging-directive"), Gen.Const("x-amz-storage-class"), Gen.Const("x-amz-acl")), Gen.Frequency((3, Gen.OneOf(Gen.Const("a=b"), Gen.Const("a=b&c="), Gen.Const("a=%uD800"), Gen.Const("%uD800=1"), Gen.Const("a=1&a=2"), Gen.Const("COPY"), Gen.Const("REPLACE"), Gen.Const("STANDARD"), Gen.Const("REDUCED_REDUNDANCY"), Gen.Const("GLACIER"), Gen.Const("private"), Gen.Const("public-read"))), (1, HeaderValue)))),
        (2, Gen.Select(Gen.OneOf(Gen.Const("x-amz-checksum-algorithm"), Gen.Const("x-amz-sdk-checksum-algorithm"), Gen.Const("x-amz-checksum-crc32"), Gen.Const("x-amz-checksum-crc32c"), Gen.Const("x-amz-checksum-sha1"), Gen.Const("x-amz-checksum-sha256"), Gen.Const("x-amz-checksum-crc64nvme"), Gen.Const("x-amz-checksum-mode"), Gen.Const("x-amz-trailer"), Gen.Const("x-amz-checksum-type")), Gen.Frequency((3, Gen.OneOf(Gen.Const("CRC32"), Gen.Const("crc32c"), Gen.Const("SHA256"), Gen.Const("ENABLED"), Gen.Const("AAAAAA=="), Gen.Const("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), Gen.Const("x-amz-checksum-crc32"), Gen.Const("COMPOSITE"), Gen.Const("FULL_OBJECT"))), (1, HeaderValue)))),
        (1, Gen.Select(Gen.OneOf(Gen.Const("x-amz-decoded-content-length"), Gen.Const("x-amz-object-lock-mode"), Gen.Const("x-amz-bucket-object-lock-enabled"), Gen.Const("x-amz-expected-bucket-owner"), Gen.Const("x-amz-request-payer"), Gen.Const("Expect"), Gen.Const("x-amz-mfa"), Gen.Const("x-amz-website-redirect-location"), Gen.Const("Content-MD5")), Gen.Frequency((2, Gen.OneOf(Gen.Const("100-continue"), Gen.Const("true"), Gen.Const("-1"), Gen.Const("99999999999999999999"), Gen.Const("requester"), Gen.Const("GOVERNANCE"))), (1, HeaderValue)))),
        (1, Gen.Select(Gen.OneOf(Gen.Const("Host"), Gen.Const("x-amz-server-side-encryption"), Gen.Const("Transfer-Encoding")), Gen.OneOf(Gen.Const("fuzz.localhost"), Gen.Const("nosuch.localhost"), Gen.Const("..localhost"), Gen.Const("%00.localhost"), Gen.Const("localhost"), Gen.Const("AES256"), Gen.Const("chunked")))));

    /// <summary>Request bodies: none, random bytes, the S3 documents (valid or mutated).</summary>
    public static readonly Gen<byte[]> Body = Gen.Frequency(
        (6, Gen.Const(Array.Empty<byte>())),
        (3, Gen.Byte.Array[1, 2_000]),
        (3, XmlCorpus.Document.Select(Encoding.UTF8.GetBytes)),
        (3, Documents()),
        (1, Gen.Select(Gen.OneOf(XmlCorpus.Document, XmlCorpus.Deep, XmlCorpus.WithDtd), Mutation.Gen().Array[1, 4], (d, edits) => Mutation.Apply(Encoding.UTF8.GetBytes(d), edits, XmlCorpus.Dictionary))),
        (1, Gen.Byte.Array[60_000, 140_000]));

    private static readonly Gen<GatewayAuth> Auth = Gen.Frequency(
        (12, Gen.Const(GatewayAuth.Unsigned)),
        (12, Gen.Const(GatewayAuth.Sha256)),
        (1, Gen.Const(GatewayAuth.WrongSha256)),
        (3, Gen.Const(GatewayAuth.StreamingSigned)),
        (2, Gen.Const(GatewayAuth.StreamingSignedTrailer)),
        (2, Gen.Const(GatewayAuth.StreamingUnsignedTrailer)),
        (2, Gen.Const(GatewayAuth.Presigned)),
        (1, Gen.Const(GatewayAuth.SigV2)),
        (1, Gen.Const(GatewayAuth.Anonymous)));

    private static readonly Gen<GatewayDigest> Md5 = Gen.Frequency((10, Gen.Const(GatewayDigest.None)), (4, Gen.Const(GatewayDigest.Correct)), (1, Gen.Const(GatewayDigest.Wrong)));

    private static readonly Gen<GatewayDigest> Crc = Gen.Frequency((12, Gen.Const(GatewayDigest.None)), (3, Gen.Const(GatewayDigest.Correct)), (1, Gen.Const(GatewayDigest.Wrong)));

    /// <summary>Every kind of request.</summary>
    public static readonly Gen<GatewayCase> Any = Gen.Frequency(
        (14, Operation().SelectMany(Noise)),
        (2, PostForms.Form),
        (2, Random()));

    /// <summary>One operation as an SDK sends it: (name, method, raw path, query parameters, headers, body).</summary>
    private static Gen<GatewayCase> Operation()
    {
        var objectPath = Gen.Select(RawBucket, RawKey, (b, k) => "/" + b + "/" + k);
        var bucketPath = RawBucket.Select(b => "/" + b);
        Gen<GatewayCase> Op(string name, Gen<string> method, Gen<string> path, Gen<string[]> query, Gen<(string, string)[]> headers, Gen<byte[]> body) =>
            Gen.Select(method, path, query, headers, body, Auth, Md5, Crc, (m, p, q, h, b, a, md5, crc) =>
                new GatewayCase(name, m, p + (q.Length == 0 ? "" : "?" + string.Join("&", q)), h, b, a, md5, crc));
        Gen<string[]> Params(params (string Name, Gen<string> Value)[] optional)
        {
            var parameters = Gen.Const(Array.Empty<string>());
            foreach (var (name, value) in optional)
            {
                parameters = Gen.Select(parameters, Gen.Frequency((2, Gen.Const(false)), (1, Gen.Const(true))), value, (list, take, v) => take ? [.. list, name + "=" + v] : list);
            }

            return parameters;
        }

        var none = Gen.Const(Array.Empty<string>());
        var noHeaders = Gen.Const(Array.Empty<(string, string)>());
        var someHeaders = Header.Array[0, 4];
        var noBody = Gen.Const(Array.Empty<byte>());
        var get = Gen.Const("GET");

        return Gen.Frequency(
            (1, Op("ListBuckets", get, Gen.Const("/"), none, noHeaders, noBody)),
            (2, Op("CreateBucket", Gen.Const("PUT"), NewBucket.Select(b => "/" + b), none, Header.Array[0, 2], Gen.Frequency((3, noBody), (1, Gen.OneOf(Gen.Const("<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>"u8.ToArray()), Gen.Const("<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"u8.ToArray()))), (1, Body)))),
            (2, Op("HeadBucket/DeleteBucket", Gen.OneOf(Gen.Const("HEAD"), Gen.Const("DELETE")), bucketPath, none, noHeaders, noBody)),
            (6, Op("ListObjects", get, bucketPath, Params(("list-type", Gen.OneOf(Gen.Const("2"), Gen.Const("1"), Gen.Const("3"))), ("prefix", QueryValue), ("delimiter", Gen.OneOf(Gen.Const("/"), Gen.Const(""), Gen.Const("%00"), Gen.Const("ab"))), ("max-keys", QueryValue), ("marker", QueryValue), ("start-after", QueryValue), ("continuation-token", QueryValue), ("encoding-type", Gen.OneOf(Gen.Const("url"), Gen.Const("xml"))), ("fetch-owner", Gen.Const("true"))), noHeaders, noBody)),
            (3, Op("ListObjectVersions", get, bucketPath, Params(("prefix", QueryValue), ("delimiter", Gen.Const("/")), ("max-keys", QueryValue), ("key-marker", QueryValue), ("version-id-marker", QueryValue), ("encoding-type", Gen.Const("url"))).Select(q => q.Prepend("versions").ToArray()), noHeaders, noBody)),
            (2, Op("ListMultipartUploads", get, bucketPath, Params(("prefix", QueryValue), ("delimiter", Gen.Const("/")), ("max-uploads", QueryValue), ("key-marker", QueryValue), ("upload-id-marker", QueryValue), ("encoding-type", Gen.Const("url"))).Select(q => q.Prepend("uploads").ToArray()), noHeaders, noBody)),
            (3, Op("BucketSubResource", Gen.OneOf(get, Gen.Const("PUT"), Gen.Const("DELETE")), bucketPath, Gen.Int[0, ParameterNames.Length - 1].Select(i => new[] { ParameterNames[i] }), someHeaders, Gen.Frequency((2, noBody), (1, Documents()), (1, Body)))),
            (12, Op("PutObject", Gen.Const("PUT"), objectPath, none, Header.Array[0, 5], Body)),
            (12, Op("GetObject", Gen.Frequency((3, get), (1, Gen.Const("HEAD"))), objectPath, Params(("versionId", QueryValue), ("partNumber", Gen.OneOf(Gen.Const("1"), Gen.Const("2"), Gen.Const("0"), Gen.Const("10001"), Gen.Const("-1"))), ("response-content-type", QueryValue), ("response-content-disposition", QueryValue), ("response-expires", QueryValue)), Header.Array[0, 3], noBody)),
            (4, Op("DeleteObject", Gen.Const("DELETE"), objectPath, Params(("versionId", QueryValue)), noHeaders, noBody)),
            (4, Op("DeleteObjects", Gen.Const("POST"), bucketPath, Gen.Const(new[] { "delete" }), noHeaders, Gen.Frequency((3, DeleteDocument()), (1, Body)))),
            (6, Op("CopyObject", Gen.Const("PUT"), objectPath, none, Gen.Select(CopySource, Header.Array[0, 4], (source, rest) => rest.Prepend(("x-amz-copy-source", source)).ToArray()), noBody)),
            (3, Op("CreateMultipartUpload", Gen.Const("POST"), objectPath, Gen.Const(new[] { "uploads" }), Header.Array[0, 3], noBody)),
            (5, Op("UploadPart", Gen.Const("PUT"), Gen.Frequency((4, Gen.Const("/fuzz/mp")), (1, objectPath)), Params(("partNumber", Gen.OneOf(Gen.Const("1"), Gen.Const("2"), Gen.Const("10000"), Gen.Const("10001"), Gen.Const("0"), QueryValue)), ("uploadId", Gen.Frequency((4, Gen.Const("{upload}")), (1, QueryValue)))), Header.Array[0, 3], Body)),
            (4, Op("CompleteMultipartUpload", Gen.Const("POST"), Gen.Frequency((4, Gen.Const("/fuzz/mp")), (1, objectPath)), Gen.Frequency((4, Gen.Const(new[] { "uploadId={upload}" })), (1, QueryValue.Select(v => new[] { "uploadId=" + v }))), noHeaders, Gen.Frequency((3, CompleteDocument()), (1, Body)))),
            (3, Op("Abort/ListParts", Gen.OneOf(Gen.Const("DELETE"), get), Gen.Frequency((4, Gen.Const("/fuzz/mp")), (1, objectPath)), Params(("max-parts", QueryValue), ("part-number-marker", QueryValue)).Select(q => q.Prepend("uploadId={upload}").ToArray()), noHeaders, noBody)),
            (5, Op("ObjectTagging", Gen.OneOf(get, Gen.Const("PUT"), Gen.Const("DELETE")), objectPath, Params(("versionId", QueryValue)).Select(q => q.Prepend("tagging").ToArray()), noHeaders, Gen.Frequency((3, TaggingDocument()), (1, Body)))),
            (2, Op("Acl", Gen.OneOf(get, Gen.Const("PUT")), Gen.OneOf(objectPath, bucketPath), Gen.Const(new[] { "acl" }), Header.Array[0, 2], Gen.Frequency((2, noBody), (1, Documents()), (1, Body)))));
    }

    /// <summary>Extra parameters and headers, a damaged target or body, now and then.</summary>
    private static Gen<GatewayCase> Noise(GatewayCase request) =>
        Gen.Select(
            Gen.Frequency((5, Gen.Const(Array.Empty<string>())), (1, QueryParameter.Array[1, 3])),
            Gen.Frequency((4, Gen.Const(Array.Empty<(string, string)>())), (1, Header.Array[1, 3])),
            Gen.Frequency((12, Gen.Const(Array.Empty<Mutation>())), (1, Mutation.Gen(20).Array[1, 2])),
            Gen.Frequency((10, Gen.Const(Array.Empty<Mutation>())), (1, Mutation.Gen().Array[1, 3])),
            (query, headers, targetDamage, bodyDamage) =>
            {
                var target = request.RawTarget + string.Concat(query.Select((q, i) => (i == 0 && !request.RawTarget.Contains('?', StringComparison.Ordinal) ? "?" : "&") + q));
                if (targetDamage.Length > 0)
                {
                    target = Encoding.Latin1.GetString(Mutation.Apply(Encoding.Latin1.GetBytes(target), targetDamage, [.. new[] { "%", "?", "&", "=", "/", "%00", "%FF", "..", "#", "uploadId", "versionId" }.Select(Encoding.ASCII.GetBytes)]));
                    target = target.StartsWith('/') ? target : "/" + target;
                }

                return request with
                {
                    RawTarget = target,
                    Headers = [.. request.Headers, .. headers],
                    Body = bodyDamage.Length == 0 ? request.Body : Mutation.Apply(request.Body, bodyDamage, XmlCorpus.Dictionary),
                };
            });

    /// <summary>Any method, bucket, key, parameters, headers and body.</summary>
    private static Gen<GatewayCase> Random() => Gen.Select(
        Gen.Frequency((8, Gen.OneOf(Gen.Const("GET"), Gen.Const("PUT"), Gen.Const("POST"), Gen.Const("DELETE"), Gen.Const("HEAD"))), (1, Gen.OneOf(Gen.Const("OPTIONS"), Gen.Const("PATCH"), Gen.Const("get"), Gen.Const("TRACE")))),
        Gen.Frequency((4, Gen.Select(RawBucket, RawKey.Null(0.4), (b, k) => "/" + b + (k is null ? "" : "/" + k))), (1, WireText.Component.Select(c => "/" + c))),
        QueryParameter.Array[0, 4],
        Header.Array[0, 5],
        Body,
        Gen.Select(Auth, Md5, Crc),
        (method, path, query, headers, body, digests) => new GatewayCase("Random", method, path + (query.Length == 0 ? "" : "?" + string.Join("&", query)), headers, body, digests.Item1, digests.Item2, digests.Item3));

    /// <summary>Valid request documents of every kind, naming the seeded keys and ids.</summary>
    private static Gen<byte[]> Documents() => Gen.OneOf(
        DeleteDocument(),
        CompleteDocument(),
        TaggingDocument(),
        Gen.OneOf(Gen.Const("Enabled"), Gen.Const("Suspended"), Gen.Const("enabled"), Gen.Const("")).Select(s => Encoding.UTF8.GetBytes($"<VersioningConfiguration xmlns=\"{XmlCorpus.S3Namespace}\"><Status>{s}</Status></VersioningConfiguration>")),
        Gen.Const(Encoding.UTF8.GetBytes("<AccessControlPolicy><Owner><ID>fuzz-canonical-id</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>fuzz-canonical-id</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>")));

    private static Gen<byte[]> DeleteDocument() => Gen.Select(DecodedKey.Array[1, 6], Gen.Bool, Gen.Bool, (keys, quiet, versions) => Encoding.UTF8.GetBytes(
        $"<Delete>{(quiet ? "<Quiet>true</Quiet>" : "")}{string.Concat(keys.Select((k, i) => $"<Object><Key>{Escape(k)}</Key>{(versions && i == 0 ? "<VersionId>{version}</VersionId>" : "")}</Object>"))}</Delete>"));

    private static Gen<byte[]> CompleteDocument() => Gen.OneOf(
        Gen.Const("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"{etag}\"</ETag></Part></CompleteMultipartUpload>"u8.ToArray()),
        Gen.Const("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"u8.ToArray()),
        Gen.Const("<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>{etag}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"u8.ToArray()),
        Gen.Const("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>"u8.ToArray()),
        Gen.Const("<CompleteMultipartUpload><Part><PartNumber>99999</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"u8.ToArray()));

    private static Gen<byte[]> TaggingDocument() => Gen.Select(Gen.Select(WireText.PrintableUnicode, WireText.PrintableUnicode).Array[0, 12], tags => Encoding.UTF8.GetBytes(
        $"<Tagging><TagSet>{string.Concat(tags.Select(t => $"<Tag><Key>{Escape(t.Item1)}</Key><Value>{Escape(t.Item2)}</Value></Tag>"))}</TagSet></Tagging>"));

    /// <summary>Text as XML character data; control characters as references (which XML 1.0 then refuses, as S3 does).</summary>
    private static string Escape(string text) => string.Concat(text.Select(c => c switch
    {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        < ' ' => $"&#x{(int)c:X};",
        _ => c.ToString(),
    }));
}
