using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tessera.Core.Buffers;

/// <summary>
/// An <see cref="ArrayPool{T}"/> for tests that finds the three ways pooled buffers go wrong (after Kestrel's
/// <c>DiagnosticMemoryPool</c>): a buffer returned twice (or never rented here), a buffer written after it was returned
/// (an I/O still filling it: the next renter would see its bytes change), and a buffer never returned. Every rent is
/// a fresh array, remembered until it comes back; a returned array is filled with a poison byte and kept a while
/// (the last <see cref="Quarantine"/> of them, so memory stays bounded): it is checked when it leaves the quarantine
/// and by <see cref="Check"/>, and any whose poison changed was written after its return. Thread-safe; slow; never
/// for production.
/// </summary>
public sealed class DiagnosticArrayPool : ArrayPool<byte>
{
    /// <summary>How many returned buffers are kept to be checked for late writes.</summary>
    public const int Quarantine = 64;

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
        while (_returned.Count > Quarantine && _returned.TryDequeue(out var oldest))
        {
            CheckPoison(oldest);
        }
    }

    /// <summary>
    /// The problems found so far: double returns, returned buffers written since (a read still filling them), and,
    /// when <paramref name="expectAllReturned"/>, buffers still rented (with where, if stacks are captured).
    /// Empty when all is well.
    /// </summary>
    public IReadOnlyList<string> Check(bool expectAllReturned)
    {
        foreach (var array in _returned)
        {
            CheckPoison(array);
        }

        var problems = _errors.Distinct().ToList();

        if (expectAllReturned)
        {
            foreach (var (array, stack) in _rented)
            {
                problems.Add($"A buffer of {array.Length} bytes was never returned.{(stack.Length > 0 ? Environment.NewLine + "Rented at:" + Environment.NewLine + stack : "")}");
            }
        }

        return problems;
    }

    private void CheckPoison(byte[] array)
    {
        var changed = array.AsSpan().IndexOfAnyExcept(Poison);
        if (changed >= 0)
        {
            _errors.Enqueue($"A buffer of {array.Length} bytes was written at offset {changed} after it was returned to the pool.");
            array.AsSpan().Fill(Poison);
        }
    }
}
