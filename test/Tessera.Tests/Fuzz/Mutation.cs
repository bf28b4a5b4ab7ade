using CsCheck;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// One byte-level edit of a seed input, the way a mutational fuzzer makes them: flip or set a byte, insert random
/// bytes or a token from the target's dictionary (once or many times over), delete or duplicate a range, truncate.
/// Positions are taken modulo the input's length, so any edit applies to any input.
/// </summary>
/// <param name="Kind">Which edit.</param>
/// <param name="Position">Where (modulo the length).</param>
/// <param name="Length">How many bytes a range edit spans, or how many random bytes to insert.</param>
/// <param name="Value">The byte for flips and sets, and the seed of inserted random bytes.</param>
/// <param name="Token">Which dictionary token (modulo the dictionary's size).</param>
/// <param name="Repeat">How many times a repeated token is inserted.</param>
internal readonly record struct Mutation(int Kind, int Position, int Length, byte Value, int Token, int Repeat)
{
    /// <summary>The number of edit kinds.</summary>
    private const int Kinds = 9;

    /// <summary>Any edit; repeats up to <paramref name="maxRepeat"/> (deep nesting, huge attribute lists).</summary>
    public static Gen<Mutation> Gen(int maxRepeat = 2_000) =>
        CsCheck.Gen.Select(
            CsCheck.Gen.Int[0, Kinds - 1],
            CsCheck.Gen.Int[0, int.MaxValue],
            CsCheck.Gen.Frequency((8, CsCheck.Gen.Int[1, 16]), (1, CsCheck.Gen.Int[17, 5_000])),
            CsCheck.Gen.Byte,
            CsCheck.Gen.Int[0, int.MaxValue],
            CsCheck.Gen.Frequency((6, CsCheck.Gen.Int[2, 8]), (1, CsCheck.Gen.Int[2, Math.Max(2, maxRepeat)])),
            (kind, position, length, value, token, repeat) => new Mutation(kind, position, length, value, token, repeat));

    /// <summary>Applies <paramref name="mutations"/> in order to a copy of <paramref name="seed"/>.</summary>
    public static byte[] Apply(byte[] seed, IReadOnlyList<Mutation> mutations, IReadOnlyList<byte[]> dictionary)
    {
        var bytes = new List<byte>(seed);
        foreach (var mutation in mutations)
        {
            mutation.ApplyTo(bytes, dictionary);
        }

        return [.. bytes];
    }

    private void ApplyTo(List<byte> bytes, IReadOnlyList<byte[]> dictionary)
    {
        var at = bytes.Count == 0 ? 0 : Position % bytes.Count;
        var end = Math.Min(bytes.Count, at + Length);
        switch (Kind)
        {
            case 0 when bytes.Count > 0:
                bytes[at] ^= (byte)(Value == 0 ? 1 : Value);
                break;
            case 1 when bytes.Count > 0:
                bytes[at] = Value;
                break;
            case 2:
                var random = new Random(Value + (Token * 256));
                var inserted = new byte[Math.Min(Length, 64)];
                random.NextBytes(inserted);
                bytes.InsertRange(at, inserted);
                break;
            case 3:
                bytes.RemoveRange(at, end - at);
                break;
            case 4 or 5 when dictionary.Count > 0:
                bytes.InsertRange(Kind == 4 ? at : bytes.Count == 0 ? 0 : Position % (bytes.Count + 1), dictionary[Token % dictionary.Count]);
                break;
            case 6 when dictionary.Count > 0:
                var token = dictionary[Token % dictionary.Count];
                var repeated = new byte[token.Length * Repeat];
                for (var i = 0; i < Repeat; i++)
                {
                    token.CopyTo(repeated, i * token.Length);
                }

                bytes.InsertRange(at, repeated);
                break;
            case 7:
                bytes.InsertRange(end, bytes.GetRange(at, end - at));
                break;
            case 8 when bytes.Count > 0:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
        }
    }
}
