using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// The part of the API server's structural-schema validation a CRD like ours uses: type, required, properties (unknown
/// fields are pruned by the server, so here they are errors, to catch typos), enum, pattern, min/max length and value,
/// maxItems, items, format date-time.
/// </summary>
public sealed class SchemaValidator(JsonNode schema)
{
    public static SchemaValidator FromCrd(JsonNode crd, string version = "v1alpha1")
    {
        var versions = crd["spec"]!["versions"]!.AsArray();
        var v = versions.First(x => (string?)x!["name"] == version)!;
        return new SchemaValidator(v["schema"]!["openAPIV3Schema"]!);
    }

    public IReadOnlyList<string> Validate(JsonNode? value)
    {
        var errors = new List<string>();
        Check(schema, value, "", errors, isRoot: true);
        return errors;
    }

    private static void Check(JsonNode schema, JsonNode? value, string path, List<string> errors, bool isRoot = false)
    {
        if (value is null)
        {
            return;
        }

        var type = (string?)schema["type"];
        switch (type)
        {
            case "object":
                if (value is not JsonObject obj)
                {
                    errors.Add($"{path}: must be an object");
                    return;
                }

                foreach (var required in schema["required"]?.AsArray() ?? [])
                {
                    if (!obj.ContainsKey((string)required!))
                    {
                        errors.Add($"{path}.{required}: Required value");
                    }
                }

                if (schema["properties"] is JsonObject props)
                {
                    foreach (var (key, child) in obj)
                    {
                        if (props[key] is { } childSchema)
                        {
                            Check(childSchema, child, $"{path}.{key}", errors);
                        }
                        else if (!(isRoot && key == "metadata") && path != ".metadata")
                        {
                            errors.Add($"{path}.{key}: unknown field");
                        }
                    }
                }

                break;
            case "array":
                if (value is not JsonArray arr)
                {
                    errors.Add($"{path}: must be an array");
                    return;
                }

                if (schema["maxItems"] is { } maxItems && arr.Count > (long)maxItems)
                {
                    errors.Add($"{path}: at most {maxItems} items");
                }

                for (var i = 0; i < arr.Count; i++)
                {
                    Check(schema["items"]!, arr[i], $"{path}[{i}]", errors);
                }

                break;
            case "string":
                if (value.GetValueKind() != JsonValueKind.String)
                {
                    errors.Add($"{path}: must be a string");
                    return;
                }

                var s = (string)value!;
                if (schema["minLength"] is { } min && s.Length < (long)min)
                {
                    errors.Add($"{path}: at least {min} characters");
                }

                if (schema["maxLength"] is { } max && s.Length > (long)max)
                {
                    errors.Add($"{path}: at most {max} characters");
                }

                if (schema["pattern"] is { } pattern && !Regex.IsMatch(s, (string)pattern!))
                {
                    errors.Add($"{path}: must match {pattern}");
                }

                if ((string?)schema["format"] == "date-time" && !DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{path}: must be a date-time");
                }

                CheckEnum(schema, s, path, errors);
                break;
            case "integer":
                if (value.GetValueKind() != JsonValueKind.Number || !long.TryParse(value.ToJsonString(), out var n))
                {
                    errors.Add($"{path}: must be an integer");
                    return;
                }

                if (schema["minimum"] is { } minimum && n < (long)minimum)
                {
                    errors.Add($"{path}: must be at least {minimum}");
                }

                if (schema["maximum"] is { } maximum && n > (long)maximum)
                {
                    errors.Add($"{path}: must be at most {maximum}");
                }

                break;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{path}: must be a boolean");
                }

                break;
        }
    }

    private static void CheckEnum(JsonNode schema, string value, string path, List<string> errors)
    {
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => (string?)a == value))
        {
            errors.Add($"{path}: Unsupported value \"{value}\": supported values: {string.Join(", ", allowed.Select(a => (string?)a))}");
        }
    }
}
