namespace Tessera.Tests.Fuzz;

/// <summary>
/// Writes the elements of one generated document, taking each element's text, name prefix and attributes in turn
/// from the generated lists (cycling), so that one draw of the lists decides the whole document.
/// </summary>
internal sealed class DocumentWriter(string[] texts, string[] prefixes, string[] attributes)
{
    private int _next;

    /// <summary>A text-only element.</summary>
    public string Leaf(string name) => Element(name, Pick(texts, ""));

    /// <summary>An element around <paramref name="content"/>.</summary>
    public string Element(string name, string content)
    {
        var prefix = Pick(prefixes, "");
        var attributeList = Pick(attributes, "");
        _next++;
        return $"<{prefix}{name}{attributeList}>{content}</{prefix}{name}>";
    }

    private string Pick(string[] values, string fallback) => values.Length == 0 ? fallback : values[_next % values.Length];
}
