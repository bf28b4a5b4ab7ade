using RocksDbSharp;

namespace Tessera.Index;

/// <summary>
/// Adapts a decoder to the binding's <see cref="ISpanDeserializer{T}"/> so a point read decodes straight from the
/// value RocksDB returns. The span is only valid during the call. A missing key never reaches the decoder: the binding
/// returns <c>default</c> (null).
/// </summary>
/// <typeparam name="T">The decoded record.</typeparam>
/// <param name="decode">The decoder (a static lambda over <see cref="ManifestSerializer"/>).</param>
internal sealed class SpanDeserializer<T>(Func<ReadOnlySpan<byte>, T> decode) : ISpanDeserializer<T>
{
    /// <inheritdoc/>
    public T Deserialize(ReadOnlySpan<byte> buffer) => decode(buffer);
}
