using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// Services as the API server validates and defaults them (a controller reports what users deploy, so it meets all
/// kinds), and lists and watches of a namespaced kind across namespaces (<c>GET /api/v1/services</c>), which RBAC grants
/// only through a ClusterRoleBinding.
/// </summary>
public sealed partial class FakeKubeApiServer
{
    /// <summary>The namespace of a request across all namespaces (never a real namespace's name: not a DNS label).</summary>
    private const string AllNamespaces = "*";

    private long _clusterIps;

    private static bool InNamespace(string objectNamespace, string requested) => requested == AllNamespaces || objectNamespace == requested;

    private static (string Resource, string Namespace, string? Name, string? Sub)? ParseAcrossNamespaces(string[] parts) =>
        parts is ["api", "v1", var plural] && plural != "namespaces" && Kinds.ContainsKey("/" + plural)
            ? ("/" + plural, AllNamespaces, null, null)
            : null;

    /// <summary>What the API server fills in: the type, each port's protocol and target port, a cluster IP (none for ExternalName or headless).</summary>
    private void DefaultService(JsonObject body)
    {
        var spec = body["spec"] as JsonObject ?? [];
        body["spec"] = spec;
        spec["type"] ??= "ClusterIP";
        foreach (var port in spec["ports"]?.AsArray() ?? [])
        {
            port!["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
        }

        if ((string?)spec["type"] != "ExternalName" && (string?)spec["clusterIP"] is null or "")
        {
            var n = Interlocked.Increment(ref _clusterIps);
            spec["clusterIP"] = $"10.96.{n / 250}.{(n % 250) + 1}";
            spec["clusterIPs"] = new JsonArray((string)spec["clusterIP"]!);
        }

        body["status"] ??= new JsonObject { ["loadBalancer"] = new JsonObject() };
    }
}

public static partial class BuiltinValidation
{
    private static readonly string[] ServiceTypes = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    private static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];

    /// <summary>The Service rules of the API server's validation that users trip over.</summary>
    private static void ValidateService(JsonObject body, List<string> errors)
    {
        var spec = body["spec"] as JsonObject;
        var type = (string?)spec?["type"] ?? "ClusterIP";
        if (!ServiceTypes.Contains(type))
        {
            errors.Add($"spec.type: Unsupported value: \"{type}\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
            return;
        }

        var ports = spec?["ports"]?.AsArray() ?? [];
        if (type == "ExternalName")
        {
            var external = (string?)spec?["externalName"] ?? "";
            if (external.Length == 0)
            {
                errors.Add("spec.externalName: Required value");
            }
            else if (external.TrimEnd('.').Length > 253 || !Dns1123Subdomain().IsMatch(external.TrimEnd('.')))
            {
                errors.Add($"spec.externalName: Invalid value: \"{external}\": must be a DNS-1123 subdomain");
            }

            if ((string?)spec?["clusterIP"] is { Length: > 0 } ip)
            {
                errors.Add($"spec.clusterIP: Invalid value: \"{ip}\": may not be set for ExternalName services");
            }
        }
        else if (ports.Count == 0 && (string?)spec?["clusterIP"] != "None")
        {
            errors.Add("spec.ports: Required value");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i]!;
            var name = (string?)port["name"] ?? "";
            if (ports.Count > 1 && name.Length == 0)
            {
                errors.Add($"spec.ports[{i}].name: Required value");
            }
            else if (name.Length > 0 && (name.Length > 15 || !PortName().IsMatch(name) || !name.Any(char.IsAsciiLetterLower)))
            {
                errors.Add($"spec.ports[{i}].name: Invalid value: \"{name}\": must be no more than 15 characters, lower case alphanumeric or '-', with at least one letter");
            }
            else if (name.Length > 0 && !names.Add(name))
            {
                errors.Add($"spec.ports[{i}].name: Duplicate value: \"{name}\"");
            }

            var number = port["port"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;
            if (number is < 1 or > 65535)
            {
                errors.Add($"spec.ports[{i}].port: Invalid value: {number}: must be between 1 and 65535, inclusive");
            }

            var protocol = (string?)port["protocol"] ?? "TCP";
            if (!Protocols.Contains(protocol))
            {
                errors.Add($"spec.ports[{i}].protocol: Unsupported value: \"{protocol}\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
            }
            else if (!numbers.Add($"{number}/{protocol}"))
            {
                errors.Add($"spec.ports[{i}]: Duplicate value: {{port: {number}, protocol: {protocol}}}");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex PortName();
}
