using System.Text.Json.Serialization;

namespace Tessera.Index;

/// <summary>Source-generated JSON for the index's small auxiliary records (the hot records have their own binary encoding).</summary>
[JsonSerializable(typeof(CompletedUpload))]
internal sealed partial class IndexJson : JsonSerializerContext;
