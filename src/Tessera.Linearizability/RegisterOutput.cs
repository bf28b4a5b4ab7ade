namespace Tessera.Linearizability;

/// <summary>An answer of <see cref="RegisterModel"/>. Build it with the factories.</summary>
/// <param name="Succeeded">Writes: whether the write applied (false: precondition failed). Get: always true.</param>
/// <param name="Value">Get: the value read, null when absent (NoSuchKey). Writes: null.</param>
public sealed record RegisterOutput(bool Succeeded, string? Value)
{
    /// <summary>A write or delete that applied (200/204).</summary>
    public static RegisterOutput Ok { get; } = new(true, null);

    /// <summary>
    /// A conditional write that did not apply: 412 PreconditionFailed, or 404 NoSuchKey for an If-Match write on an
    /// absent key (both mean "the condition was false").
    /// </summary>
    public static RegisterOutput PreconditionFailed { get; } = new(false, null);

    /// <summary>A Get of an absent key (NoSuchKey).</summary>
    public static RegisterOutput Absent { get; } = new(true, null);

    /// <summary>A Get's answer.</summary>
    /// <param name="value">The value read; null when absent.</param>
    /// <returns>The output.</returns>
    public static RegisterOutput Read(string? value) => value is null ? Absent : new(true, value);
}
