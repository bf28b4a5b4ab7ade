using System.Buffers;
using System.Runtime.CompilerServices;

namespace Tessera.Erasure;

/// <summary>
/// Pins up to 256 <see cref="Memory{T}"/> shards for the duration of a codec call and records their addresses,
/// without touching the GC heap: handles and addresses live in inline arrays on the caller's stack.
/// </summary>
internal ref struct ShardPins
{
    private HandleArray _handles;
    private PointerArray _pointers;
    private int _count;

    /// <summary>Pins <paramref name="memory"/> and returns its index in <see cref="Pointers"/>.</summary>
    public int Add(ReadOnlyMemory<byte> memory)
    {
        var handle = memory.Pin();
        _handles[_count] = handle;
        unsafe
        {
            _pointers[_count] = (nint)handle.Pointer;
        }

        return _count++;
    }

    /// <summary>Addresses of the pinned shards, in the order they were added.</summary>
    public unsafe byte** Pointers => (byte**)Unsafe.AsPointer(ref _pointers[0]);

    /// <summary>Releases every pin.</summary>
    public void Dispose()
    {
        for (var i = 0; i < _count; i++)
        {
            _handles[i].Dispose();
        }

        _count = 0;
    }

    [InlineArray(ReedSolomon.MaxTotalShards)]
    private struct HandleArray
    {
        private MemoryHandle _element;
    }

    [InlineArray(ReedSolomon.MaxTotalShards)]
    private struct PointerArray
    {
        private nint _element;
    }
}
