using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Benchmarks.Common;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Operations;
using Tessera.S3.Users;
using Tessera.Store;

namespace Tessera.Benchmarks.Listing;

/// <summary>
/// The real ListObjectsV2 handler rendering a full page of 1000 keys (the setup prints its size) into a response whose
/// body is discarded. The index is a stub returning a prepared page, so this is parameter parsing plus XML only.
/// Plain, and as the AWS CLI asks (<c>encoding-type=url</c>) with <c>fetch-owner=true</c>.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class ListObjectsV2Benchmarks
{
    private const string Owner = "AKIAIOSFODNN7EXAMPLE";

    private S3Request _request = null!;

    [Params("list-type=2", "list-type=2&encoding-type=url&fetch-owner=true")]
    public string Query { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var created = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var bucket = new BucketInfo("photos", Owner, created, "us-east-1", VersioningState.Unversioned);
        var random = new Random(5);
        var objects = Enumerable.Range(0, 1000).Select(i => new ObjectManifest
        {
            Key = $"2024/07/holiday {i / 100:D2}/IMG_{i:D5}.jpg",
            VersionId = "null",
            Size = random.Next(100_000, 8_000_000),
            ETag = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            LastModified = created.AddSeconds(i * 17),
            Owner = Owner,
            Checksums = i % 2 == 0 ? [new("CRC64NVME", "AAAAAAAAAAA=")] : [],
        }).ToList();
        var page = new ObjectListing(objects, [], IsTruncated: true, NextMarker: objects[^1].Key);
        var users = new UserDirectory([new S3User(Owner, "secret", new string('c', 64), "bench")]);

        // The handler uses the index, the users and the options; the data plane is never touched.
        var services = new S3Services(new StoreServices(new ListingIndexStub(bucket, page), null!, TimeProvider.System, NullLoggerFactory.Instance), users, new S3Options(), NullLoggerFactory.Instance);
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/photos";
        context.Request.QueryString = new QueryString("?" + Query);
        _request = new S3Request(context, services, "0123456789ABCDEF")
        {
            RequestedBucket = "photos",
            User = users.All.Single(),
        };

        var body = new MemoryStream();
        context.Response.Body = body;
        ListObjectsV2.HandleAsync(_request).GetAwaiter().GetResult();
        if (body.Length < 200_000 || context.Response.StatusCode != 200)
        {
            throw new InvalidOperationException($"unexpected listing: {body.Length} bytes, status {context.Response.StatusCode}");
        }

        Console.WriteLine($"// ListObjectsV2 page ({Query}): {body.Length} bytes of XML");
        context.Response.Body = Stream.Null;
    }

    [Benchmark]
    public Task ListObjectsV2Page() => ListObjectsV2.HandleAsync(_request);

    private sealed class Config : ShortRunConfig
    {
    }
}
