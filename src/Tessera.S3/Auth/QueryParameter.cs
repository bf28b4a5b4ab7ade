namespace Tessera.S3.Auth;

/// <summary>Where one canonically encoded query parameter's name and value sit in <see cref="CanonicalQuery"/>'s byte buffer.</summary>
/// <param name="NameStart">Offset of the encoded name.</param>
/// <param name="NameLength">Length of the encoded name.</param>
/// <param name="ValueStart">Offset of the encoded value.</param>
/// <param name="ValueLength">Length of the encoded value.</param>
internal readonly record struct QueryParameter(int NameStart, int NameLength, int ValueStart, int ValueLength);
