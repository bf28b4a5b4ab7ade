using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Tessera.Erasure;

/// <summary>The multiply-accumulate kernels a codec can run on. Every path produces identical bytes.</summary>
public enum CodecPath
{
    /// <summary>Byte at a time through the 64 KiB product table. Runs everywhere.</summary>
    Scalar,

    /// <summary>Split-nibble table lookup on 16-byte vectors (SSSE3 PSHUFB, Arm AdvSimd TBL).</summary>
    Shuffle128,

    /// <summary>Split-nibble table lookup on 32-byte vectors (AVX2 VPSHUFB).</summary>
    Shuffle256,

    /// <summary>GF2P8AFFINEQB on 32-byte vectors (GFNI with AVX).</summary>
    Gfni256,

    /// <summary>GF2P8AFFINEQB on 64-byte vectors (GFNI with AVX-512).</summary>
    Gfni512,
}

/// <summary>Which <see cref="CodecPath"/> values this process can run, decided once from the CPU's features.</summary>
public static class CodecPaths
{
    /// <summary>The fastest path this CPU supports; what <see cref="ReedSolomon"/> uses unless told otherwise.</summary>
    public static CodecPath Best { get; } = DetectBest();

    /// <summary>Returns true when this CPU and runtime can execute <paramref name="path"/>.</summary>
    public static bool IsSupported(CodecPath path) => path switch
    {
        CodecPath.Scalar => true,
        CodecPath.Shuffle128 => Ssse3.IsSupported || AdvSimd.Arm64.IsSupported,
        CodecPath.Shuffle256 => Avx2.IsSupported,
        CodecPath.Gfni256 => Gfni.V256.IsSupported,
        CodecPath.Gfni512 => Gfni.V512.IsSupported,
        _ => false,
    };

    /// <summary>Every path this CPU supports, slowest first.</summary>
    public static IReadOnlyList<CodecPath> Supported { get; } =
        Enum.GetValues<CodecPath>().Where(IsSupported).ToArray();

    /// <summary>The vector width in bytes of a path; shards shorter than it run on the scalar kernel.</summary>
    internal static int Width(CodecPath path) => path switch
    {
        CodecPath.Shuffle128 => 16,
        CodecPath.Shuffle256 or CodecPath.Gfni256 => 32,
        CodecPath.Gfni512 => 64,
        _ => 1,
    };

    private static CodecPath DetectBest()
    {
        var env = Environment.GetEnvironmentVariable("TESSERA_CODEC_PATH");
        if (env is not null && Enum.TryParse<CodecPath>(env, ignoreCase: true, out var forced) && IsSupported(forced))
        {
            return forced;
        }

        foreach (var path in new[] { CodecPath.Gfni512, CodecPath.Gfni256, CodecPath.Shuffle256, CodecPath.Shuffle128 })
        {
            if (IsSupported(path))
            {
                return path;
            }
        }

        return CodecPath.Scalar;
    }
}
