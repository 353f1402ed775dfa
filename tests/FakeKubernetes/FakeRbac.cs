using System.Text.Json.Nodes;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// The RBAC authorizer of the fake API server: Roles, ClusterRoles and their bindings (as a chart renders them) decide
/// whether a service account may do a verb on a resource, with 403 otherwise. Subjects are service accounts, named by
/// the bearer token <c>system:serviceaccount:{namespace}:{name}</c>; a request without a token is the cluster admin.
/// </summary>
public sealed class FakeRbac
{
    private readonly List<(string? Namespace, JsonObject Role)> _roles = [];
    private readonly List<(string? Namespace, JsonObject Binding)> _bindings = [];

    /// <summary>The Roles, ClusterRoles, RoleBindings and ClusterRoleBindings among <paramref name="manifests"/>; other kinds are ignored.</summary>
    public static FakeRbac FromManifests(IEnumerable<JsonObject> manifests, string releaseNamespace)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        var rbac = new FakeRbac();
        foreach (var doc in manifests)
        {
            var ns = (string?)doc["metadata"]?["namespace"] ?? releaseNamespace;
            switch ((string?)doc["kind"])
            {
                case "Role":
                    rbac._roles.Add((ns, doc));
                    break;
                case "ClusterRole":
                    rbac._roles.Add((null, doc));
                    break;
                case "RoleBinding":
                    rbac._bindings.Add((ns, doc));
                    break;
                case "ClusterRoleBinding":
                    rbac._bindings.Add((null, doc));
                    break;
            }
        }

        return rbac;
    }

    /// <summary>These rules plus Roles and RoleBindings stored in the API server (what controllers create at run time).</summary>
    public FakeRbac With(IEnumerable<JsonObject> stored)
    {
        var combined = new FakeRbac();
        combined._roles.AddRange(_roles);
        combined._bindings.AddRange(_bindings);
        foreach (var doc in stored)
        {
            var ns = (string?)doc["metadata"]?["namespace"];
            if ((string?)doc["kind"] == "Role")
            {
                combined._roles.Add((ns, doc));
            }
            else if ((string?)doc["kind"] == "RoleBinding")
            {
                combined._bindings.Add((ns, doc));
            }
        }

        return combined;
    }

    /// <summary>
    /// RBAC's escalation check: a Role may only be written by someone who holds all of its rules in that namespace (or may
    /// escalate), a RoleBinding only by someone who holds the referenced role's rules (or may bind it).
    /// </summary>
    public string? EscalationProblem(string user, string resource, string ns, JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        const string Rbac = "rbac.authorization.k8s.io";
        var name = (string?)body["metadata"]?["name"];
        JsonArray? rules;
        if (resource == $"{Rbac}/roles")
        {
            if (Allows(user, "escalate", Rbac, "roles", ns, name))
            {
                return null;
            }

            rules = body["rules"]?.AsArray();
        }
        else if (resource == $"{Rbac}/rolebindings")
        {
            var kind = (string?)body["roleRef"]?["kind"];
            var roleName = (string?)body["roleRef"]?["name"];
            if (Allows(user, "bind", Rbac, kind == "ClusterRole" ? "clusterroles" : "roles", ns, roleName))
            {
                return null;
            }

            var role = _roles.FirstOrDefault(r => (string?)r.Role["metadata"]!["name"] == roleName && (kind == "ClusterRole" ? r.Namespace is null : r.Namespace == ns)).Role;
            if (role is null)
            {
                return $"rolebindings.{Rbac} \"{name}\" is forbidden: user \"{user}\" may not bind {kind} \"{roleName}\", which does not exist or is not held";
            }

            rules = role["rules"]?.AsArray();
        }
        else
        {
            return null;
        }

        foreach (var rule in rules ?? [])
        {
            foreach (var group in Strings(rule!["apiGroups"]))
            {
                foreach (var r in Strings(rule["resources"]))
                {
                    foreach (var verb in Strings(rule["verbs"]))
                    {
                        if (!Allows(user, verb, group, r, ns, null))
                        {
                            return $"{resource.Split('/')[1]}.{Rbac} \"{name}\" is forbidden: user \"{user}\" is attempting to grant RBAC permissions not currently held: {{APIGroups:[\"{group}\"], Resources:[\"{r}\"], Verbs:[\"{verb}\"]}}";
                        }
                    }
                }
            }
        }

        return null;
    }

    public static string ServiceAccountToken(string ns, string name) => $"system:serviceaccount:{ns}:{name}";

    /// <summary>Whether <paramref name="user"/> may do <paramref name="verb"/> on group/resource(/subresource) in the namespace (and on the name, if any).</summary>
    public bool Allows(string user, string verb, string group, string resource, string ns, string? name)
    {
        foreach (var (bindingNs, binding) in _bindings)
        {
            if (bindingNs is not null && bindingNs != ns)
            {
                continue;
            }

            if (!(binding["subjects"]?.AsArray() ?? []).Any(s => Matches(s!, user, bindingNs)))
            {
                continue;
            }

            var roleRef = binding["roleRef"]!;
            var clusterRole = (string?)roleRef["kind"] == "ClusterRole";
            var role = _roles.FirstOrDefault(r => (string?)r.Role["metadata"]!["name"] == (string?)roleRef["name"] && (clusterRole ? r.Namespace is null : r.Namespace == bindingNs)).Role;
            if (role is not null && (role["rules"]?.AsArray() ?? []).Any(rule => Grants(rule!, verb, group, resource, name)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(JsonNode subject, string user, string? bindingNs) =>
        (string?)subject["kind"] == "ServiceAccount"
        && ServiceAccountToken((string?)subject["namespace"] ?? bindingNs ?? "", (string)subject["name"]!) == user;

    private static bool Grants(JsonNode rule, string verb, string group, string resource, string? name)
    {
        var names = Strings(rule["resourceNames"]);

        // A rule naming objects never covers a request without a name (create, list, watch), as on a real API server.
        return Covers(Strings(rule["verbs"]), verb)
            && Covers(Strings(rule["apiGroups"]), group)
            && Covers(Strings(rule["resources"]), resource)
            && (names.Count == 0 || (name is not null && names.Contains(name)));
    }

    private static bool Covers(List<string> allowed, string value) => allowed.Contains("*") || allowed.Contains(value);

    private static List<string> Strings(JsonNode? node) => [.. node?.AsArray().Select(x => (string)x!) ?? []];
}
