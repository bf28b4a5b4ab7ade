namespace Tessera.Linearizability;

/// <summary>The operations of <see cref="SetModel"/> and <see cref="WholeSetModel"/>: the keys under a prefix as a set.</summary>
public enum SetOperation
{
    /// <summary>A PUT of the key: the element is in the set afterwards.</summary>
    Add,

    /// <summary>A DELETE of the key: the element is not in the set afterwards.</summary>
    Remove,

    /// <summary>An observation of one element: present or absent (a HEAD, or one element of a List split by <see cref="SetModel.Partition"/>).</summary>
    Contains,

    /// <summary>A listing: every element of the set at one point.</summary>
    List,
}
