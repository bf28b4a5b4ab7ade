using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// One server (<see cref="StoreFixture"/>), and what only a server of its own can show: a region other than
/// us-east-1 (the cluster variant runs the rest).
/// </summary>
public sealed class BucketTests(StoreFixture store) : BucketTestsBase(store), IClassFixture<StoreFixture>
{
    [Fact]
    public async Task CreatingTwiceOutsideUsEast1IsBucketAlreadyOwnedByYou()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tessera-region-" + Guid.NewGuid().ToString("N")[..12]);
        var options = new Tessera.Server.ServerOptions
        {
            Address = "127.0.0.1:0",
            Disks = [new Tessera.Server.DiskOptions { Path = Path.Combine(directory, "data") }],
            RootUser = StoreFixture.RootKey,
            RootPassword = StoreFixture.RootSecret,
            Region = "eu-west-1",
            Quiet = true,
        };
        try
        {
            await using var server = await Tessera.Server.TesseraServer.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken);
            var signer = new Signer(server.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret, "eu-west-1");
            async Task<RawHttp.Response> CreateAsync()
            {
                var headers = signer.Sign("PUT", "/euro-bucket", "", [], Signer.EmptySha256);
                return await RawHttp.SendAsync(server.Endpoint, "PUT", "/euro-bucket", [.. headers, ("Content-Length", "0")], null, TestContext.Current.CancellationToken);
            }

