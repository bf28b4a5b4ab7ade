using System.Runtime.InteropServices;

namespace Tessera.Benchmarks.Erasure;

/// <summary>
/// Intel ISA-L's erasure-code API from Debian's libisal2 (libisal.so.2), the in-run baseline of the codec
/// benchmarks. Only the benchmark project binds it; bench/run-erasure.sh installs the package.
/// </summary>
internal static unsafe partial class IsaL
{
    private const string Library = "libisal.so.2";

    /// <summary>Generates ISA-L's systematic Cauchy matrix: <paramref name="rows"/> = k + m rows of k columns.</summary>
    [LibraryImport(Library, EntryPoint = "gf_gen_cauchy1_matrix")]
    public static partial void GenerateCauchyMatrix(byte* matrix, int rows, int k);

    /// <summary>Expands <paramref name="rows"/> × k coefficients into 32-byte tables per coefficient.</summary>
    [LibraryImport(Library, EntryPoint = "ec_init_tables")]
    public static partial void InitTables(int k, int rows, byte* coefficients, byte* tables);

    /// <summary>Computes <paramref name="rows"/> outputs from k inputs of <paramref name="length"/> bytes.</summary>
    [LibraryImport(Library, EntryPoint = "ec_encode_data")]
    public static partial void EncodeData(int length, int k, int rows, byte* tables, byte** data, byte** coding);

    /// <summary><see cref="EncodeData"/> on ISA-L's 16-byte SSE kernels (PSHUFB), whatever the CPU has beyond them.</summary>
    [LibraryImport(Library, EntryPoint = "ec_encode_data_sse")]
    public static partial void EncodeDataSse(int length, int k, int rows, byte* tables, byte** data, byte** coding);

    /// <summary><see cref="EncodeData"/> on ISA-L's 16-byte AVX (VEX-encoded) kernels.</summary>
    [LibraryImport(Library, EntryPoint = "ec_encode_data_avx")]
    public static partial void EncodeDataAvx(int length, int k, int rows, byte* tables, byte** data, byte** coding);

    /// <summary><see cref="EncodeData"/> on ISA-L's 32-byte AVX2 kernels.</summary>
    [LibraryImport(Library, EntryPoint = "ec_encode_data_avx2")]
    public static partial void EncodeDataAvx2(int length, int k, int rows, byte* tables, byte** data, byte** coding);

    /// <summary><see cref="EncodeData"/> on ISA-L's portable C code (one byte at a time through log/exp tables).</summary>
    [LibraryImport(Library, EntryPoint = "ec_encode_data_base")]
    public static partial void EncodeDataBase(int length, int k, int rows, byte* tables, byte** data, byte** coding);

    /// <summary>
    /// The ISA-L baselines a benchmark can name: "IsaL" is ISA-L's own dispatch (its best kernels for this CPU);
    /// the others force one kernel width, so that each Tessera path can be set against ISA-L's kernel of the same
    /// vector width (Shuffle128 against SSE, Scalar against the C code).
    /// </summary>
    public static readonly string[] Variants = ["IsaL", "IsaL-Avx2", "IsaL-Avx", "IsaL-Sse", "IsaL-Base"];

    /// <summary>The encode entry point of a variant in <see cref="Variants"/>.</summary>
    public static delegate*<int, int, int, byte*, byte**, byte**, void> Encoder(string variant) => variant switch
    {
        "IsaL" => &EncodeData,
        "IsaL-Avx2" => &EncodeDataAvx2,
        "IsaL-Avx" => &EncodeDataAvx,
        "IsaL-Sse" => &EncodeDataSse,
        "IsaL-Base" => &EncodeDataBase,
        _ => throw new ArgumentException($"unknown ISA-L variant {variant}", nameof(variant)),
    };

    /// <summary>
    /// The ISA-L kernel of the same vector width as a Tessera path: SSE for the 16-byte shuffle, the C code for
    /// the scalar path, ISA-L's own best for the 32- and 64-byte paths.
    /// </summary>
    public static string SameWidthAs(string path) => path switch
    {
        "Shuffle128" => "IsaL-Sse",
        "Scalar" => "IsaL-Base",
        "Shuffle256" => "IsaL-Avx2",
        _ => "IsaL",
    };

    /// <summary>Inverts an n × n matrix; returns non-zero when singular.</summary>
    [LibraryImport(Library, EntryPoint = "gf_invert_matrix")]
    public static partial int InvertMatrix(byte* input, byte* output, int n);

    /// <summary>True when the library loads on this machine.</summary>
    public static bool IsAvailable()
    {
        if (!NativeLibrary.TryLoad(Library, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>
    /// Prepares ISA-L's tables for rebuilding <paramref name="lost"/> shards from the first k survivors, the way
    /// ISA-L's own erasure example does; returns the survivor indices in order.
    /// </summary>
    public static int[] PrepareDecode(byte[] encodeMatrix, int k, int m, int[] lost, byte* tables)
    {
        var n = k + m;
        var survivors = Enumerable.Range(0, n).Where(i => !lost.Contains(i)).Take(k).ToArray();
        var sub = new byte[k * k];
        var inverse = new byte[k * k];
        for (var r = 0; r < k; r++)
        {
            Array.Copy(encodeMatrix, survivors[r] * k, sub, r * k, k);
        }

        fixed (byte* s = sub, inv = inverse)
        {
            if (InvertMatrix(s, inv, k) != 0)
            {
                throw new InvalidOperationException("ISA-L: singular decode matrix");
            }
        }

        var decode = new byte[lost.Length * k];
        for (var t = 0; t < lost.Length; t++)
        {
            var i = lost[t];
            for (var j = 0; j < k; j++)
            {
                if (i < k)
                {
                    decode[(t * k) + j] = inverse[(i * k) + j];
                }
                else
                {
                    byte sum = 0;
                    for (var l = 0; l < k; l++)
                    {
                        sum ^= Tessera.Erasure.GaloisField.Multiply(encodeMatrix[(i * k) + l], inverse[(l * k) + j]);
                    }

                    decode[(t * k) + j] = sum;
                }
            }
        }

        fixed (byte* d = decode)
        {
            InitTables(k, lost.Length, d, tables);
        }

        return survivors;
    }
}
