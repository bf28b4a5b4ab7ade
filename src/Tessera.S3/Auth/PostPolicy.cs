using System.Globalization;
using System.Text.Json;
using Tessera.Core.Errors;

namespace Tessera.S3.Auth;

/// <summary>
/// The policy document of a browser-based upload (POST Object), as the Amazon S3 API reference ("Creating a POST
/// policy") defines it: a base64 JSON object with an <c>expiration</c> and a list of <c>conditions</c>, each an
/// exact match (<c>{"acl": "private"}</c> or <c>["eq", "$acl", "private"]</c>), a prefix match
/// (<c>["starts-with", "$key", "user/"]</c>) or the file's size range (<c>["content-length-range", 1, 1048576]</c>).
/// Field names are matched case-insensitively, values exactly.
/// </summary>
internal sealed class PostPolicy
{
    private readonly List<Condition> _conditions;

    private PostPolicy(DateTimeOffset expiration, List<Condition> conditions)
    {
        Expiration = expiration;
        _conditions = conditions;
    }

    /// <summary>When the policy stops authorising uploads.</summary>
    public DateTimeOffset Expiration { get; }

    /// <summary>The smallest and largest file the policy allows, when it has a content-length-range.</summary>
    public (long Min, long Max)? LengthRange { get; private set; }

    private enum Kind
    {
        Equals,
        StartsWith,
    }

    /// <summary>Decodes and parses the <c>policy</c> form field (InvalidPolicyDocument when it is not a policy).</summary>
    public static PostPolicy Parse(string base64)
    {
        byte[] json;
        try
        {
            json = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw Invalid("Invalid Policy: Invalid Base64 Encoding.");
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("expiration", out var expiration) || expiration.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(expiration.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var expires))
            {
                throw Invalid("Invalid Policy: Policy missing expiration.");
            }

            if (!root.TryGetProperty("conditions", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("Invalid Policy: Policy missing conditions.");
            }

            var policy = new PostPolicy(expires, []);
            foreach (var item in list.EnumerateArray())
            {
                policy.Add(item);
            }

            return policy;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // JsonDocument does not check the text inside strings: GetString and property names throw
            // InvalidOperationException on invalid UTF-8 or an escaped lone surrogate (every ValueKind is checked first).
            throw Invalid("Invalid Policy: Invalid JSON.");
        }
    }

    /// <summary>
    /// Checks the form against the policy: not expired, every condition met, and every form field covered by a
    /// condition (except the signature fields, the file and <c>x-ignore-*</c>, as S3 exempts them). AccessDenied
    /// with S3's "Invalid according to Policy" messages otherwise.
    /// </summary>
    /// <param name="fields">The form fields by name (case-insensitive), with <c>bucket</c> set from the request.</param>
    /// <param name="now">The server's clock.</param>
    public void Check(IReadOnlyDictionary<string, string> fields, DateTimeOffset now)
    {
        if (now > Expiration)
        {
            throw new S3Exception(S3Errors.AccessDenied, "Invalid according to Policy: Policy expired.");
        }

        foreach (var condition in _conditions)
        {
            var present = fields.TryGetValue(condition.Field, out var value);
            var met = condition.Kind == Kind.Equals
                ? present && value == condition.Value
                : condition.Value.Length == 0 || (present && value!.StartsWith(condition.Value, StringComparison.Ordinal));
            if (!met)
            {
                throw new S3Exception(S3Errors.AccessDenied, $"Invalid according to Policy: Policy Condition failed: [\"{(condition.Kind == Kind.Equals ? "eq" : "starts-with")}\", \"${condition.Field}\", \"{condition.Value}\"]");
            }
        }

        foreach (var name in fields.Keys)
        {
            if (!IsExempt(name) && !_conditions.Exists(c => string.Equals(c.Field, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new S3Exception(S3Errors.AccessDenied, $"Invalid according to Policy: Extra input fields: {name}");
            }
        }
    }

    /// <summary>Checks the file's size against the content-length-range, if the policy has one.</summary>
    public void CheckLength(long length)
    {
        if (LengthRange is { } range)
        {
            if (length > range.Max)
            {
                throw new S3Exception(S3Errors.EntityTooLarge, "Your proposed upload exceeds the maximum allowed size");
            }

            if (length < range.Min)
            {
                throw new S3Exception(S3Errors.EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size");
            }
        }
    }

    private static bool IsExempt(string name) =>
        name.Equals("policy", StringComparison.OrdinalIgnoreCase)
        || name.Equals("x-amz-signature", StringComparison.OrdinalIgnoreCase)
        || name.Equals("signature", StringComparison.OrdinalIgnoreCase)
        || name.Equals("AWSAccessKeyId", StringComparison.OrdinalIgnoreCase)
        || name.Equals("file", StringComparison.OrdinalIgnoreCase)
        || name.Equals("bucket", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("x-ignore-", StringComparison.OrdinalIgnoreCase);

    private static S3Exception Invalid(string message) => new(S3Errors.InvalidPolicyDocument, message);

    private static string FieldName(JsonElement element)
    {
        var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : throw Invalid("Invalid Policy: Invalid Simple-Condition: field name must be a string.");
        if (!text.StartsWith('$'))
        {
            throw Invalid($"Invalid Policy: Invalid Condition: field name '{text}' must start with '$'.");
        }

        return text[1..];
    }

    private static string Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.GetRawText(),
        _ => throw Invalid("Invalid Policy: Invalid Condition: values must be strings."),
    };

    private static long Number(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetInt64(out var n) => n,
        JsonValueKind.String when long.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => throw Invalid("Invalid Policy: Invalid content-length-range: bounds must be integers."),
    };

    private void Add(JsonElement item)
    {
        if (item.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in item.EnumerateObject())
            {
                _conditions.Add(new Condition(Kind.Equals, property.Name, Text(property.Value)));
            }

            return;
        }

        if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 3)
        {
            throw Invalid("Invalid Policy: Invalid Condition: conditions are objects or three-element arrays.");
        }

        var operation = item[0].ValueKind == JsonValueKind.String ? item[0].GetString()! : "";
        switch (operation.ToLowerInvariant())
        {
            case "eq":
                _conditions.Add(new Condition(Kind.Equals, FieldName(item[1]), Text(item[2])));
                break;
            case "starts-with":
                _conditions.Add(new Condition(Kind.StartsWith, FieldName(item[1]), Text(item[2])));
                break;
            case "content-length-range":
                var min = Number(item[1]);
                var max = Number(item[2]);
                if (min < 0 || max < min)
                {
                    throw Invalid("Invalid Policy: Invalid content-length-range.");
                }

                LengthRange = (min, max);
                break;
            default:
                throw Invalid($"Invalid Policy: Invalid Condition: unknown operation '{operation}'.");
        }
    }

    private sealed record Condition(Kind Kind, string Field, string Value);
}
