using System.Xml.Linq;
using Tessera.Index.Lifecycle;

namespace Tessera.Tests.Index.Lifecycle;

/// <summary>The pure lifecycle evaluation: due times, filters, precedence, noncurrent versions, the day length.</summary>
public sealed class LifecycleEvaluatorTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static LifecycleConfiguration Rules(params string[] rules) => LifecycleXml.Parse(XElement.Parse(
        $"<LifecycleConfiguration>{string.Concat(rules.Select(r => "<Rule>" + r + "</Rule>"))}</LifecycleConfiguration>"));

    private static DateTimeOffset At(string time) => DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);

    private static LifecycleSubject Object(string key = "logs/a", long size = 1 << 20, string modified = "2012-12-19T13:42:50Z") =>
        new() { Key = key, Size = size, LastModified = At(modified) };

    [Fact]
    public void DaysRoundUpToTheNextMidnightUtcAsS3Does()
    {
        // S3's example: written Jan 15 10:30 UTC, 3 days: due Jan 19 00:00 UTC.
        Assert.Equal(At("2014-01-19T00:00:00Z"), LifecycleEvaluator.DueAfter(At("2014-01-15T10:30:00Z"), 3, Day));
        Assert.Equal(At("2014-01-19T00:00:00Z"), LifecycleEvaluator.DueAfter(At("2014-01-15T00:00:00Z"), 3, Day));
        Assert.Equal(At("2014-01-16T00:00:00Z"), LifecycleEvaluator.DueAfter(At("2014-01-15T23:59:59Z"), 0, Day));
        Assert.Equal(At("2014-01-19T00:00:00Z"), LifecycleEvaluator.DueAfter(At("2014-01-15T10:30:00+05:00"), 3, Day));
        Assert.Equal(DateTimeOffset.MaxValue, LifecycleEvaluator.DueAfter(At("2014-01-15T10:30:00Z"), int.MaxValue, Day));
    }

    [Fact]
    public void AShortDayRoundsToItsMultiplesFromTheEpoch()
    {
        var ten = TimeSpan.FromSeconds(10);
        var written = DateTimeOffset.UnixEpoch.AddSeconds(1_000_003);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1_000_040), LifecycleEvaluator.DueAfter(written, 3, ten));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1_000_040), LifecycleEvaluator.DueAfter(DateTimeOffset.UnixEpoch.AddSeconds(1_000_000), 3, ten));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(-10), LifecycleEvaluator.DueAfter(DateTimeOffset.UnixEpoch.AddSeconds(-15), 0, ten));
    }

    [Fact]
    public void TheExpiryHeaderNamesTheEarliestRuleThatSelectsTheObject()
    {
        var rules = Rules(
            "<ID>late</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration>",
            "<ID>picture-deletion-rule</ID><Filter/><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>",
            "<ID>off</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration>",
            "<ID>other</ID><Filter><Prefix>img/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>");
        var expiry = LifecycleEvaluator.Expiry(rules, Object(), Day);
        Assert.Equal(new LifecycleExpiry(At("2012-12-23T00:00:00Z"), "picture-deletion-rule"), expiry);
        Assert.Null(LifecycleEvaluator.Expiry(rules, Object() with { IsDeleteMarker = true }, Day));
        Assert.Null(LifecycleEvaluator.Expiry(rules, Object() with { IsLatest = false }, Day));
        Assert.Null(LifecycleEvaluator.Expiry(Rules("<Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>"), Object(), Day));

        var dated = Rules("<ID>d</ID><Filter/><Status>Enabled</Status><Expiration><Date>2013-01-01T00:00:00Z</Date></Expiration>");
        Assert.Equal(new LifecycleExpiry(At("2013-01-01T00:00:00Z"), "d"), LifecycleEvaluator.Expiry(dated, Object(), Day));
    }

    [Fact]
    public void ANoncurrentVersionExpiresNoncurrentDaysAfterItsSuccessorWasWrittenAsMinIoAnswers()
    {
        const string Kept = "<ID>kept</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>";
        var rules = Rules(
            "<ID>current</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>",
            "<ID>old</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays></NoncurrentVersionExpiration>",
            "<ID>sooner</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration>",
            Kept);

        // Became noncurrent 2013-01-01 08:00; seven days later is 2013-01-08 08:00, rounded up to the next midnight.
        // Neither its own last-modified time nor the current version's Expiration counts, nor the rule with
        // NewerNoncurrentVersions (whose 1 day would be earlier).
        var old = Object("docs/a") with { IsLatest = false, NoncurrentSince = At("2013-01-01T08:00:00Z") };
        Assert.Equal(new LifecycleExpiry(At("2013-01-09T00:00:00Z"), "old"), LifecycleEvaluator.Expiry(rules, old, Day));
        Assert.Equal(new LifecycleExpiry(At("2013-01-05T00:00:00Z"), "sooner"), LifecycleEvaluator.Expiry(rules, old with { Key = "logs/a" }, Day));
        Assert.Null(LifecycleEvaluator.Expiry(Rules(Kept), old, Day));

        // The current version keeps its Expiration; unknown noncurrent-since and delete markers have none.
        Assert.Equal(new LifecycleExpiry(At("2012-12-21T00:00:00Z"), "current"), LifecycleEvaluator.Expiry(rules, Object("docs/a"), Day));
        Assert.Null(LifecycleEvaluator.Expiry(rules, old with { NoncurrentSince = null }, Day));
        Assert.Null(LifecycleEvaluator.Expiry(rules, old with { IsDeleteMarker = true, Size = 0 }, Day));

        // A short day rounds to its own boundaries: 7 ten-second days after 08:00:03 is 08:01:13, due at 08:01:20.
        var ten = TimeSpan.FromSeconds(10);
        Assert.Equal(At("2013-01-01T08:01:20Z"), LifecycleEvaluator.Expiry(rules, old with { NoncurrentSince = At("2013-01-01T08:00:03Z") }, ten)!.Value.Date);
    }

    [Fact]
    public void FiltersSelectByPrefixTagsAndSizeTogether()
    {
        var rules = Rules("<ID>f</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>t</Key><Value>1</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>");
        var tagged = Object(size: 50) with { Tags = [new("x", "y"), new("t", "1")] };
        Assert.NotNull(LifecycleEvaluator.Expiry(rules, tagged, Day));
        Assert.Null(LifecycleEvaluator.Expiry(rules, tagged with { Key = "img/a" }, Day));
        Assert.Null(LifecycleEvaluator.Expiry(rules, tagged with { Tags = [new("t", "2")] }, Day));
        Assert.Null(LifecycleEvaluator.Expiry(rules, tagged with { Tags = [] }, Day));
        Assert.Null(LifecycleEvaluator.Expiry(rules, tagged with { Size = 10 }, Day));
        Assert.Null(LifecycleEvaluator.Expiry(rules, tagged with { Size = 100 }, Day));
        Assert.NotNull(LifecycleEvaluator.Expiry(rules, tagged with { Size = 11 }, Day));
    }

    [Fact]
    public void ACurrentVersionExpiresAtItsDueTimeAndNotBefore()
    {
        var rules = Rules("<ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>");
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, Object(), At("2012-12-22T23:59:59Z"), Day));
        var action = LifecycleEvaluator.Evaluate(rules, Object(), At("2012-12-23T00:00:00Z"), Day);
        Assert.Equal(new LifecycleAction(LifecycleActionKind.Expire, "e", null, At("2012-12-23T00:00:00Z")), action);
    }

    [Fact]
    public void PermanentDeletionBeatsTransitionWhichBeatsADeleteMarker()
    {
        var rules = Rules(
            "<ID>t</ID><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>",
            "<ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>");
        var now = At("2013-02-01T00:00:00Z");
        Assert.Equal(LifecycleActionKind.Expire, LifecycleEvaluator.Evaluate(rules, Object(), now, Day).Kind);
        var versioned = LifecycleEvaluator.Evaluate(rules, Object() with { Versioned = true }, now, Day);
        Assert.Equal((LifecycleActionKind.Transition, "t", "GLACIER"), (versioned.Kind, versioned.RuleId, versioned.StorageClass));

        // Once in GLACIER the transition is done, and the versioned expiration (a delete marker) is what remains.
        var moved = Object() with { Versioned = true, StorageClass = "GLACIER" };
        Assert.Equal(LifecycleActionKind.Expire, LifecycleEvaluator.Evaluate(rules, moved, now, Day).Kind);
    }

    [Fact]
    public void TheColdestDueTransitionWinsAndNoneGoesBackUpTheLadder()
    {
        var rules = Rules("<ID>t</ID><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Transition><Days>90</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>");
        var written = Object(modified: "2020-01-01T12:00:00Z");
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, written, At("2020-01-31T00:00:00Z"), Day));
        Assert.Equal("STANDARD_IA", LifecycleEvaluator.Evaluate(rules, written, At("2020-02-01T00:00:00Z"), Day).StorageClass);
        Assert.Equal("DEEP_ARCHIVE", LifecycleEvaluator.Evaluate(rules, written, At("2020-06-01T00:00:00Z"), Day).StorageClass);
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, written with { StorageClass = "DEEP_ARCHIVE" }, At("2020-06-01T00:00:00Z"), Day));
        Assert.Equal("DEEP_ARCHIVE", LifecycleEvaluator.Evaluate(rules, written with { StorageClass = "STANDARD_IA" }, At("2020-06-01T00:00:00Z"), Day).StorageClass);

        // S3's waterfall: STANDARD_IA goes on to INTELLIGENT_TIERING, never back.
        var tiering = Rules("<ID>it</ID><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>INTELLIGENT_TIERING</StorageClass></Transition>");
        var ia = Rules("<ID>ia</ID><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>");
        Assert.Equal("INTELLIGENT_TIERING", LifecycleEvaluator.Evaluate(tiering, written with { StorageClass = "STANDARD_IA" }, At("2020-06-01T00:00:00Z"), Day).StorageClass);
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(ia, written with { StorageClass = "INTELLIGENT_TIERING" }, At("2020-06-01T00:00:00Z"), Day));
    }

    [Fact]
    public void SmallObjectsTransitionOnlyUnderASizeFilterOrToArchivesWhenTheConfigurationSaysSo()
    {
        const string glacier = "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>";
        var small = Object(size: 1000);
        var now = At("2013-01-01T00:00:00Z");
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(Rules($"<Filter/><Status>Enabled</Status>{glacier}"), small, now, Day));
        Assert.Equal(LifecycleActionKind.Transition, LifecycleEvaluator.Evaluate(Rules($"<Filter/><Status>Enabled</Status>{glacier}"), small with { Size = 128 * 1024 }, now, Day).Kind);
        Assert.Equal(LifecycleActionKind.Transition, LifecycleEvaluator.Evaluate(Rules($"<Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter><Status>Enabled</Status>{glacier}"), small, now, Day).Kind);
        var varies = LifecycleXml.Parse(XElement.Parse($"<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status>{glacier}</Rule></LifecycleConfiguration>"), LifecycleConfiguration.VariesByStorageClass);
        Assert.Equal(LifecycleActionKind.Transition, LifecycleEvaluator.Evaluate(varies, small, now, Day).Kind);
    }

    [Fact]
    public void AnExpiredObjectDeleteMarkerIsRemovedOnlyWhenNothingIsBehindIt()
    {
        var rules = Rules("<ID>m</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>");
        var marker = Object(size: 0) with { IsDeleteMarker = true, Versioned = true };
        var now = At("2012-12-19T13:42:51Z");
        Assert.Equal(new LifecycleAction(LifecycleActionKind.RemoveDeleteMarker, "m", null, marker.LastModified), LifecycleEvaluator.Evaluate(rules, marker, now, Day));
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, marker with { HasNoncurrentVersions = true }, now, Day));
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, marker with { Key = "img/a" }, now, Day));
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(Rules("<Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>"), marker, now, Day));
    }

    [Fact]
    public void NoncurrentVersionsExpireAfterTheirDaysUnlessAmongTheNewestKept()
    {
        var rules = Rules("<ID>n</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration>");
        var old = Object() with { IsLatest = false, Versioned = true, NoncurrentSince = At("2013-01-01T08:00:00Z"), NewerNoncurrentVersions = 3 };
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, old, At("2013-01-03T23:59:59Z"), Day));
        Assert.Equal(new LifecycleAction(LifecycleActionKind.ExpireNoncurrent, "n", null, At("2013-01-04T00:00:00Z")), LifecycleEvaluator.Evaluate(rules, old, At("2013-01-04T00:00:00Z"), Day));
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, old with { NewerNoncurrentVersions = 2 }, At("2014-01-01T00:00:00Z"), Day));
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, old with { NoncurrentSince = null }, At("2014-01-01T00:00:00Z"), Day));

        // A noncurrent delete marker expires like a version; the current version is never a noncurrent action's target.
        Assert.Equal(LifecycleActionKind.ExpireNoncurrent, LifecycleEvaluator.Evaluate(rules, old with { IsDeleteMarker = true, Size = 0 }, At("2014-01-01T00:00:00Z"), Day).Kind);
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, Object() with { Versioned = true }, At("2014-01-01T00:00:00Z"), Day));
    }

    [Fact]
    public void NoncurrentTransitionsMoveVersionsButNotMarkersAndExpirationWins()
    {
        var rules = Rules("<ID>n</ID><Filter/><Status>Enabled</Status><NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition><NoncurrentVersionExpiration><NoncurrentDays>10</NoncurrentDays></NoncurrentVersionExpiration>");
        var old = Object() with { IsLatest = false, Versioned = true, NoncurrentSince = At("2013-01-01T08:00:00Z") };
        var moved = LifecycleEvaluator.Evaluate(rules, old, At("2013-01-03T00:00:00Z"), Day);
        Assert.Equal((LifecycleActionKind.TransitionNoncurrent, "GLACIER"), (moved.Kind, moved.StorageClass));
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, old with { IsDeleteMarker = true, Size = 0 }, At("2013-01-03T00:00:00Z"), Day));
        Assert.Equal(LifecycleActionKind.ExpireNoncurrent, LifecycleEvaluator.Evaluate(rules, old, At("2013-01-12T00:00:00Z"), Day).Kind);
    }

    [Fact]
    public void IncompleteUploadsAreAbortedByPrefixAfterTheirDays()
    {
        var rules = Rules(
            "<ID>a</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
            "<ID>b</ID><Prefix></Prefix><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>");
        var started = At("2013-01-01T08:00:00Z");
        Assert.Null(LifecycleEvaluator.AbortDue(rules, "tmp/x", started, At("2013-01-03T23:00:00Z"), Day));
        Assert.Equal("a", LifecycleEvaluator.AbortDue(rules, "tmp/x", started, At("2013-01-04T00:00:00Z"), Day)!.Value.RuleId);
        Assert.Null(LifecycleEvaluator.AbortDue(rules, "keep/x", started, At("2013-01-04T00:00:00Z"), Day));
        Assert.Equal("b", LifecycleEvaluator.AbortDue(rules, "keep/x", started, At("2013-01-09T00:00:00Z"), Day)!.Value.RuleId);
    }

    [Fact]
    public void WithATenSecondDayAThreeDayRuleExpiresThirtyToFortySecondsAfterTheWrite()
    {
        var ten = TimeSpan.FromSeconds(10);
        var rules = Rules("<ID>fast</ID><Filter/><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>");
        var written = Object() with { LastModified = DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_005) };
        var expiry = LifecycleEvaluator.Expiry(rules, written, ten)!.Value;
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_040), expiry.Date);
        Assert.Equal(LifecycleAction.None, LifecycleEvaluator.Evaluate(rules, written, expiry.Date.AddTicks(-1), ten));
        Assert.Equal(LifecycleActionKind.Expire, LifecycleEvaluator.Evaluate(rules, written, expiry.Date, ten).Kind);
    }
}
