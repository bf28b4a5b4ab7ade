using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Tessera.Core.Errors;

namespace Tessera.Index.Lifecycle;

/// <content>Parsing and validating a PutBucketLifecycleConfiguration document.</content>
public static partial class LifecycleXml
{
    /// <summary>The classes S3 lets a version enter only after 30 days in its current class.</summary>
    private static readonly HashSet<string> ThirtyDayClasses = new(StringComparer.Ordinal) { "STANDARD_IA", "ONEZONE_IA" };

    /// <summary>
    /// Validates a <c>LifecycleConfiguration</c> document and returns its model; rules without an ID get one generated
    /// by <paramref name="newId"/> (S3's form by default: base64 of a random UUID's text).
    /// </summary>
    /// <param name="root">The document's root element.</param>
    /// <param name="transitionDefaultMinimumObjectSize">The <c>x-amz-transition-default-minimum-object-size</c> header, or null for the default.</param>
    /// <param name="newId">Generates ids for rules without one.</param>
    /// <exception cref="S3Exception">MalformedXML, InvalidArgument or InvalidRequest, as S3 answers.</exception>
    public static LifecycleConfiguration Parse(XElement root, string? transitionDefaultMinimumObjectSize = null, Func<string>? newId = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        newId ??= static () => Convert.ToBase64String(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()));
        var minimum = transitionDefaultMinimumObjectSize ?? LifecycleConfiguration.AllStorageClasses128K;
        if (minimum is not (LifecycleConfiguration.AllStorageClasses128K or LifecycleConfiguration.VariesByStorageClass))
        {
            throw Invalid("x-amz-transition-default-minimum-object-size must be all_storage_classes_128K or varies_by_storage_class.");
        }

        if (root.Name.LocalName != "LifecycleConfiguration")
        {
            throw Malformed();
        }

        var ruleElements = Fields(root, "Rule").GetValueOrDefault("Rule") ?? [];
        if (ruleElements.Count == 0)
        {
            throw Malformed();
        }

        if (ruleElements.Count > LifecycleConfiguration.MaxRules)
        {
            throw Invalid("The number of lifecycle rules must not exceed the allowed limit of 1000 rules.");
        }

        var rules = new List<LifecycleRule>(ruleElements.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in ruleElements)
        {
            var rule = ParseRule(element, newId);
            if (!ids.Add(rule.Id))
            {
                throw new S3Exception(S3Errors.InvalidRequest, "Rule ID must be unique. Found same ID for more than one rule.");
            }

            rules.Add(rule);
        }

