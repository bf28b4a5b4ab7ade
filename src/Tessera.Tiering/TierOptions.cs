using System.Globalization;

namespace Tessera.Tiering;

/// <summary>
/// Where a remote tier lives: an S3 endpoint, a bucket, a key prefix, credentials and a region, given as one URL,
/// <c>http[s]://ACCESS_KEY:SECRET_KEY@host:port/bucket[/prefix/]?region=us-east-1</c> (the user and password
/// percent-encoded; the region defaults to us-east-1).
/// </summary>
public sealed record TierOptions
{
    /// <summary>The tier's name.</summary>
    public required string Name { get; init; }

    /// <summary>The service URL (scheme, host and port).</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The bucket on the remote store.</summary>
    public required string Bucket { get; init; }

    /// <summary>The key prefix (empty or ending in '/') under which this store's remote objects live.</summary>
    public string Prefix { get; init; } = "";

    /// <summary>The access key.</summary>
    public required string AccessKey { get; init; }

    /// <summary>The secret key.</summary>
    public required string SecretKey { get; init; }

    /// <summary>The region signatures are scoped to.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Parses <c>NAME=URL</c>; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static TierOptions Parse(string name, string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-'))
        {
            throw new ArgumentException($"Tier '{name}': a name is letters, digits, '-' and '_'.");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"Tier {name}: expected http[s]://ACCESS_KEY:SECRET_KEY@host:port/bucket[/prefix/], not '{url}'.");
        }

        var user = uri.UserInfo.Split(':', 2);
        if (user.Length != 2 || user[0].Length == 0 || user[1].Length == 0)
        {
            throw new ArgumentException($"Tier {name}: the URL must carry the tier's credentials as ACCESS_KEY:SECRET_KEY@.");
        }

        var path = uri.AbsolutePath.TrimStart('/');
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? path : path[..slash];
        var prefix = slash < 0 ? "" : Uri.UnescapeDataString(path[(slash + 1)..]);
        if (bucket.Length == 0)
        {
            throw new ArgumentException($"Tier {name}: the URL must name a bucket (http://…@host:port/bucket/).");
        }

        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            prefix += "/";
        }

        var region = "us-east-1";
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            if (!string.Equals(key, "region", StringComparison.Ordinal) || eq < 0)
            {
                throw new ArgumentException($"Tier {name}: unknown URL parameter '{key}' (only region=).");
            }

            region = Uri.UnescapeDataString(pair[(eq + 1)..]);
        }

        return new TierOptions
        {
            Name = name,
            Endpoint = new Uri(uri.Scheme + "://" + uri.Authority + "/"),
            Bucket = bucket,
            Prefix = prefix,
            AccessKey = Uri.UnescapeDataString(user[0]),
            SecretKey = Uri.UnescapeDataString(user[1]),
            Region = region,
        };
    }

    /// <summary>The URL without its secret, for logs and status.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}={Endpoint}{Bucket}/{Prefix} (access key {AccessKey}, region {Region})");
}
