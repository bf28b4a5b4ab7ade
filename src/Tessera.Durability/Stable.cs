namespace Tessera.Durability;

/// <summary>Accurate exp(x) − 1 and ln(1 + x) for tiny x (the BCL's double.ExpM1 is exp(x) − 1).</summary>
internal static class Stable
{
    /// <summary>exp(x) − 1 (Kahan's trick).</summary>
    internal static double ExpM1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        var um1 = u - 1.0;
        return um1 == -1.0 ? -1.0 : um1 * x / Math.Log(u);
    }

    /// <summary>ln(1 + x) (Goldberg's trick).</summary>
    internal static double Log1P(double x)
    {
        var u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }
}