            Assert.Equal(200, (await CreateAsync()).Status);
            var again = await CreateAsync();
            Assert.Equal((409, "BucketAlreadyOwnedByYou"), (again.Status, again.ErrorCode));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>Buckets as S3 clients see them, on any <see cref="IS3Target"/>: one server, or a cluster through its gateways.</summary>
public abstract class BucketTestsBase(IS3Target store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    [Fact]
    public async Task CreateHeadListAndDeleteABucket()
    {
        var name = Names.Bucket();
        var created = await _s3.PutBucketAsync(name, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, created.HttpStatusCode);

        var head = await _s3.HeadBucketAsync(new HeadBucketRequest { BucketName = name }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, head.HttpStatusCode);

        var list = await _s3.ListBucketsAsync(TestContext.Current.CancellationToken);
        Assert.Contains(list.Buckets!, b => b.BucketName == name && b.CreationDate > DateTime.UtcNow.AddMinutes(-5));
        Assert.Equal(StoreFixture.RootKey.Length > 0, list.Owner?.Id?.Length == 64);

        var location = await _s3.GetBucketLocationAsync(name, TestContext.Current.CancellationToken);
        Assert.True(string.IsNullOrEmpty(location.Location?.Value) || location.Location.Value == "us-east-1");

        var deleted = await _s3.DeleteBucketAsync(name, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.HttpStatusCode);
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.HeadBucketAsync(new HeadBucketRequest { BucketName = name }, TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("UPPER")]
    [InlineData("has_underscore")]
    [InlineData("-starts-with-dash")]
    [InlineData("ends-with-dash-")]
    [InlineData("two..dots")]
    [InlineData("192.168.5.4")]
    [InlineData("xn--punycode")]
    [InlineData("ends-s3alias")]
    public async Task InvalidBucketNamesAreRefused(string name)
    {
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutBucketAsync(name, TestContext.Current.CancellationToken));
        Assert.Equal("InvalidBucketName", e.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.False(string.IsNullOrEmpty(e.RequestId));
    }

    [Fact]
    public async Task CreatingTwiceSucceedsInUsEast1AndAnotherUsersNameIsAlreadyExists()
    {
        // S3's legacy behaviour in us-east-1: creating a bucket you own again is 200 (elsewhere BucketAlreadyOwnedByYou).
        var name = Names.Bucket();
        await _s3.PutBucketAsync(name, TestContext.Current.CancellationToken);
        var again = await _s3.PutBucketAsync(name, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, again.HttpStatusCode);
        var theirs = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => store.Alice.PutBucketAsync(name, TestContext.Current.CancellationToken));
        Assert.Equal("BucketAlreadyExists", theirs.ErrorCode);
    }

    [Fact]
    public async Task ANonEmptyBucketCannotBeDeleted()
    {
        var name = Names.Bucket();
        await _s3.PutBucketAsync(name, TestContext.Current.CancellationToken);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "k", ContentBody = "x" }, TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.DeleteBucketAsync(name, TestContext.Current.CancellationToken));
        Assert.Equal("BucketNotEmpty", e.ErrorCode);
        Assert.Equal(HttpStatusCode.Conflict, e.StatusCode);
        await _s3.DeleteObjectAsync(name, "k", TestContext.Current.CancellationToken);
        await _s3.DeleteBucketAsync(name, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task MissingBucketsAreNoSuchBucket()
    {
        var name = Names.Bucket("missing");
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = name }, TestContext.Current.CancellationToken));
        Assert.Equal("NoSuchBucket", e.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        var put = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "k", ContentBody = "x" }, TestContext.Current.CancellationToken));
        Assert.Equal("NoSuchBucket", put.ErrorCode);
        var delete = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.DeleteBucketAsync(name, TestContext.Current.CancellationToken));
        Assert.Equal("NoSuchBucket", delete.ErrorCode);
    }

    [Fact]
    public async Task UsersCannotTouchEachOthersBuckets()
    {
        var name = Names.Bucket();
        await _s3.PutBucketAsync(name, TestContext.Current.CancellationToken);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "secret", ContentBody = "root only" }, TestContext.Current.CancellationToken);
        var alice = store.Alice;
        foreach (var attempt in new Func<Task>[]
        {
            () => alice.GetObjectAsync(name, "secret", TestContext.Current.CancellationToken),
            () => alice.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "x", ContentBody = "y" }, TestContext.Current.CancellationToken),
            () => alice.ListObjectsV2Async(new ListObjectsV2Request { BucketName = name }, TestContext.Current.CancellationToken),
            () => alice.DeleteObjectAsync(name, "secret", TestContext.Current.CancellationToken),
            () => alice.DeleteBucketAsync(name, TestContext.Current.CancellationToken),
        })
        {
            var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(attempt);
            Assert.Equal("AccessDenied", e.ErrorCode);
            Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        }

        var aliceBuckets = await alice.ListBucketsAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(aliceBuckets.Buckets ?? [], b => b.BucketName == name);
        var stillThere = await _s3.GetObjectAsync(name, "secret", TestContext.Current.CancellationToken);
        Assert.Equal("root only", await new StreamReader(stillThere.ResponseStream).ReadToEndAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WrongSecretUnknownKeyAndAnonymousRequestsAreRefused()
    {
        var wrong = store.CreateClient(StoreFixture.RootKey, "not-the-right-secret-at-all");
        var e1 = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => wrong.ListBucketsAsync(TestContext.Current.CancellationToken));
        Assert.Equal("SignatureDoesNotMatch", e1.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, e1.StatusCode);

        var unknown = store.CreateClient("NOSUCHACCESSKEY00001", "whatever-secret-value");
        var e2 = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => unknown.ListBucketsAsync(TestContext.Current.CancellationToken));
        Assert.Equal("InvalidAccessKeyId", e2.ErrorCode);

        using var http = new HttpClient();
        var anonymous = await http.GetAsync(store.Endpoint, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        var body = await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<Code>AccessDenied</Code>", body, StringComparison.Ordinal);
        Assert.Contains("<RequestId>", body, StringComparison.Ordinal);
        Assert.True(anonymous.Headers.Contains("x-amz-request-id"));
    }

    [Fact]
    public async Task VirtualHostedStyleAddressingWorks()
    {
        using var client = new AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(StoreFixture.RootKey, StoreFixture.RootSecret), new AmazonS3Config
        {
            ServiceURL = $"http://localhost:{store.Endpoint.Port}",
            ForcePathStyle = false,
            AuthenticationRegion = "us-east-1",
            HttpClientFactory = new LoopbackHttpClientFactory(store.Endpoint.Port),
        });
        var name = Names.Bucket("vhost");
        await client.PutBucketAsync(name, TestContext.Current.CancellationToken);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "dir/file.txt", ContentBody = "virtual" }, TestContext.Current.CancellationToken);

        // The same object through path-style addressing: both styles name the same bucket.
        using var get = await _s3.GetObjectAsync(name, "dir/file.txt", TestContext.Current.CancellationToken);
        Assert.Equal("virtual", await new StreamReader(get.ResponseStream).ReadToEndAsync(TestContext.Current.CancellationToken));
        var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = name, Delimiter = "/" }, TestContext.Current.CancellationToken);
        Assert.Equal(["dir/"], listed.CommonPrefixes!.ToList());
    }

    [Theory]
    [InlineData("cors", "NoSuchCORSConfiguration")]
    [InlineData("policy", "NoSuchBucketPolicy")]
    [InlineData("encryption", "ServerSideEncryptionConfigurationNotFoundError")]
    [InlineData("website", "NoSuchWebsiteConfiguration")]
    [InlineData("object-lock", "ObjectLockConfigurationNotFoundError")]
    [InlineData("replication", "ReplicationConfigurationNotFoundError")]
    [InlineData("publicAccessBlock", "NoSuchPublicAccessBlockConfiguration")]
    [InlineData("ownershipControls", "OwnershipControlsNotFoundError")]
    [InlineData("tagging", "NoSuchTagSet")]
    public async Task AConfigurationTheBucketNeverHadReadsAsNotConfigured(string subResource, string code)
    {
        var name = Names.Bucket();
        await _s3.PutBucketAsync(name, TestContext.Current.CancellationToken);

        var (status, body) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Get, $"/{name}", subResource, null);

        Assert.Equal(404, status);
        Assert.Contains($"<Code>{code}</Code>", body, StringComparison.Ordinal);
        Assert.Contains($"<BucketName>{name}</BucketName>", body, StringComparison.Ordinal);
        var (putStatus, putBody) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Put, $"/{name}", subResource, "<x/>");
        Assert.Equal((501, true), (putStatus, putBody.Contains("<Code>NotImplemented</Code>", StringComparison.Ordinal)));
        var (missingStatus, missingBody) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Get, $"/{name}-missing", subResource, null);
        Assert.Equal((404, true), (missingStatus, missingBody.Contains("<Code>NoSuchBucket</Code>", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task LoggingNotificationAccelerateAndRequestPaymentReadAsOff()
    {
        var name = Names.Bucket();
        await _s3.PutBucketAsync(name, TestContext.Current.CancellationToken);
        var ct = TestContext.Current.CancellationToken;

        var logging = await _s3.GetBucketLoggingAsync(new GetBucketLoggingRequest { BucketName = name }, ct);
        Assert.Null(logging.BucketLoggingConfig?.TargetBucketName);
        var notification = await _s3.GetBucketNotificationAsync(new GetBucketNotificationRequest { BucketName = name }, ct);
        Assert.Empty(notification.TopicConfigurations ?? []);
        var accelerate = await _s3.GetBucketAccelerateConfigurationAsync(new GetBucketAccelerateConfigurationRequest { BucketName = name }, ct);
        Assert.Null(accelerate.Status?.Value);
        var (status, body) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Get, $"/{name}", "requestPayment", null);
        Assert.Equal((200, true), (status, body.Contains("<Payer>BucketOwner</Payer>", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AclsArePrivateToTheOwner()
    {
        var name = Names.Bucket();
        var ct = TestContext.Current.CancellationToken;
        await _s3.PutBucketAsync(name, ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "k", ContentBody = "v" }, ct);
        var owner = (await _s3.ListBucketsAsync(ct)).Owner!.Id;

        var bucketAcl = await _s3.GetBucketAclAsync(new GetBucketAclRequest { BucketName = name }, ct);
        var objectAcl = await _s3.GetObjectAclAsync(new GetObjectAclRequest { BucketName = name, Key = "k" }, ct);
        foreach (var (grants, aclOwner) in new[] { (bucketAcl.Grants, bucketAcl.Owner), (objectAcl.Grants, objectAcl.Owner) })
        {
            var grant = Assert.Single(grants!);
            Assert.Equal((owner, S3Permission.FULL_CONTROL), (grant.Grantee.CanonicalUser, grant.Permission));
            Assert.Equal(owner, aclOwner!.Id);
        }

        await _s3.PutBucketAclAsync(new PutBucketAclRequest { BucketName = name, ACL = S3CannedACL.Private }, ct);
        await _s3.PutObjectAclAsync(new PutObjectAclRequest { BucketName = name, Key = "k", ACL = S3CannedACL.Private }, ct);
        var publicRead = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.PutBucketAclAsync(new PutBucketAclRequest { BucketName = name, ACL = S3CannedACL.PublicRead }, ct));
        Assert.Equal((HttpStatusCode.NotImplemented, "NotImplemented"), (publicRead.StatusCode, publicRead.ErrorCode));
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAclAsync(new GetObjectAclRequest { BucketName = name, Key = "nope" }, ct));
        Assert.Equal("NoSuchKey", missing.ErrorCode);
    }
}
