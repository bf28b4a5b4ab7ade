namespace Tessera.Erasure.Kernels;

/// <summary>
/// A compile-time output count for the SIMD kernels. The JIT specialises a generic method per struct type argument,
/// so <c>if (TCount.Value &gt; 2)</c> folds away and each instantiation keeps exactly its accumulators in registers.
/// </summary>
internal interface IOutputCount
{
    /// <summary>How many outputs one pass computes.</summary>
    static abstract int Value { get; }
}

/// <summary>One output per pass.</summary>
internal readonly struct One : IOutputCount
{
    /// <inheritdoc/>
    public static int Value => 1;
}

/// <summary>Two outputs per pass.</summary>
internal readonly struct Two : IOutputCount
{
    /// <inheritdoc/>
    public static int Value => 2;
}

/// <summary>Three outputs per pass.</summary>
internal readonly struct Three : IOutputCount
{
    /// <inheritdoc/>
    public static int Value => 3;
}

/// <summary>Four outputs per pass.</summary>
internal readonly struct Four : IOutputCount
{
    /// <inheritdoc/>
    public static int Value => 4;
}

/// <summary>A compile-time boolean for the kernels (e.g. whether to prefetch), folded away by the JIT like <see cref="IOutputCount"/>.</summary>
internal interface IFlag
{
    /// <summary>The flag's value.</summary>
    static abstract bool Value { get; }
}

/// <summary>True.</summary>
internal readonly struct Yes : IFlag
{
    /// <inheritdoc/>
    public static bool Value => true;
}

/// <summary>False.</summary>
internal readonly struct No : IFlag
{
    /// <inheritdoc/>
    public static bool Value => false;
}

/// <summary>Five inputs per pass (column counts reuse the output-count structs up to four).</summary>
internal readonly struct Five : IOutputCount
{
    /// <inheritdoc/>
    public static int Value => 5;
}

/// <summary>Six inputs per pass.</summary>
internal readonly struct Six : IOutputCount
{
    /// <inheritdoc/>
    public static int Value => 6;
}

/// <summary>Seven inputs per pass.</summary>
internal readonly struct Seven : IOutputCount
{
    /// <inheritdoc/>
    public static int Value => 7;
}

/// <summary>Eight inputs per pass.</summary>
internal readonly struct Eight : IOutputCount
{
    /// <inheritdoc/>
    public static int Value => 8;
}