        return new LifecycleConfiguration { Rules = rules, TransitionDefaultMinimumObjectSize = minimum };
    }

    private static LifecycleRule ParseRule(XElement element, Func<string> newId)
    {
        var f = Fields(element, "ID", "Status", "Filter", "Prefix", "Expiration", "Transition", "NoncurrentVersionExpiration",
            "NoncurrentVersionTransition", "AbortIncompleteMultipartUpload");
        var id = Text(Single(f, "ID"));
        if (id is not null && id.Length > LifecycleRule.MaxIdLength)
        {
            throw Invalid("ID length should not exceed allowed limit of 255.");
        }

        var enabled = Text(Single(f, "Status")) switch
        {
            "Enabled" => true,
            "Disabled" => false,
            _ => throw Malformed(),
        };

        var filterElement = Single(f, "Filter");
        var prefix = Text(Single(f, "Prefix"));
        if ((filterElement is null) == (prefix is null))
        {
            throw Malformed();
        }

        var filter = filterElement is null ? new LifecycleFilter { Prefix = CheckPrefix(prefix!) } : ParseFilter(filterElement);
        var expiration = ParseExpiration(Single(f, "Expiration"));
        var transitions = (f.GetValueOrDefault("Transition") ?? []).Select(t => ParseTransition(t, noncurrent: false)).ToList();
        var noncurrentExpiration = ParseNoncurrentExpiration(Single(f, "NoncurrentVersionExpiration"));
        var noncurrentTransitions = (f.GetValueOrDefault("NoncurrentVersionTransition") ?? []).Select(t => ParseTransition(t, noncurrent: true)).ToList();
        int? abort = null;
        if (Single(f, "AbortIncompleteMultipartUpload") is { } abortElement)
        {
            var days = Integer(Text(Single(Fields(abortElement, "DaysAfterInitiation"), "DaysAfterInitiation")) ?? throw Malformed());
            abort = days > 0 ? days : throw Invalid("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer.");
        }

        var rule = new LifecycleRule
        {
            Id = string.IsNullOrEmpty(id) ? newId() : id,
            Enabled = enabled,
            Filter = filter,
            LegacyPrefix = filterElement is null,
            Expiration = expiration,
            Transitions = transitions,
            NoncurrentVersionExpiration = noncurrentExpiration,
            NoncurrentVersionTransitions = noncurrentTransitions,
            AbortIncompleteMultipartUploadDays = abort,
        };
        ValidateActions(rule);
        return rule;
    }

    /// <summary>The checks that relate a rule's actions to each other and to its filter.</summary>
    private static void ValidateActions(LifecycleRule rule)
    {
        if (rule.Expiration is null && rule.Transitions.Count == 0 && rule.NoncurrentVersionExpiration is null
            && rule.NoncurrentVersionTransitions.Count == 0 && rule.AbortIncompleteMultipartUploadDays is null)
        {
            throw new S3Exception(S3Errors.InvalidRequest, "At least one action needs to be specified in a rule.");
        }

        var filter = rule.Filter;
        if (rule.AbortIncompleteMultipartUploadDays is not null && (filter.HasTags || filter.HasSize))
        {
            throw new S3Exception(S3Errors.InvalidRequest, "AbortIncompleteMultipartUpload cannot be specified with Tags or ObjectSize filters.");
        }

        if (rule.Expiration?.ExpiredObjectDeleteMarker is not null && (filter.HasTags || filter.HasSize))
        {
            throw new S3Exception(S3Errors.InvalidRequest, "ExpiredObjectDeleteMarker cannot be specified with Tags or ObjectSize filters.");
        }

        CheckTransitions(rule.Transitions, "Transition", filter);
        CheckTransitions(rule.NoncurrentVersionTransitions, "NoncurrentVersionTransition", filter);
        if (rule.Expiration is { } e && rule.Transitions.Count > 0)
        {
            var byDate = rule.Transitions[0].Date is not null;
            if ((e.Days is not null && byDate) || (e.Date is not null && !byDate))
            {
                throw new S3Exception(S3Errors.InvalidRequest, $"Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for filter '{filter.Describe()}'.");
            }

            if (e.Days is { } days && rule.Transitions.Any(t => t.Days >= days))
            {
                throw Invalid($"'Days' in the Expiration action for filter '{filter.Describe()}' must be greater than 'Days' in the Transition action.");
            }

            if (e.Date is { } date && rule.Transitions.Any(t => t.Date >= date))
            {
                throw Invalid($"'Date' in the Expiration action for filter '{filter.Describe()}' must be later than 'Date' in the Transition action.");
            }
        }

        if (rule.NoncurrentVersionExpiration is { } n && rule.NoncurrentVersionTransitions.Any(t => t.Days >= n.NoncurrentDays))
        {
            throw Invalid($"'NoncurrentDays' in the NoncurrentVersionExpiration action for filter '{filter.Describe()}' must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action.");
        }
    }

    private static void CheckTransitions(IReadOnlyList<LifecycleTransition> transitions, string action, LifecycleFilter filter)
    {
        var classes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in transitions)
        {
            if (!classes.Add(t.StorageClass))
            {
                throw new S3Exception(S3Errors.InvalidRequest, $"'StorageClass' must be different for '{action}' actions in same 'Rule' with filter '{filter.Describe()}'.");
            }
        }

        if (transitions.Count > 1 && transitions.Any(t => t.Date is null) && transitions.Any(t => t.Date is not null))
        {
            throw new S3Exception(S3Errors.InvalidRequest, $"Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule for filter '{filter.Describe()}'.");
        }

        CheckLadder(transitions, action, filter);
    }

    /// <summary>
    /// S3's order and gaps between the transitions of one rule (all by days or all by date, checked before): a
    /// transition to GLACIER comes after those to the warmer classes, one to DEEP_ARCHIVE after both, each strictly
    /// later; and by days, the minimum stays S3 enforces between two of them (<see cref="MinimumGap"/>).
    /// </summary>
    private static void CheckLadder(IReadOnlyList<LifecycleTransition> transitions, string action, LifecycleFilter filter)
    {
        var noncurrent = action == "NoncurrentVersionTransition";
        var field = transitions.Count > 0 && transitions[0].Date is not null ? "Date" : noncurrent ? "NoncurrentDays" : "Days";
        var described = filter.Describe();
        foreach (var earlier in transitions)
        {
            foreach (var later in transitions)
            {
                if (Tier(earlier.StorageClass) < Tier(later.StorageClass) && !Before(earlier, later))
                {
                    throw Invalid($"'{field}' in the {action} action for StorageClass '{later.StorageClass}' for filter '{described}' must be greater than '{field}' in the {action} action for StorageClass '{earlier.StorageClass}' for filter '{described}'.");
                }

                if (earlier.Days is { } from && later.Days is { } to && from <= to && MinimumGap(earlier.StorageClass, later.StorageClass) is var gap && to - from < gap)
                {
                    throw Invalid($"'{field}' in the '{action}' action for StorageClass '{later.StorageClass}' for filter '{described}' must be {gap} days more than 'filter '{described}'' in the '{action}' action for StorageClass '{earlier.StorageClass}'.");
                }
            }
        }

        static bool Before(LifecycleTransition a, LifecycleTransition b) => a.Date is { } x && b.Date is { } y ? x < y : a.Days < b.Days;
    }

    /// <summary>S3's ladder within one rule: the warm classes (STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR), then GLACIER, then DEEP_ARCHIVE.</summary>
    private static int Tier(string storageClass) => storageClass switch
    {
        "GLACIER" => 1,
        "DEEP_ARCHIVE" => 2,
        _ => 0,
    };

    /// <summary>
    /// The days a rule must leave between a transition to <paramref name="earlier"/> and a later one to
    /// <paramref name="later"/>, where S3 is known to refuse less: 30 after STANDARD_IA or ONEZONE_IA before GLACIER or
    /// DEEP_ARCHIVE, and after STANDARD_IA before ONEZONE_IA (their minimum storage charge, as S3's user guide states);
    /// 90 after GLACIER or GLACIER_IR before DEEP_ARCHIVE (S3's error for 30/60/90-day ladders). Other pairs: none.
    /// </summary>
    private static int MinimumGap(string earlier, string later) => (earlier, later) switch
    {
        ("STANDARD_IA" or "ONEZONE_IA", "GLACIER" or "DEEP_ARCHIVE") => 30,
        ("STANDARD_IA", "ONEZONE_IA") => 30,
        ("GLACIER" or "GLACIER_IR", "DEEP_ARCHIVE") => 90,
        _ => 0,
    };

    private static LifecycleFilter ParseFilter(XElement element)
    {
        var f = Fields(element, "Prefix", "Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan");
        if (f.Values.Sum(v => v.Count) > 1)
        {
            // One predicate at most directly in Filter; several go in And.
            throw Malformed();
        }

        if (Single(f, "And") is { } and)
        {
            var a = Fields(and, "Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan");
            var filter = Predicates(a) with { And = true };
            var count = (filter.Prefix is null ? 0 : 1) + filter.Tags.Count + (filter.ObjectSizeGreaterThan is null ? 0 : 1) + (filter.ObjectSizeLessThan is null ? 0 : 1);
            return count >= 2 ? filter : throw Malformed();
        }

        return Predicates(f);
    }

    private static LifecycleFilter Predicates(Dictionary<string, List<XElement>> f)
    {
        var prefix = Text(Single(f, "Prefix"));
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var tag in f.GetValueOrDefault("Tag") ?? [])
        {
            var t = Fields(tag, "Key", "Value");
            var key = Text(Single(t, "Key")) ?? throw Malformed();
            var value = Text(Single(t, "Value")) ?? throw Malformed();
            if (key.Length is 0 or > 128)
            {
                throw new S3Exception(S3Errors.InvalidRequest, "The TagKey you have provided is invalid.");
            }

            if (value.Length > 256)
            {
                throw new S3Exception(S3Errors.InvalidRequest, "The TagValue you have provided is invalid.");
            }

            if (tags.Any(existing => existing.Key == key))
            {
                throw new S3Exception(S3Errors.InvalidRequest, "Duplicate Tag Keys are not allowed.");
            }

            tags.Add(new(key, value));
        }

        var above = Long(Text(Single(f, "ObjectSizeGreaterThan")));
        var below = Long(Text(Single(f, "ObjectSizeLessThan")));
        if (above < 0)
        {
            throw Invalid("'ObjectSizeGreaterThan' must be a non-negative integer.");
        }

        if (below <= 0)
        {
            throw Invalid("'ObjectSizeLessThan' must be a positive integer.");
        }

        if (above is not null && below is not null && below <= above)
        {
            throw Invalid("'ObjectSizeLessThan' must be greater than 'ObjectSizeGreaterThan'.");
        }

        return new LifecycleFilter
        {
            Prefix = prefix is null ? null : CheckPrefix(prefix),
            Tags = tags,
            ObjectSizeGreaterThan = above,
            ObjectSizeLessThan = below,
        };
    }

    private static string CheckPrefix(string prefix) => Encoding.UTF8.GetByteCount(prefix) <= MaxPrefixBytes
        ? prefix
        : throw new S3Exception(S3Errors.InvalidRequest, "The maximum size of a prefix is 1024.");

    private static LifecycleExpiration? ParseExpiration(XElement? element)
    {
        if (element is null)
        {
            return null;
        }

        var f = Fields(element, "Days", "Date", "ExpiredObjectDeleteMarker");
        var days = Text(Single(f, "Days"));
        var date = Text(Single(f, "Date"));
        var marker = Text(Single(f, "ExpiredObjectDeleteMarker"));
        if ((days is null && date is null && marker is null) || (days is not null && date is not null))
        {
            throw Malformed();
        }

        if (marker is not null && (days is not null || date is not null))
        {
            throw Invalid("ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy.");
        }

        var n = days is null ? (int?)null : Integer(days);
        if (n <= 0)
        {
            throw Invalid("'Days' for Expiration action must be a positive integer.");
        }

        return new LifecycleExpiration
        {
            Days = n,
            Date = date is null ? null : Date(date),
            ExpiredObjectDeleteMarker = marker switch
            {
                null => null,
                "true" => true,
                "false" => false,
                _ => throw Malformed(),
            },
        };
    }

    private static LifecycleTransition ParseTransition(XElement element, bool noncurrent)
    {
        var f = noncurrent
            ? Fields(element, "NoncurrentDays", "StorageClass", "NewerNoncurrentVersions")
            : Fields(element, "Days", "Date", "StorageClass");
        var action = noncurrent ? "NoncurrentVersionTransition" : "Transition";
        var daysName = noncurrent ? "NoncurrentDays" : "Days";
        var days = Text(Single(f, daysName));
        var date = noncurrent ? null : Text(Single(f, "Date"));
        var storageClass = Text(Single(f, "StorageClass"));
        if ((days is null) == (date is null) || storageClass is null)
        {
            throw Malformed();
        }

        if (!TransitionStorageClasses.Contains(storageClass))
        {
            throw new S3Exception(S3Errors.InvalidArgument, $"The storage class '{storageClass}' is not a storage class lifecycle transitions to.");
        }

        var n = days is null ? (int?)null : Integer(days);
        if (n < 0)
        {
            throw Invalid($"'{daysName}' in {action} action must be nonnegative.");
        }

        if (n < 30 && ThirtyDayClasses.Contains(storageClass))
        {
            throw Invalid($"'{daysName}' in {action} action for StorageClass '{storageClass}' must be greater than or equal to 30.");
        }

        return new LifecycleTransition
        {
            Days = n,
            Date = date is null ? null : Date(date),
            StorageClass = storageClass,
            NewerNoncurrentVersions = noncurrent ? NewerVersions(Text(Single(f, "NewerNoncurrentVersions")), action) : null,
        };
    }

    private static NoncurrentVersionExpiration? ParseNoncurrentExpiration(XElement? element)
    {
        if (element is null)
        {
            return null;
        }

        var f = Fields(element, "NoncurrentDays", "NewerNoncurrentVersions");
        var days = Integer(Text(Single(f, "NoncurrentDays")) ?? throw Malformed());
        if (days <= 0)
        {
            throw Invalid("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer.");
        }

        return new NoncurrentVersionExpiration
        {
            NoncurrentDays = days,
            NewerNoncurrentVersions = NewerVersions(Text(Single(f, "NewerNoncurrentVersions")), "NoncurrentVersionExpiration"),
        };
    }

    private static int? NewerVersions(string? text, string action)
    {
        if (text is null)
        {
            return null;
        }

        var n = Integer(text);
        return n is >= 1 and <= 100 ? n : throw Invalid($"'NewerNoncurrentVersions' for {action} action must be a positive integer up to 100.");
    }

    /// <summary>A date in ISO 8601 that must fall on midnight UTC (InvalidArgument otherwise).</summary>
    private static DateTimeOffset Date(string text)
    {
        if (!DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            || !text.Contains('T', StringComparison.Ordinal))
        {
            throw Invalid("Invalid date: 'Date' must be in ISO 8601 format.");
        }

        return date.UtcTicks % TimeSpan.TicksPerDay == 0 ? date.ToUniversalTime() : throw Invalid("'Date' must be at midnight GMT.");
    }

    /// <summary>An xsd:int; anything else (text, a fraction, out of range) fails the schema: MalformedXML.</summary>
    private static int Integer(string text) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw Malformed();

    private static long? Long(string? text) => text is null ? null
        : long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw Malformed();

    /// <summary>The children of <paramref name="parent"/> by name; a name outside <paramref name="allowed"/> is MalformedXML.</summary>
    private static Dictionary<string, List<XElement>> Fields(XElement parent, params string[] allowed)
    {
        var fields = new Dictionary<string, List<XElement>>(StringComparer.Ordinal);
        foreach (var child in parent.Elements())
        {
            var name = child.Name.LocalName;
            if (Array.IndexOf(allowed, name) < 0 || (child.Name.NamespaceName is not ("" or Namespace)))
            {
                throw Malformed();
            }

            if (!fields.TryGetValue(name, out var list))
            {
                fields[name] = list = [];
            }

            list.Add(child);
        }

        return fields;
    }

    /// <summary>The one element named <paramref name="name"/>, or null; a repeated one is MalformedXML.</summary>
    private static XElement? Single(Dictionary<string, List<XElement>> fields, string name) =>
        fields.TryGetValue(name, out var list) ? (list.Count == 1 ? list[0] : throw Malformed()) : null;

    /// <summary>A value element's text; one holding elements is MalformedXML.</summary>
    private static string? Text(XElement? element) =>
        element is null ? null : element.HasElements ? throw Malformed() : element.Value;

    private static S3Exception Malformed() => new(S3Errors.MalformedXML);

    private static S3Exception Invalid(string message) => new(S3Errors.InvalidArgument, message);
}
