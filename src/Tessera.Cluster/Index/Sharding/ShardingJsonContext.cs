using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>JSON of the range directory's records (byte arrays as base64).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GroupRecord))]
[JsonSerializable(typeof(RangeRecord))]
public sealed partial class ShardingJsonContext : JsonSerializerContext;
