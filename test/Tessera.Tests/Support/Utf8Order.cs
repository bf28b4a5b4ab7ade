using System.Text;

namespace Tessera.Tests;

/// <summary>S3's listing order: UTF-8 bytes, compared unsigned.</summary>
public sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Instance = new();

    public int Compare(string? x, string? y) =>
        Encoding.UTF8.GetBytes(x!).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y!));
}
