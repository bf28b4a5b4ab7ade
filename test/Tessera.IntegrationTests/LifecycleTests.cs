using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

public sealed class LifecycleTests(StoreFixture store) : LifecycleTestsBase(store), IClassFixture<StoreFixture>;

/// <summary>
/// PutBucketLifecycleConfiguration / GetBucketLifecycleConfiguration / DeleteBucketLifecycle through AWSSDK.S3 at its
/// defaults (which sends a flexible checksum), and <c>x-amz-expiration</c> on PUT, GET and HEAD. Run single-node and
/// on a cluster (ClusterLifecycleTests).
/// </summary>
public abstract class LifecycleTestsBase(IS3Target store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> BucketAsync(bool versioned = false)
    {
        var name = Names.Bucket("lc");
        await _s3.PutBucketAsync(name, Ct);
        if (versioned)
        {
            await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = name, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        }

        return name;
    }

    private static LifecycleConfiguration Everything() => new()
    {
        Rules =
        [
            new LifecycleRule
            {
                Id = "all",
                Status = LifecycleRuleStatus.Enabled,
                Filter = new LifecycleFilter
                {
                    And = new LifecycleRuleAndOperator
                    {
                        Prefix = "logs/",
                        Tags = [new Tag { Key = "a", Value = "1" }, new Tag { Key = "b", Value = "2" }],
                        ObjectSizeGreaterThan = 10,
                        ObjectSizeLessThan = 1_000_000,
                    },
                },
                Transitions = [new LifecycleTransition { Days = 30, StorageClass = S3StorageClass.StandardInfrequentAccess }, new LifecycleTransition { Days = 90, StorageClass = S3StorageClass.Glacier }],
                Expiration = new LifecycleRuleExpiration { Days = 365 },
                NoncurrentVersionTransitions = [new LifecycleRuleNoncurrentVersionTransition { NoncurrentDays = 30, StorageClass = S3StorageClass.OneZoneInfrequentAccess, NewerNoncurrentVersions = 2 }],
                NoncurrentVersionExpiration = new LifecycleRuleNoncurrentVersionExpiration { NoncurrentDays = 60, NewerNoncurrentVersions = 5 },
            },
            new LifecycleRule
            {
                Id = "dated",
                Status = LifecycleRuleStatus.Disabled,
                Filter = new LifecycleFilter { Tag = new Tag { Key = "k", Value = "v" } },
                Transitions = [new LifecycleTransition { Date = new DateTime(2031, 6, 1, 0, 0, 0, DateTimeKind.Utc), StorageClass = S3StorageClass.DeepArchive }],
                Expiration = new LifecycleRuleExpiration { Date = new DateTime(2032, 1, 1, 0, 0, 0, DateTimeKind.Utc) },
            },
            new LifecycleRule
            {
                Id = "markers-and-uploads",
                Status = LifecycleRuleStatus.Enabled,
                Filter = new LifecycleFilter { Prefix = "tmp/" },
                Expiration = new LifecycleRuleExpiration { ExpiredObjectDeleteMarker = true },
                AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = 7 },
            },
            new LifecycleRule
            {
                Id = "small",
                Status = LifecycleRuleStatus.Enabled,
                Filter = new LifecycleFilter { ObjectSizeLessThan = 100 },
                Expiration = new LifecycleRuleExpiration { Days = 2 },
            },
        ],
    };

    [Fact]
    public async Task EveryElementRoundTripsAndDeleteRemovesTheConfiguration()
    {
        var name = await BucketAsync();
        var put = await _s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest { BucketName = name, Configuration = Everything() }, Ct);
        Assert.Equal(HttpStatusCode.OK, put.HttpStatusCode);

        var got = await _s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = name }, Ct);
        Assert.Equal("all_storage_classes_128K", got.TransitionDefaultMinimumObjectSize?.Value);
        var rules = got.Configuration.Rules;
        Assert.Equal(["all", "dated", "markers-and-uploads", "small"], rules.Select(r => r.Id).ToList());
        var all = rules[0];
        Assert.Equal(LifecycleRuleStatus.Enabled, all.Status);
        Assert.Equal(("logs/", "a=1,b=2", 10L, 1_000_000L), Predicates(all.Filter));
        Assert.Equal([(30, "STANDARD_IA"), (90, "GLACIER")], all.Transitions.Select(t => (t.Days ?? -1, t.StorageClass.Value)).ToList());
        Assert.Equal(365, all.Expiration.Days);
        var nct = Assert.Single(all.NoncurrentVersionTransitions);
        Assert.Equal((30, "ONEZONE_IA", 2), (nct.NoncurrentDays ?? -1, nct.StorageClass.Value, nct.NewerNoncurrentVersions ?? -1));
        Assert.Equal((60, 5), (all.NoncurrentVersionExpiration.NoncurrentDays ?? -1, all.NoncurrentVersionExpiration.NewerNoncurrentVersions ?? -1));
        var dated = rules[1];
        Assert.Equal(LifecycleRuleStatus.Disabled, dated.Status);
        Assert.Equal((null, "k=v", null, null), Predicates(dated.Filter));
        Assert.Equal(new DateTime(2031, 6, 1, 0, 0, 0, DateTimeKind.Utc), Assert.Single(dated.Transitions).Date!.Value.ToUniversalTime());
        Assert.Equal(new DateTime(2032, 1, 1, 0, 0, 0, DateTimeKind.Utc), dated.Expiration.Date!.Value.ToUniversalTime());
        var markers = rules[2];
        Assert.Equal(("tmp/", "", null, null), Predicates(markers.Filter));
        Assert.Equal((true, 7), (markers.Expiration.ExpiredObjectDeleteMarker ?? false, markers.AbortIncompleteMultipartUpload.DaysAfterInitiation ?? -1));
        Assert.Equal((null, "", null, 100L), Predicates(rules[3].Filter));

        var deleted = await _s3.DeleteLifecycleConfigurationAsync(new DeleteLifecycleConfigurationRequest { BucketName = name }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.HttpStatusCode);
        await AssertNoConfigurationAsync(name);

        // Deleting again is 204 too, as in S3.
        Assert.Equal(HttpStatusCode.NoContent, (await _s3.DeleteLifecycleConfigurationAsync(new DeleteLifecycleConfigurationRequest { BucketName = name }, Ct)).HttpStatusCode);
    }

    [Fact]
    public async Task ARuleWithoutAnIdGetsOneAndAPutReplacesTheWholeConfiguration()
    {
        var name = await BucketAsync();
        await _s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest { BucketName = name, Configuration = Everything() }, Ct);
        await _s3.PutLifecycleConfigurationAsync(
            new PutLifecycleConfigurationRequest
            {
                BucketName = name,
                TransitionDefaultMinimumObjectSize = TransitionDefaultMinimumObjectSize.VariesByStorageClass,
                Configuration = new LifecycleConfiguration { Rules = [new LifecycleRule { Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter(), Expiration = new LifecycleRuleExpiration { Days = 1 } }] },
            },
            Ct);

        var got = await _s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = name }, Ct);
        var rule = Assert.Single(got.Configuration.Rules);
        Assert.Equal(48, rule.Id.Length);
        Assert.Equal("varies_by_storage_class", got.TransitionDefaultMinimumObjectSize?.Value);
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "days0", "InvalidArgument" },
        { "longId", "InvalidArgument" },
        { "notMidnight", "InvalidArgument" },
        { "markerWithDays", "InvalidArgument" },
        { "transitionAfterExpiration", "InvalidArgument" },
        { "standardTransition", "InvalidArgument" },
        { "deepArchiveTooSoonAfterGlacier", "InvalidArgument" },
        { "duplicateIds", "InvalidRequest" },
        { "noAction", "InvalidRequest" },
        { "abortWithTag", "InvalidRequest" },
        { "prefixAndFilter", "MalformedXML" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task InvalidConfigurationsAnswerS3sErrors(string shape, string code)
    {
        var name = await BucketAsync();
        LifecycleRule Rule(string id = "r") => new() { Id = id, Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Prefix = "" }, Expiration = new LifecycleRuleExpiration { Days = 1 } };
        var rules = new List<LifecycleRule> { Rule() };
        var rule = rules[0];
        switch (shape)
        {
            case "days0":
                rule.Expiration.Days = 0;
                break;
            case "longId":
                rule.Id = new string('i', 256);
                break;
            case "notMidnight":
                rule.Expiration = new LifecycleRuleExpiration { Date = new DateTime(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc) };
                break;
            case "markerWithDays":
                rule.Expiration.ExpiredObjectDeleteMarker = true;
                break;
            case "transitionAfterExpiration":
                rule.Transitions = [new LifecycleTransition { Days = 1, StorageClass = S3StorageClass.Glacier }];
                break;
            case "standardTransition":
                rule.Expiration = null;
                rule.Transitions = [new LifecycleTransition { Days = 1, StorageClass = S3StorageClass.Standard }];
                break;
            case "deepArchiveTooSoonAfterGlacier":
                rule.Expiration = null;
                rule.Transitions = [new LifecycleTransition { Days = 30, StorageClass = S3StorageClass.Glacier }, new LifecycleTransition { Days = 60, StorageClass = S3StorageClass.DeepArchive }];
                break;
            case "duplicateIds":
                rules.Add(Rule());
                break;
            case "noAction":
                rule.Expiration = null;
                break;
            case "abortWithTag":
                rule.Filter = new LifecycleFilter { Tag = new Tag { Key = "k", Value = "v" } };
                rule.AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = 1 };
                break;
            case "prefixAndFilter":
#pragma warning disable CS0618 // The legacy top-level Prefix beside a Filter is exactly the malformed shape tested.
                rule.Prefix = "legacy/";
#pragma warning restore CS0618
                break;
        }

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest { BucketName = name, Configuration = new LifecycleConfiguration { Rules = rules } }, Ct));
        Assert.Equal((code, HttpStatusCode.BadRequest), (error.ErrorCode, error.StatusCode));
        await AssertNoConfigurationAsync(name);
    }

    [Fact]
    public async Task APutWithoutContentMd5OrAChecksumIsInvalidRequest()
    {
        var name = await BucketAsync();
        var (status, body) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Put, $"/{name}", "lifecycle",
            "<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>");
        Assert.Equal((400, true), (status, body.Contains("<Code>InvalidRequest</Code>", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ObjectsARuleWillExpireCarryXAmzExpirationOnPutGetAndHead()
    {
        var name = await BucketAsync(versioned: true);
        await _s3.PutLifecycleConfigurationAsync(
            new PutLifecycleConfigurationRequest
            {
                BucketName = name,
                Configuration = new LifecycleConfiguration
                {
                    Rules =
                    [
                        new LifecycleRule { Id = "picture-deletion-rule", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Prefix = "pictures/" }, Expiration = new LifecycleRuleExpiration { Days = 3 } },
                        new LifecycleRule { Id = "later rule", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Prefix = "" }, Expiration = new LifecycleRuleExpiration { Days = 30 } },
                        new LifecycleRule { Id = "tagged", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Tag = new Tag { Key = "keep", Value = "no" } }, Expiration = new LifecycleRuleExpiration { Days = 1 } },
                    ],
                },
            },
            Ct);

        var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "pictures/cat.jpg", ContentBody = "meow" }, Ct);
        var head = await _s3.GetObjectMetadataAsync(name, "pictures/cat.jpg", Ct);
        using var get = await _s3.GetObjectAsync(name, "pictures/cat.jpg", Ct);
        var expected = new DateTimeOffset(head.LastModified!.Value.ToUniversalTime(), TimeSpan.Zero).AddDays(3);
        var midnight = new DateTime(expected.Year, expected.Month, expected.Day, 0, 0, 0, DateTimeKind.Utc).AddDays(1);
        foreach (var expiration in new[] { put.Expiration, head.Expiration, get.Expiration })
        {
            Assert.NotNull(expiration);
            Assert.Equal("picture-deletion-rule", expiration.RuleId);
            Assert.Equal(midnight, expiration.ExpiryDate.ToUniversalTime());
        }

        // The later rule applies elsewhere (its id is URL-encoded in the header, and the SDK decodes it); a tag rule by tags.
        var other = await _s3.GetObjectMetadataAsync(name, await PutAsync(name, "docs/a.txt"), Ct);
        Assert.Equal("later rule", other.Expiration?.RuleId);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "docs/b.txt", ContentBody = "b", TagSet = [new Tag { Key = "keep", Value = "no" }] }, Ct);
        Assert.Equal("tagged", (await _s3.GetObjectMetadataAsync(name, "docs/b.txt", Ct)).Expiration?.RuleId);

        // No rule, no header.
        await _s3.DeleteLifecycleConfigurationAsync(new DeleteLifecycleConfigurationRequest { BucketName = name }, Ct);
        Assert.Null((await _s3.GetObjectMetadataAsync(name, "pictures/cat.jpg", Ct)).Expiration);
        Assert.Null((await _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "pictures/dog.jpg", ContentBody = "woof" }, Ct)).Expiration);
    }

    [Fact]
    public async Task AVersionReadByIdCarriesTheExpiryOfWhatItIsNow()
    {
        var name = await BucketAsync(versioned: true);
        await _s3.PutLifecycleConfigurationAsync(
            new PutLifecycleConfigurationRequest
            {
                BucketName = name,
                Configuration = new LifecycleConfiguration
                {
                    Rules =
                    [
                        new LifecycleRule
                        {
                            Id = "all",
                            Status = LifecycleRuleStatus.Enabled,
                            Filter = new LifecycleFilter { Prefix = "" },
                            Expiration = new LifecycleRuleExpiration { Days = 30 },
                            NoncurrentVersionExpiration = new LifecycleRuleNoncurrentVersionExpiration { NoncurrentDays = 7 },
                        },
                        new LifecycleRule
                        {
                            Id = "keep two",
                            Status = LifecycleRuleStatus.Enabled,
                            Filter = new LifecycleFilter { Prefix = "docs/" },
                            NoncurrentVersionExpiration = new LifecycleRuleNoncurrentVersionExpiration { NoncurrentDays = 1, NewerNoncurrentVersions = 2 },
                        },
                    ],
                },
            },
            Ct);

        var first = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "docs/a", ContentBody = "one" }, Ct);
        var second = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = name, Key = "docs/a", ContentBody = "two" }, Ct);
        var current = await _s3.GetObjectMetadataAsync(name, "docs/a", Ct);

        // The current version read by its id: as without the id.
        var byId = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = name, Key = "docs/a", VersionId = second.VersionId }, Ct);
        Assert.Equal(("all", NextMidnight(current.LastModified, 30)), (byId.Expiration?.RuleId, byId.Expiration?.ExpiryDate.ToUniversalTime()));
        Assert.Equal(current.Expiration?.ExpiryDate, byId.Expiration?.ExpiryDate);

        // A noncurrent version: NoncurrentDays after its successor was written, on HEAD and GET; the rule with
        // NewerNoncurrentVersions (1 day, earlier) gives none, as MinIO answers.
        var old = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = name, Key = "docs/a", VersionId = first.VersionId }, Ct);
        using var oldBody = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = name, Key = "docs/a", VersionId = first.VersionId }, Ct);
        foreach (var expiration in new[] { old.Expiration, oldBody.Expiration })
        {
            Assert.Equal(("all", NextMidnight(current.LastModified, 7)), (expiration?.RuleId, expiration?.ExpiryDate.ToUniversalTime()));
        }

        // A delete marker makes the version it hides noncurrent from its own time; the marker itself is 405.
        var deleted = await _s3.DeleteObjectAsync(name, "docs/a", Ct);
        var versions = await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = name, Prefix = "docs/a" }, Ct);
        var marker = versions.Versions.Single(v => v.IsDeleteMarker == true);
        Assert.Equal(deleted.VersionId, marker.VersionId);
        var hidden = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = name, Key = "docs/a", VersionId = second.VersionId }, Ct);
        Assert.Equal(("all", NextMidnight(marker.LastModified, 7)), (hidden.Expiration?.RuleId, hidden.Expiration?.ExpiryDate.ToUniversalTime()));
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = name, Key = "docs/a", VersionId = marker.VersionId }, Ct));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, error.StatusCode);
    }

    /// <summary>The midnight UTC after <paramref name="days"/> days from <paramref name="time"/>: S3's due time.</summary>
    private static DateTime NextMidnight(DateTime? time, int days)
    {
        var due = time!.Value.ToUniversalTime().AddDays(days);
        return new DateTime(due.Year, due.Month, due.Day, 0, 0, 0, DateTimeKind.Utc).AddDays(1);
    }

    [Fact]
    public async Task CompleteMultipartUploadAndCopyObjectCarryXAmzExpirationToo()
    {
        var name = await BucketAsync(versioned: false);
        await _s3.PutLifecycleConfigurationAsync(
            new PutLifecycleConfigurationRequest
            {
                BucketName = name,
                Configuration = new LifecycleConfiguration
                {
                    Rules = [new LifecycleRule { Id = "tmp", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Prefix = "tmp/" }, Expiration = new LifecycleRuleExpiration { Days = 2 } }],
                },
            },
            Ct);

        var upload = await _s3.InitiateMultipartUploadAsync(name, "tmp/big", Ct);
        var part = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = name, Key = "tmp/big", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[1000]) }, Ct);
        var completed = await _s3.CompleteMultipartUploadAsync(
            new CompleteMultipartUploadRequest { BucketName = name, Key = "tmp/big", UploadId = upload.UploadId, PartETags = [new PartETag(1, part.ETag)] },
            Ct);
        Assert.Equal("tmp", completed.Expiration?.RuleId);

        var copied = await _s3.CopyObjectAsync(name, "tmp/big", name, "tmp/copy", Ct);
        Assert.Equal("tmp", copied.Expiration?.RuleId);
        var head = await _s3.GetObjectMetadataAsync(name, "tmp/copy", Ct);
        Assert.Equal(head.Expiration?.ExpiryDate, copied.Expiration?.ExpiryDate);

        // A copy out of the rule's prefix has none.
        Assert.Null((await _s3.CopyObjectAsync(name, "tmp/big", name, "kept/copy", Ct)).Expiration);
    }

    private async Task<string> PutAsync(string bucket, string key)
    {
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key }, Ct);
        return key;
    }

    [Fact]
    public async Task LifecycleOfAMissingBucketIsNoSuchBucket()
    {
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest { BucketName = Names.Bucket("none"), Configuration = Everything() }, Ct));
        Assert.Equal(("NoSuchBucket", HttpStatusCode.NotFound), (error.ErrorCode, error.StatusCode));
        var (status, body) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Get, $"/{Names.Bucket("none")}", "lifecycle", null);
        Assert.Equal((404, true), (status, body.Contains("<Code>NoSuchBucket</Code>", StringComparison.Ordinal)));
    }

    /// <summary>
    /// GetBucketLifecycleConfiguration answers 404 NoSuchLifecycleConfiguration. The SDK turns exactly that error into
    /// an empty response rather than an exception, so the wire is read as well.
    /// </summary>
    private async Task AssertNoConfigurationAsync(string bucket)
    {
        var (status, body) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Get, $"/{bucket}", "lifecycle", null);
        Assert.Equal((404, true, true), (status, body.Contains("<Code>NoSuchLifecycleConfiguration</Code>", StringComparison.Ordinal), body.Contains($"<BucketName>{bucket}</BucketName>", StringComparison.Ordinal)));
        var sdk = await _s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket }, Ct);
        Assert.Empty(sdk.Configuration?.Rules ?? []);
    }

    /// <summary>A filter's prefix, tags (k=v,…), size bounds, from the SDK's properties or its predicate tree, whichever it filled.</summary>
    private static (string? Prefix, string Tags, long? Above, long? Below) Predicates(LifecycleFilter filter)
    {
        var prefix = filter.And?.Prefix ?? filter.Prefix;
        var tags = (filter.And?.Tags ?? (filter.Tag is null ? [] : [filter.Tag])).ToList();
        var above = filter.And?.ObjectSizeGreaterThan ?? filter.ObjectSizeGreaterThan;
        var below = filter.And?.ObjectSizeLessThan ?? filter.ObjectSizeLessThan;
        var predicates = filter.LifecycleFilterPredicate is LifecycleAndOperator and ? and.Operands ?? [] : filter.LifecycleFilterPredicate is { } one ? [one] : [];
        foreach (var p in predicates)
        {
            switch (p)
            {
                case LifecyclePrefixPredicate x: prefix ??= x.Prefix; break;
                case LifecycleTagPredicate x: tags.Add(x.Tag); break;
                case LifecycleObjectSizeGreaterThanPredicate x: above ??= x.ObjectSizeGreaterThan; break;
                case LifecycleObjectSizeLessThanPredicate x: below ??= x.ObjectSizeLessThan; break;
            }
        }

        return (prefix, string.Join(',', tags.Select(t => t.Key + "=" + t.Value)), above, below);
    }
}
