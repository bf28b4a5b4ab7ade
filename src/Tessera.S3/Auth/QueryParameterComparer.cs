namespace Tessera.S3.Auth;

/// <summary>Orders <see cref="QueryParameter"/>s by encoded name, then encoded value, byte by byte (SigV4's code point order).</summary>
/// <param name="bytes">The buffer the parameters point into.</param>
internal readonly struct QueryParameterComparer(byte[] bytes) : IComparer<QueryParameter>
{
    /// <inheritdoc />
    public int Compare(QueryParameter x, QueryParameter y)
    {
        var byName = bytes.AsSpan(x.NameStart, x.NameLength).SequenceCompareTo(bytes.AsSpan(y.NameStart, y.NameLength));
        return byName != 0 ? byName : bytes.AsSpan(x.ValueStart, x.ValueLength).SequenceCompareTo(bytes.AsSpan(y.ValueStart, y.ValueLength));
    }
}
