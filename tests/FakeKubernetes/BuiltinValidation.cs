using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// The API server's validation and defaulting of built-in kinds that a controller trips over first: object names
/// (DNS-1035 labels for Services, DNS-1123 subdomains otherwise), label values, a pod's hostname, NetworkPolicy
/// ipBlocks (each <c>except</c> inside its <c>cidr</c>), and resource requests defaulted from limits.
/// </summary>
public static partial class BuiltinValidation
{
    public static IReadOnlyList<string> Validate(string resource, JsonObject body)
    {
        var errors = new List<string>();
        var name = (string?)body["metadata"]?["name"] ?? "";
        if (resource is "/services" or "/namespaces")
        {
            if (name.Length > 63 || !Dns1035Label().IsMatch(name))
            {
                errors.Add($"metadata.name: Invalid value: \"{name}\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character, at most 63 characters");
            }
        }
        else if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            errors.Add($"metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character, at most 253 characters");
        }

        foreach (var (key, value) in body["metadata"]?["labels"] as JsonObject ?? [])
        {
            var text = (string?)value ?? "";
            if (text.Length > 63 || !LabelValue().IsMatch(text))
            {
                errors.Add($"metadata.labels: Invalid value: \"{text}\": a label value ({key}) must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character");
            }
        }

        if (resource == "/services")
        {
            ValidateService(body, errors);
        }

        if (resource == "/pods" && (string?)body["spec"]?["hostname"] is { } hostname && (hostname.Length > 63 || !Dns1123Label().IsMatch(hostname)))
        {
            errors.Add($"spec.hostname: Invalid value: \"{hostname}\": a lowercase RFC 1123 label, at most 63 characters");
        }

        if (resource == FakeKubeApiServer.Deployments)
        {
            ValidateDeployment(body, errors);
        }

        if (resource == "networking.k8s.io/networkpolicies")
        {
            foreach (var rule in (body["spec"]?["egress"]?.AsArray() ?? []).Concat(body["spec"]?["ingress"]?.AsArray() ?? []))
            {
                foreach (var peer in (rule?["to"]?.AsArray() ?? []).Concat(rule?["from"]?.AsArray() ?? []))
                {
                    if (peer?["ipBlock"] is JsonObject block)
                    {
                        ValidateIpBlock(block, errors);
                    }
                }
            }
        }

        return errors;
    }

    /// <summary>A container's requests default to its limits for every resource it limits but does not request.</summary>
    public static void DefaultPod(JsonObject pod)
    {
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var container in pod["spec"]?[list]?.AsArray() ?? [])
            {
                if (container?["resources"]?["limits"] is not JsonObject limits)
                {
                    continue;
                }

                var resources = (JsonObject)container["resources"]!;
                var requests = resources["requests"] as JsonObject ?? [];
                resources["requests"] = requests;
                foreach (var (key, value) in limits)
                {
                    if (!requests.ContainsKey(key))
                    {
                        requests[key] = value?.DeepClone();
                    }
                }
            }
        }
    }

    private static void ValidateIpBlock(JsonObject block, List<string> errors)
    {
        var cidr = (string?)block["cidr"] ?? "";
        if (!IPNetwork.TryParse(cidr, out var network))
        {
            errors.Add($"spec.ipBlock.cidr: Invalid value: \"{cidr}\": must be a valid CIDR");
            return;
        }

        foreach (var except in block["except"]?.AsArray() ?? [])
        {
            var text = (string?)except ?? "";
            if (!IPNetwork.TryParse(text, out var inner)
                || inner.BaseAddress.AddressFamily != network.BaseAddress.AddressFamily
                || inner.PrefixLength <= network.PrefixLength
                || !network.Contains(inner.BaseAddress))
            {
                errors.Add($"spec.ipBlock.except: Invalid value: \"{text}\": must be a strict subset of `cidr` ({cidr})");
            }
        }
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}
