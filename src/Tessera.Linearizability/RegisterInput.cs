namespace Tessera.Linearizability;

/// <summary>A request on one key of <see cref="RegisterModel"/>. Build it with the factories.</summary>
/// <param name="Kind">Which request.</param>
/// <param name="Key">The key (the partition).</param>
/// <param name="Value">The value written by Put, PutIfMatch and PutIfNoneMatch. Tests write unique bodies, so a value identifies a write.</param>
/// <param name="Expected">PutIfMatch: the value the write is conditional on (the ETag, mapped back to the body it names).</param>
public sealed record RegisterInput(RegisterOperation Kind, string Key, string? Value = null, string? Expected = null)
{
    /// <summary>GetObject.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The input.</returns>
    public static RegisterInput Get(string key) => new(RegisterOperation.Get, key);

    /// <summary>PutObject.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The body.</param>
    /// <returns>The input.</returns>
    public static RegisterInput Put(string key, string value) => new(RegisterOperation.Put, key, value);

    /// <summary>PutObject with If-Match.</summary>
    /// <param name="key">The key.</param>
    /// <param name="expected">The body whose ETag the request names.</param>
    /// <param name="value">The new body.</param>
    /// <returns>The input.</returns>
    public static RegisterInput PutIfMatch(string key, string expected, string value) => new(RegisterOperation.PutIfMatch, key, value, expected);

    /// <summary>PutObject with If-None-Match: *.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The body.</param>
    /// <returns>The input.</returns>
    public static RegisterInput PutIfNoneMatch(string key, string value) => new(RegisterOperation.PutIfNoneMatch, key, value);

    /// <summary>DeleteObject.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The input.</returns>
    public static RegisterInput Delete(string key) => new(RegisterOperation.Delete, key);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        RegisterOperation.Get => $"Get({Key})",
        RegisterOperation.Put => $"Put({Key}, {RegisterModel.Quote(Value)})",
        RegisterOperation.PutIfMatch => $"PutIfMatch({Key}, {RegisterModel.Quote(Expected)} -> {RegisterModel.Quote(Value)})",
        RegisterOperation.PutIfNoneMatch => $"PutIfNoneMatch({Key}, {RegisterModel.Quote(Value)})",
        _ => $"Delete({Key})",
    };
}
