using System.Text;
using System.Xml.Linq;
using Tessera.Core.Errors;
using Tessera.Index.Lifecycle;

namespace Tessera.Tests.Index.Lifecycle;

/// <summary>The lifecycle grammar: every validation error with its S3 code, and the canonical form GET returns.</summary>
public sealed class LifecycleXmlTests
{
    private const string Ns = "http://s3.amazonaws.com/doc/2006-03-01/";

    private static string Doc(params string[] rules) =>
        $"<LifecycleConfiguration xmlns=\"{Ns}\">{string.Concat(rules.Select(r => "<Rule>" + r + "</Rule>"))}</LifecycleConfiguration>";

    private static LifecycleConfiguration Parse(string document, string? minimum = null) =>
        LifecycleXml.Parse(XElement.Parse(document), minimum, static () => "generated");

    private static void Fails(string code, string document, string? message = null)
    {
        var error = Assert.Throws<S3Exception>(() => Parse(document));
        Assert.Equal(code, error.Error.Code);
        if (message is not null)
        {
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }
    }

    private const string Ok = "<Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration>";

    [Fact]
    public void EveryElementRoundTripsToTheCanonicalDocument()
    {
        var document = Doc(
            "<ID>all</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag>"
            + "<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>1000000</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>"
            + "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>"
            + "<Expiration><Days>365</Days></Expiration>"
            + "<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>ONEZONE_IA</StorageClass><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionTransition>"
            + "<NoncurrentVersionExpiration><NoncurrentDays>60</NoncurrentDays><NewerNoncurrentVersions>5</NewerNoncurrentVersions></NoncurrentVersionExpiration>",
            "<ID>legacy</ID><Prefix>tmp/</Prefix><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
            "<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Transition><Date>2031-06-01T00:00:00.000Z</Date><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>",
            "<ID>markers</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
            "<ID>small</ID><Filter><ObjectSizeLessThan>100</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>");
        var configuration = Parse(document);
        var stored = LifecycleXml.ToStored(configuration);

        var expected = $"<LifecycleConfiguration xmlns=\"{Ns}\">"
            + "<Rule><ID>all</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value /></Tag>"
            + "<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>1000000</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>"
            + "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>"
            + "<Expiration><Days>365</Days></Expiration>"
            + "<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>ONEZONE_IA</StorageClass><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionTransition>"
            + "<NoncurrentVersionExpiration><NoncurrentDays>60</NoncurrentDays><NewerNoncurrentVersions>5</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>"
            + "<Rule><ID>legacy</ID><Prefix>tmp/</Prefix><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"
            + "<Rule><ID>generated</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Transition><Date>2031-06-01T00:00:00.000Z</Date><StorageClass>DEEP_ARCHIVE</StorageClass></Transition></Rule>"
            + "<Rule><ID>markers</ID><Filter><Prefix /></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>"
            + "<Rule><ID>small</ID><Filter><ObjectSizeLessThan>100</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>"
            + "</LifecycleConfiguration>";
        Assert.Equal(expected, stored);

        // The stored form reads back to the same document, and once more to itself.
        Assert.Equal(stored, LifecycleXml.ToStored(LifecycleXml.FromStored(stored)));
    }

    [Fact]
    public void GeneratedIdsLookLikeS3sAndTheMinimumSizeBehaviourIsKept()
    {
        var configuration = LifecycleXml.Parse(XElement.Parse(Doc(Ok)), LifecycleConfiguration.VariesByStorageClass);
        var id = Assert.Single(configuration.Rules).Id;
        Assert.Equal(48, id.Length);
        Assert.True(Guid.TryParse(Encoding.UTF8.GetString(Convert.FromBase64String(id)), out _));
        var stored = LifecycleXml.ToStored(configuration);
        Assert.Equal(LifecycleConfiguration.VariesByStorageClass, LifecycleXml.FromStored(stored).TransitionDefaultMinimumObjectSize);
        Assert.Equal(LifecycleConfiguration.AllStorageClasses128K, Parse(Doc(Ok)).TransitionDefaultMinimumObjectSize);
        Assert.Equal("InvalidArgument", Assert.Throws<S3Exception>(() => Parse(Doc(Ok), "tiny")).Error.Code);
    }

