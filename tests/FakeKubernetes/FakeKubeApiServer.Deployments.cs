using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// apps/v1 Deployments as the API server stores them (spec.replicas defaulted to 1, a selector that must match the
/// template's labels, a status subresource) and their <c>scale</c> subresource: an autoscaling/v1 Scale read from the
/// Deployment, whose writes change only spec.replicas, with the Deployment's resourceVersion for optimistic concurrency.
/// No deployment controller runs: pods are not made.
/// </summary>
public sealed partial class FakeKubeApiServer
{
    public const string Deployments = "apps/deployments";

    /// <summary>Whether the API server has this subresource for this method: anything else is 404, as on a real one.</summary>
    private static bool KnownSubresource(string resource, string sub, string method) => sub switch
    {
        "status" => HasStatusSubresource(resource) && method is "GET" or "PUT" or "PATCH",
        "token" => resource == "/serviceaccounts" && method == "POST",
        "scale" => resource == Deployments && method is "GET" or "PUT" or "PATCH",
        _ => false,
    };

    private static void DefaultDeployment(JsonObject body)
    {
        if (body["spec"] is JsonObject spec && spec["replicas"] is null)
        {
            spec["replicas"] = 1L;
        }
    }

    private async Task HandleScaleAsync(HttpContext context, string ns, string name, JsonObject? body)
    {
        var deployment = Get(Deployments, ns, name);
        if (deployment is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"deployments.apps \"{name}\" not found");
            return;
        }

        if (context.Request.Method == "GET")
        {
            await WriteJsonAsync(context, 200, ScaleOf(deployment));
            return;
        }

        if (context.Request.Method == "PATCH")
        {
            if (context.Request.ContentType?.StartsWith("application/merge-patch+json", StringComparison.Ordinal) != true)
            {
                await WriteStatusAsync(context, 415, "UnsupportedMediaType", $"the fake accepts only merge patches, not {context.Request.ContentType}");
                return;
            }

            var patched = ScaleOf(deployment);
            ((JsonObject)patched["metadata"]!).Remove("resourceVersion");
            MergePatch(patched, await ReadBodyAsync(context));
            body = patched;
        }

        var replicas = body?["spec"]?["replicas"];
        if (replicas is null || replicas.GetValueKind() != System.Text.Json.JsonValueKind.Number || (long)replicas < 0)
        {
            await WriteStatusAsync(context, 422, "Invalid", $"Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: must be a number greater than or equal to 0");
            return;
        }

        JsonObject? result = null;
        lock (_lock)
        {
            if (_objects.TryGetValue((Deployments, ns, name), out var current)
                && ((string?)body!["metadata"]?["resourceVersion"] is not { Length: > 0 } rv || rv == (string?)current["metadata"]!["resourceVersion"]))
            {
                if ((long?)current["spec"]!["replicas"] != (long)replicas)
                {
                    current["spec"]!["replicas"] = (long)replicas;
                    current["metadata"]!["generation"] = ((long?)current["metadata"]!["generation"] ?? 1) + 1;
                }

                current["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                Record("MODIFIED", Deployments, ns, current);
                result = ScaleOf(current);
            }
        }

        if (result is null)
        {
            await WriteStatusAsync(context, 409, "Conflict", $"Operation cannot be fulfilled on deployments.apps \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
            return;
        }

        await WriteJsonAsync(context, 200, result);
    }

    private static JsonObject ScaleOf(JsonObject deployment)
    {
        var metadata = deployment["metadata"]!;
        var selector = deployment["spec"]?["selector"]?["matchLabels"] as JsonObject ?? [];
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata["name"]?.DeepClone(),
                ["namespace"] = metadata["namespace"]?.DeepClone(),
                ["uid"] = metadata["uid"]?.DeepClone(),
                ["resourceVersion"] = metadata["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = deployment["spec"]?["replicas"]?.DeepClone() },
            ["status"] = new JsonObject
            {
                ["replicas"] = deployment["status"]?["replicas"]?.DeepClone() ?? 0,
                ["selector"] = string.Join(",", selector.Select(kv => $"{kv.Key}={kv.Value}")),
            },
        };
    }
}

public static partial class BuiltinValidation
{
    /// <summary>replicas not negative; a selector, matching the pod template's labels.</summary>
    internal static void ValidateDeployment(JsonObject body, List<string> errors)
    {
        var spec = body["spec"] as JsonObject;
        if (spec?["replicas"] is { } replicas && (replicas.GetValueKind() != System.Text.Json.JsonValueKind.Number || (long)replicas < 0))
        {
            errors.Add("spec.replicas: Invalid value: must be greater than or equal to 0");
        }

        if (spec?["selector"]?["matchLabels"] is not JsonObject selector || selector.Count == 0)
        {
            errors.Add("spec.selector: Required value");
            return;
        }

        var labels = spec["template"]?["metadata"]?["labels"] as JsonObject;
        if (selector.Any(kv => (string?)labels?[kv.Key] != (string?)kv.Value))
        {
            errors.Add("spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`");
        }
    }
}
