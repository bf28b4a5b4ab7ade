using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tessera.Core.Buffers;

/// <summary>
/// An <see cref="ArrayPool{T}"/> for tests that finds the three ways pooled buffers go wrong (after Kestrel's
/// <c>DiagnosticMemoryPool</c>): a buffer returned twice (or never rented here), a buffer written after it was returned
/// (an I/O still filling it: the next renter would see its bytes change), and a buffer never returned. Every rent is
/// a fresh array, remembered until it comes back; a returned array is filled with a poison byte and kept, and
/// <see cref="Check"/> finds any whose poison changed. Thread-safe; slow; never for production.
/// </summary>
public sealed class DiagnosticArrayPool : ArrayPool<byte>
{
    private const byte Poison = 0xDB;

    private readonly ConcurrentDictionary<byte[], string> _rented = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentQueue<byte[]> _returned = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly bool _stacks;
    private long _rents;

    /// <summary>Creates the pool.</summary>
    /// <param name="captureStacks">Record where each buffer was rented (for the report of buffers never returned).</param>
    public DiagnosticArrayPool(bool captureStacks = false)
    {
        _stacks = captureStacks;
    }

    /// <summary>Buffers rented and not yet returned.</summary>
    public int Outstanding => _rented.Count;

    /// <summary>Buffers rented since creation.</summary>
    public long Rents => Interlocked.Read(ref _rents);

    /// <inheritdoc />
    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        var array = new byte[Math.Max(minimumLength, 16)];
        _rented[array] = _stacks ? new StackTrace(1, false).ToString() : "";
        Interlocked.Increment(ref _rents);
        return array;
    }

    /// <inheritdoc />
    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (!_rented.TryRemove(array, out _))
        {
            _errors.Enqueue($"A buffer of {array.Length} bytes was returned twice, or was never rented from this pool:{Environment.NewLine}{new StackTrace(1, false)}");
            return;
        }

        array.AsSpan().Fill(Poison);
        _returned.Enqueue(array);
    }

    /// <summary>
    /// The problems found so far: double returns, returned buffers written since (a read still filling them), and,
    /// when <paramref name="expectAllReturned"/>, buffers still rented (with where, if stacks are captured).
    /// Empty when all is well.
    /// </summary>
    public IReadOnlyList<string> Check(bool expectAllReturned)
    {
        var problems = _errors.ToList();
        foreach (var array in _returned)
        {
            var changed = array.AsSpan().IndexOfAnyExcept(Poison);
            if (changed >= 0)
            {
                problems.Add($"A buffer of {array.Length} bytes was written at offset {changed} after it was returned to the pool.");
            }
        }

        if (expectAllReturned)
        {
            foreach (var (array, stack) in _rented)
            {
                problems.Add($"A buffer of {array.Length} bytes was never returned.{(stack.Length > 0 ? Environment.NewLine + "Rented at:" + Environment.NewLine + stack : "")}");
            }
        }

        return problems;
    }
}
