using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tessera.Index;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// Renders an <see cref="IIndexStore"/> call's outcome for comparison between two stores, normalizing what legitimately
/// differs between RocksDB and etcd: <see cref="ObjectManifest.Sequence"/> (a counter there, revisions of each group
/// here, unique only per key), the generated version ids made from it (renamed <c>v#n</c> by the key and id's order of
/// first appearance in each store: two keys may share a generated id on etcd), and garbage entries (their
/// <see cref="GarbageEntry.Sequence"/> names the entry there and the batch here, and entries queued at the same instant
/// have no common order: sorted by segment).
/// </summary>
internal sealed partial class DifferentialNormalizer
{
    private readonly Dictionary<(string Key, string Id), string> _names = [];
    private readonly Dictionary<string, List<string>> _generated = new(StringComparer.Ordinal);

    /// <summary>
    /// The store's generated version ids of <paramref name="key"/> in order of first appearance (for calls that name one).
    /// Only a key's own ids are named: on etcd a generated id is unique per key, so another key's id may name a version.
    /// </summary>
    public IReadOnlyList<string> Generated(string key) => _generated.TryGetValue(key, out var ids) ? ids : [];

    public string Outcome(IIndexStore store, Func<IIndexStore, object?> step) =>
        Normalize(RemoteIndexStoreTests.Outcome(store, s => Sorted(step(s))));

    public string Normalize(string rendered)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(rendered);
        }
        catch (JsonException)
        {
            return rendered;
        }

        return Walk(node)?.ToJsonString() ?? "null";
    }

    private JsonNode? Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["Sequence"] is JsonValue)
                {
                    obj["Sequence"] = 0;
                }

                Rename(obj, "Key", "VersionId");
                Rename(obj, "NextKeyMarker", "NextVersionIdMarker");
                foreach (var property in obj.ToList())
                {
                    obj[property.Key] = Walk(property.Value?.DeepClone());
                }

                return obj;
            case JsonArray array:
                var items = array.Select(i => i?.DeepClone()).ToList();
                array.Clear();
                foreach (var item in items)
                {
                    array.Add(Walk(item));
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Length > 1 && text[0] is '{' or '[':
                // A page or a lookup rendered on its own (a list of renderings): normalize inside it.
                return JsonValue.Create(Normalize(text));
            default:
                return node;
        }
    }

    private void Rename(JsonObject obj, string keyProperty, string idProperty)
    {
        if (obj[idProperty]?.GetValue<string>() is not { } id || !GeneratedId().IsMatch(id))
        {
            return;
        }

        var key = obj[keyProperty]?.GetValue<string>() ?? "";
        if (!_names.TryGetValue((key, id), out var name))
        {
            name = "v#" + _names.Count;
            _names.Add((key, id), name);
            if (!_generated.TryGetValue(key, out var ids))
            {
                _generated[key] = ids = [];
            }

            ids.Add(id);
        }

        obj[idProperty] = name;
    }

    private static object? Sorted(object? value) => value switch
    {
        IEnumerable<GarbageEntry> list => list.Select(g => g with { Sequence = 0 }).OrderBy(g => g.Queued).ThenBy(g => g.Segment.Segment).ToList(),
        _ => value,
    };

    [GeneratedRegex("^v[0-9a-f]{16}$")]
    private static partial Regex GeneratedId();
}
