using System.Buffers;

namespace Tessera.S3.Auth;

/// <summary>
/// The query string of a request in SigV4 canonical form: every parameter's name and value decoded from the wire
/// and re-encoded with <see cref="SigV4Encoding.EncodeComponent"/>, then sorted by encoded name and value. The encoded
/// bytes and the parameter table live in pooled arrays returned by <see cref="Dispose"/>.
/// </summary>
internal readonly ref struct CanonicalQuery
{
    private readonly byte[]? _bytes;
    private readonly QueryParameter[]? _parameters;
    private readonly int _count;

    private CanonicalQuery(byte[] bytes, QueryParameter[] parameters, int count)
    {
        _bytes = bytes;
        _parameters = parameters;
        _count = count;
    }

    /// <summary>Parses the raw query (without the leading '?').</summary>
    public static CanonicalQuery Parse(ReadOnlySpan<char> rawQuery)
    {
        if (rawQuery.IsEmpty)
        {
            return default;
        }

        var parameters = ArrayPool<QueryParameter>.Shared.Rent(rawQuery.Count('&') + 1);
        var bytes = ArrayPool<byte>.Shared.Rent(checked(rawQuery.Length * SigV4Encoding.MaxEncodedBytesPerChar));
        var count = 0;
        var written = 0;
        foreach (var range in rawQuery.Split('&'))
        {
            var segment = rawQuery[range];
            if (segment.IsEmpty)
            {
                continue;
            }

            var equals = segment.IndexOf('=');
            var name = equals < 0 ? segment : segment[..equals];
            var value = equals < 0 ? [] : segment[(equals + 1)..];
            var nameStart = written;
            written += SigV4Encoding.EncodeComponent(name, bytes.AsSpan(written), keepSlash: false, plusIsSpace: true);
            var valueStart = written;
            written += SigV4Encoding.EncodeComponent(value, bytes.AsSpan(written), keepSlash: false, plusIsSpace: true);
            parameters[count++] = new QueryParameter(nameStart, valueStart - nameStart, valueStart, written - valueStart);
        }

        parameters.AsSpan(0, count).Sort(new QueryParameterComparer(bytes));
        return new CanonicalQuery(bytes, parameters, count);
    }

    /// <summary>Whether a parameter with this (canonically encoded) name is present.</summary>
    public bool Contains(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _count; i++)
        {
            if (Name(i).SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Finds the single parameter named <paramref name="name"/> and decodes its value.
    /// </summary>
    /// <returns>The number of parameters with that name (0, 1, or more when repeated).</returns>
    public int TryGetValue(ReadOnlySpan<byte> name, out string? value)
    {
        value = null;
        var found = 0;
        for (var i = 0; i < _count; i++)
        {
            if (Name(i).SequenceEqual(name))
            {
                found++;
                value ??= SigV4Encoding.DecodeCanonical(Value(i));
            }
        }

        return found;
    }

    /// <summary>Writes <c>name=value&amp;...</c> in canonical order, leaving out <paramref name="exclude"/> if given.</summary>
    public void WriteTo(ref ByteBuilder builder, ReadOnlySpan<byte> exclude)
    {
        var first = true;
        for (var i = 0; i < _count; i++)
        {
            var name = Name(i);
            if (!exclude.IsEmpty && name.SequenceEqual(exclude))
            {
                continue;
            }

            if (!first)
            {
                builder.Append((byte)'&');
            }

            first = false;
            builder.Append(name);
            builder.Append((byte)'=');
            builder.Append(Value(i));
        }
    }

    /// <summary>Returns the pooled arrays.</summary>
    public void Dispose()
    {
        if (_bytes is not null)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
        }

        if (_parameters is not null)
        {
            ArrayPool<QueryParameter>.Shared.Return(_parameters);
        }
    }

    private ReadOnlySpan<byte> Name(int index)
    {
        var parameter = _parameters![index];
        return _bytes.AsSpan(parameter.NameStart, parameter.NameLength);
    }

    private ReadOnlySpan<byte> Value(int index)
    {
        var parameter = _parameters![index];
        return _bytes.AsSpan(parameter.ValueStart, parameter.ValueLength);
    }
}