    [Theory]
    [InlineData("<Status>Enabled</Status><Filter/><Prefix>a</Prefix><Expiration><Days>1</Days></Expiration>")] // both Filter and Prefix
    [InlineData("<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>")] // neither
    [InlineData("<Filter/><Expiration><Days>1</Days></Expiration>")] // no Status
    [InlineData("<Status>enabled</Status><Filter/><Expiration><Days>1</Days></Expiration>")]
    [InlineData("<Status></Status><Filter/><Expiration><Days>1</Days></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration/>")] // empty action
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>x</Days></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>1.5</Days></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>99999999999</Days></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration><Expiration><Days>2</Days></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>1</Days><Bogus/></Expiration>")] // unknown element
    [InlineData("<Status>Enabled</Status><Filter/><Unknown/><Expiration><Days>1</Days></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Expiration><Days>1</Days></Expiration>")] // two predicates without And
    [InlineData("<Status>Enabled</Status><Filter><Prefix>a</Prefix><And><Prefix>b</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Expiration><Days>1</Days></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter><And><Prefix>a</Prefix></And></Filter><Expiration><Days>1</Days></Expiration>")] // And of one predicate
    [InlineData("<Status>Enabled</Status><Filter><Tag><Key>k</Key></Tag></Filter><Expiration><Days>1</Days></Expiration>")] // tag without Value
    [InlineData("<Status>Enabled</Status><Filter><ObjectSizeGreaterThan>big</ObjectSizeGreaterThan></Filter><Expiration><Days>1</Days></Expiration>")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><StorageClass>GLACIER</StorageClass></Transition>")] // neither Days nor Date
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>1</Days><Date>2030-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition>")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>1</Days></Transition>")] // no StorageClass
    [InlineData("<Status>Enabled</Status><Filter/><NoncurrentVersionExpiration/>")]
    [InlineData("<Status>Enabled</Status><Filter/><NoncurrentVersionTransition><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>")]
    [InlineData("<Status>Enabled</Status><Filter/><AbortIncompleteMultipartUpload/>")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker></Expiration>")]
    [InlineData("<Status><b>Enabled</b></Status><Filter/><Expiration><Days>1</Days></Expiration>")] // a value holding elements
    public void MalformedXml(string rule) => Fails("MalformedXML", Doc(rule));

    [Fact]
    public void DocumentsOfTheWrongShapeAreMalformedXml()
    {
        Fails("MalformedXML", $"<LifecycleConfiguration xmlns=\"{Ns}\"/>");
        Fails("MalformedXML", $"<BucketLifecycleConfiguration xmlns=\"{Ns}\"><Rule>{Ok}</Rule></BucketLifecycleConfiguration>");
        Fails("MalformedXML", $"<LifecycleConfiguration xmlns=\"{Ns}\"><Rule>{Ok}</Rule><Other/></LifecycleConfiguration>");
    }

    [Theory]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>0</Days></Expiration>", "'Days' for Expiration action must be a positive integer")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>-3</Days></Expiration>", "positive integer")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>", "'Date' must be at midnight GMT")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Date>2030-01-01T00:00:00+01:00</Date></Expiration>", "midnight")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Date>20300101</Date></Expiration>", "ISO 8601")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>", "ExpiredObjectDeleteMarker cannot be specified with Days or Date")]
    [InlineData("<Status>Enabled</Status><Filter/><Expiration><Date>2030-01-01T00:00:00Z</Date><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>", "ExpiredObjectDeleteMarker")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>1</Days><StorageClass>STANDARD</StorageClass></Transition>", "storage class")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>1</Days><StorageClass>NOPE</StorageClass></Transition>", "storage class")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>-1</Days><StorageClass>GLACIER</StorageClass></Transition>", "'Days' in Transition action must be nonnegative")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>29</Days><StorageClass>STANDARD_IA</StorageClass></Transition>", "must be greater than or equal to 30")]
    [InlineData("<Status>Enabled</Status><Filter/><NoncurrentVersionTransition><NoncurrentDays>10</NoncurrentDays><StorageClass>ONEZONE_IA</StorageClass></NoncurrentVersionTransition>", "greater than or equal to 30")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition><Expiration><Days>30</Days></Expiration>", "'Days' in the Expiration action for filter '(prefix=)' must be greater than 'Days' in the Transition action")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration>", "must be later than 'Date' in the Transition action")]
    [InlineData("<Status>Enabled</Status><Filter/><NoncurrentVersionTransition><NoncurrentDays>5</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition><NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays></NoncurrentVersionExpiration>", "must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action")]
    [InlineData("<Status>Enabled</Status><Filter/><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")]
    [InlineData("<Status>Enabled</Status><Filter/><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>", "NewerNoncurrentVersions")]
    [InlineData("<Status>Enabled</Status><Filter/><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>", "NewerNoncurrentVersions")]
    [InlineData("<Status>Enabled</Status><Filter/><AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>", "'DaysAfterInitiation'")]
    [InlineData("<Status>Enabled</Status><Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter><Expiration><Days>1</Days></Expiration>", "ObjectSizeGreaterThan")]
    [InlineData("<Status>Enabled</Status><Filter><ObjectSizeLessThan>0</ObjectSizeLessThan></Filter><Expiration><Days>1</Days></Expiration>", "ObjectSizeLessThan")]
    [InlineData("<Status>Enabled</Status><Filter><And><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter><Expiration><Days>1</Days></Expiration>", "'ObjectSizeLessThan' must be greater than 'ObjectSizeGreaterThan'")]
    public void InvalidArgument(string rule, string message) => Fails("InvalidArgument", Doc(rule), message);

    [Fact]
    public void AnIdOf255CharactersIsAcceptedAnd256IsInvalidArgument()
    {
        Assert.Equal(new string('i', 255), Parse(Doc($"<ID>{new string('i', 255)}</ID>{Ok}")).Rules[0].Id);
        Fails("InvalidArgument", Doc($"<ID>{new string('i', 256)}</ID>{Ok}"), "ID length");
    }

    [Fact]
    public void AThousandRulesAreAcceptedAndAThousandAndOneAreInvalidArgument()
    {
        Assert.Equal(1000, Parse(Doc(Enumerable.Range(0, 1000).Select(i => $"<ID>r{i}</ID>{Ok}").ToArray())).Rules.Count);
        Fails("InvalidArgument", Doc(Enumerable.Range(0, 1001).Select(i => $"<ID>r{i}</ID>{Ok}").ToArray()), "1000");
    }

    [Theory]
    [InlineData("<ID>same</ID>" + Ok + "</Rule><Rule><ID>same</ID>" + Ok, "Rule ID must be unique")]
    [InlineData("<Status>Enabled</Status><Filter/>", "At least one action needs to be specified in a rule")]
    [InlineData("<Status>Enabled</Status><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>", "AbortIncompleteMultipartUpload cannot be specified with Tags")]
    [InlineData("<Status>Enabled</Status><Filter><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>", "AbortIncompleteMultipartUpload")]
    [InlineData("<Status>Enabled</Status><Filter><And><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>", "ExpiredObjectDeleteMarker cannot be specified with Tags")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Days>2</Days><StorageClass>GLACIER</StorageClass></Transition>", "'StorageClass' must be different for 'Transition' actions")]
    [InlineData("<Status>Enabled</Status><Filter/><NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition><NoncurrentVersionTransition><NoncurrentDays>2</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>", "'NoncurrentVersionTransition'")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>", "Found mixed 'Date' and 'Days' based Transition actions")]
    [InlineData("<Status>Enabled</Status><Filter/><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration>", "Found mixed 'Date' and 'Days' based Expiration and Transition actions")]
    [InlineData("<Status>Enabled</Status><Filter><And><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k</Key><Value>w</Value></Tag></And></Filter><Expiration><Days>1</Days></Expiration>", "Duplicate Tag Keys")]
    public void InvalidRequest(string rule, string message) => Fails("InvalidRequest", Doc(rule), message);

    [Fact]
    public void PrefixesAndTagsAreBoundedAsS3BoundsThem()
    {
        Assert.NotNull(Parse(Doc($"<Prefix>{new string('p', 1024)}</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>")));
        Fails("InvalidRequest", Doc($"<Prefix>{new string('p', 1025)}</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"), "prefix");
        Fails("InvalidRequest", Doc($"<Filter><Prefix>{new string('é', 513)}</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"), "prefix");
        Assert.NotNull(Parse(Doc($"<Filter><Tag><Key>k</Key><Value>{new string('v', 256)}</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>")));
        Assert.NotNull(Parse(Doc($"<Filter><Tag><Key>{new string('k', 128)}</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>")));
        Fails("InvalidRequest", Doc($"<Filter><Tag><Key>{new string('k', 129)}</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"), "TagKey");
        Fails("InvalidRequest", Doc($"<Filter><Tag><Key>k</Key><Value>{new string('v', 257)}</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"), "TagValue");
    }

    private static string Transitions(string action, params (string When, string Class)[] transitions) => string.Concat(transitions.Select(t =>
        action == "NoncurrentVersionTransition"
            ? $"<{action}><NoncurrentDays>{t.When}</NoncurrentDays><StorageClass>{t.Class}</StorageClass></{action}>"
            : $"<{action}>{(t.When.Contains('T', StringComparison.Ordinal) ? $"<Date>{t.When}</Date>" : $"<Days>{t.When}</Days>")}<StorageClass>{t.Class}</StorageClass></{action}>"));

    /// <summary>S3's ladder within a rule: GLACIER after the warm classes, DEEP_ARCHIVE after both, strictly later (the text NooBaa checks against).</summary>
    [Theory]
    [InlineData("Transition", "1", "DEEP_ARCHIVE", "1", "GLACIER", "'Days' in the Transition action for StorageClass 'DEEP_ARCHIVE' for filter '(prefix=logs/)' must be greater than 'Days' in the Transition action for StorageClass 'GLACIER' for filter '(prefix=logs/)'.")]
    [InlineData("Transition", "200", "GLACIER", "300", "DEEP_ARCHIVE", null)]
    [InlineData("Transition", "90", "GLACIER", "30", "DEEP_ARCHIVE", "'Days' in the Transition action for StorageClass 'DEEP_ARCHIVE' for filter '(prefix=logs/)' must be greater than 'Days' in the Transition action for StorageClass 'GLACIER' for filter '(prefix=logs/)'.")]
    [InlineData("Transition", "60", "STANDARD_IA", "40", "GLACIER", "'Days' in the Transition action for StorageClass 'GLACIER' for filter '(prefix=logs/)' must be greater than 'Days' in the Transition action for StorageClass 'STANDARD_IA' for filter '(prefix=logs/)'.")]
    [InlineData("Transition", "10", "GLACIER_IR", "5", "DEEP_ARCHIVE", "for StorageClass 'DEEP_ARCHIVE' for filter '(prefix=logs/)' must be greater than 'Days' in the Transition action for StorageClass 'GLACIER_IR'")]
    [InlineData("Transition", "10", "INTELLIGENT_TIERING", "10", "GLACIER", "for StorageClass 'GLACIER' for filter '(prefix=logs/)' must be greater than 'Days' in the Transition action for StorageClass 'INTELLIGENT_TIERING'")]
    [InlineData("Transition", "2030-02-01T00:00:00Z", "GLACIER", "2030-01-01T00:00:00Z", "DEEP_ARCHIVE", "'Date' in the Transition action for StorageClass 'DEEP_ARCHIVE' for filter '(prefix=logs/)' must be greater than 'Date' in the Transition action for StorageClass 'GLACIER' for filter '(prefix=logs/)'.")]
    [InlineData("Transition", "2030-01-01T00:00:00Z", "GLACIER", "2030-01-02T00:00:00Z", "DEEP_ARCHIVE", null)]
    [InlineData("NoncurrentVersionTransition", "1", "GLACIER", "1", "DEEP_ARCHIVE", "'NoncurrentDays' in the NoncurrentVersionTransition action for StorageClass 'DEEP_ARCHIVE' for filter '(prefix=logs/)' must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action for StorageClass 'GLACIER' for filter '(prefix=logs/)'.")]
    [InlineData("NoncurrentVersionTransition", "100", "GLACIER", "190", "DEEP_ARCHIVE", null)]
    public void TransitionsOfARuleGoDownS3sLadder(string action, string firstWhen, string firstClass, string secondWhen, string secondClass, string? message) =>
        Ladder(action, firstWhen, firstClass, secondWhen, secondClass, message);

    /// <summary>The stays S3 enforces between two transitions of a rule, in the words of its error.</summary>
    [Theory]
    [InlineData("Transition", "30", "STANDARD_IA", "59", "GLACIER", "'Days' in the 'Transition' action for StorageClass 'GLACIER' for filter '(prefix=logs/)' must be 30 days more than 'filter '(prefix=logs/)'' in the 'Transition' action for StorageClass 'STANDARD_IA'.")]
    [InlineData("Transition", "30", "STANDARD_IA", "60", "GLACIER", null)]
    [InlineData("Transition", "45", "ONEZONE_IA", "74", "DEEP_ARCHIVE", "for StorageClass 'DEEP_ARCHIVE' for filter '(prefix=logs/)' must be 30 days more than 'filter '(prefix=logs/)'' in the 'Transition' action for StorageClass 'ONEZONE_IA'.")]
    [InlineData("Transition", "45", "ONEZONE_IA", "75", "DEEP_ARCHIVE", null)]
    [InlineData("Transition", "30", "STANDARD_IA", "30", "ONEZONE_IA", "for StorageClass 'ONEZONE_IA' for filter '(prefix=logs/)' must be 30 days more than 'filter '(prefix=logs/)'' in the 'Transition' action for StorageClass 'STANDARD_IA'.")]
    [InlineData("Transition", "30", "STANDARD_IA", "60", "ONEZONE_IA", null)]
    [InlineData("Transition", "30", "GLACIER", "60", "DEEP_ARCHIVE", "'Days' in the 'Transition' action for StorageClass 'DEEP_ARCHIVE' for filter '(prefix=logs/)' must be 90 days more than 'filter '(prefix=logs/)'' in the 'Transition' action for StorageClass 'GLACIER'.")]
    [InlineData("Transition", "30", "GLACIER", "120", "DEEP_ARCHIVE", null)]
    [InlineData("Transition", "60", "GLACIER_IR", "149", "DEEP_ARCHIVE", "must be 90 days more than 'filter '(prefix=logs/)'' in the 'Transition' action for StorageClass 'GLACIER_IR'.")]
    [InlineData("Transition", "60", "GLACIER_IR", "150", "DEEP_ARCHIVE", null)]
    [InlineData("NoncurrentVersionTransition", "30", "STANDARD_IA", "31", "GLACIER", "'NoncurrentDays' in the 'NoncurrentVersionTransition' action for StorageClass 'GLACIER' for filter '(prefix=logs/)' must be 30 days more than 'filter '(prefix=logs/)'' in the 'NoncurrentVersionTransition' action for StorageClass 'STANDARD_IA'.")]
    [InlineData("NoncurrentVersionTransition", "0", "GLACIER", "89", "DEEP_ARCHIVE", "must be 90 days more than")]

    // No stay where S3 is not known to enforce one: after INTELLIGENT_TIERING, between GLACIER_IR and GLACIER, by date.
    [InlineData("Transition", "0", "INTELLIGENT_TIERING", "1", "GLACIER", null)]
    [InlineData("Transition", "0", "GLACIER_IR", "1", "GLACIER", null)]
    [InlineData("Transition", "30", "STANDARD_IA", "31", "GLACIER_IR", null)]
    [InlineData("Transition", "2030-01-01T00:00:00Z", "STANDARD_IA", "2030-01-02T00:00:00Z", "GLACIER", null)]
    public void TransitionsOfARuleKeepS3sMinimumStays(string action, string firstWhen, string firstClass, string secondWhen, string secondClass, string? message) =>
        Ladder(action, firstWhen, firstClass, secondWhen, secondClass, message);

    [Fact]
    public void AFullLadderIsAcceptedInAnyDocumentOrderAndCheckedPairwise()
    {
        var ladder = Transitions("Transition", ("180", "DEEP_ARCHIVE"), ("30", "STANDARD_IA"), ("60", "GLACIER_IR"), ("90", "GLACIER"));
        Assert.Single(Parse(Doc("<Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>" + ladder)).Rules);

        // 30 days after GLACIER is too soon for DEEP_ARCHIVE, whatever the GLACIER_IR between.
        Fails("InvalidArgument", Doc("<Filter/><Status>Enabled</Status>" + Transitions("Transition", ("30", "GLACIER_IR"), ("100", "GLACIER"), ("130", "DEEP_ARCHIVE"))), "must be 90 days more than 'filter '(prefix=)'' in the 'Transition' action for StorageClass 'GLACIER'.");

        // Current and noncurrent transitions are two ladders: a GLACIER noncurrent transition does not order current ones.
        Assert.Single(Parse(Doc("<Filter/><Status>Enabled</Status>" + Transitions("Transition", ("1", "DEEP_ARCHIVE")) + Transitions("NoncurrentVersionTransition", ("5", "GLACIER")))).Rules);
    }

    private static void Ladder(string action, string firstWhen, string firstClass, string secondWhen, string secondClass, string? message)
    {
        var document = Doc("<Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>" + Transitions(action, (firstWhen, firstClass), (secondWhen, secondClass)));
        if (message is null)
        {
            Assert.Equal(2, Parse(document).Rules[0] is { } rule ? rule.Transitions.Count + rule.NoncurrentVersionTransitions.Count : 0);
            return;
        }

        var error = Assert.Throws<S3Exception>(() => Parse(document));
        Assert.Equal("InvalidArgument", error.Error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlappingRulesAreAcceptedAsS3NowAcceptsThem()
    {
        var configuration = Parse(Doc(
            "<ID>a</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>10</Days></Expiration>",
            "<ID>b</ID><Filter><Prefix>logs/old/</Prefix></Filter><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>"));
        Assert.Equal(2, configuration.Rules.Count);
    }

    [Fact]
    public void ElementsWithoutANamespaceAreAcceptedAndForeignNamespacesAreMalformed()
    {
        Assert.NotNull(Parse($"<LifecycleConfiguration><Rule>{Ok}</Rule></LifecycleConfiguration>"));
        Fails("MalformedXML", $"<LifecycleConfiguration xmlns=\"{Ns}\"><Rule><Status xmlns=\"urn:x\">Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>");
    }

    [Fact]
    public void AStoredFormThatDoesNotParseIsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => LifecycleXml.FromStored("<LifecycleConfiguration"));
        Assert.Throws<InvalidDataException>(() => LifecycleXml.FromStored("<LifecycleConfiguration/>"));
    }
}
