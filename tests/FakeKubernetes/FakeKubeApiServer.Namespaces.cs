using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// Namespaces as the API server and its namespace controller treat them: a deleted namespace turns Terminating, refuses
/// new content, has its objects deleted (an object with finalizers stays, marked, and holds the namespace with a
/// condition saying so) and goes once it is empty and has no finalizers of its own. ResourceQuotas get their status.hard.
/// </summary>
public sealed partial class FakeKubeApiServer
{
    private static void DefaultNamespacedKinds(string resource, string name, JsonObject body)
    {
        switch (resource)
        {
            case "/namespaces":
                var labels = body["metadata"]!["labels"] as JsonObject ?? [];
                body["metadata"]!["labels"] = labels;
                labels["kubernetes.io/metadata.name"] = name;
                body["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case Deployments:
                DefaultDeployment(body);
                break;
            case "/resourcequotas":
                // The quota controller's work: what is allowed, and nothing used yet (tests set status.used with Mutate).
                body["status"] = new JsonObject { ["hard"] = body["spec"]?["hard"]?.DeepClone(), ["used"] = new JsonObject() };
                break;
        }
    }

    private string? TerminatingNamespace(string ns)
    {
        var found = ns.Length == 0 ? null : Get("/namespaces", "", ns);
        return found?["metadata"]?["deletionTimestamp"] is null ? null
            : $"unable to create new content in namespace {ns} because it is being terminated";
    }

    private async Task DeleteNamespaceAsync(HttpContext context, string name)
    {
        JsonObject? result = null;
        lock (_lock)
        {
            if (_objects.TryGetValue(("/namespaces", "", name), out var current))
            {
                if (current["metadata"]!["deletionTimestamp"] is null)
                {
                    current["metadata"]!["deletionTimestamp"] = Now();
                    current["status"] = new JsonObject { ["phase"] = "Terminating" };
                    current["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                    Record("MODIFIED", "/namespaces", "", current);
                }

                result = (JsonObject)current.DeepClone();
            }
        }

        if (result is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"namespaces \"{name}\" not found");
            return;
        }

        await WriteJsonAsync(context, 200, result);
    }

    private async Task RunNamespaceControllerAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            SweepTerminatingNamespaces();
            await Task.Delay(TimeSpan.FromMilliseconds(50), _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void SweepTerminatingNamespaces()
    {
        lock (_lock)
        {
            var terminating = _objects.Where(kv => kv.Key.Resource == "/namespaces" && kv.Value["metadata"]!["deletionTimestamp"] is not null).Select(kv => kv.Key.Name).ToList();
            foreach (var ns in terminating)
            {
                var held = new List<string>();
                foreach (var key in _objects.Keys.Where(k => k.Namespace == ns && k.Resource != "/namespaces").ToList())
                {
                    var current = _objects[key];
                    var finalizers = current["metadata"]!["finalizers"]?.AsArray().Select(f => (string)f!).ToList() ?? [];
                    if (finalizers.Count > 0)
                    {
                        held.AddRange(finalizers);
                        if (current["metadata"]!["deletionTimestamp"] is null)
                        {
                            current["metadata"]!["deletionTimestamp"] = Now();
                            current["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                            Record("MODIFIED", key.Resource, ns, current);
                        }

                        continue;
                    }

                    _objects.Remove(key);
                    current["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                    Record("DELETED", key.Resource, ns, current);
                }

                var namespaceObject = _objects[("/namespaces", "", ns)];
                if (held.Count > 0)
                {
                    var message = $"Some content in the namespace has finalizers remaining: {string.Join(", ", held.Distinct())} in {held.Count} resource instances";
                    if ((string?)namespaceObject["status"]?["conditions"]?[0]?["message"] != message)
                    {
                        namespaceObject["status"] = new JsonObject
                        {
                            ["phase"] = "Terminating",
                            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "NamespaceFinalizersRemaining", ["status"] = "True", ["reason"] = "SomeFinalizersRemain", ["message"] = message }),
                        };
                        namespaceObject["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                        Record("MODIFIED", "/namespaces", "", namespaceObject);
                    }

                    continue;
                }

                if ((namespaceObject["metadata"]!["finalizers"]?.AsArray().Count ?? 0) == 0)
                {
                    _objects.Remove(("/namespaces", "", ns));
                    namespaceObject["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                    Record("DELETED", "/namespaces", "", namespaceObject);
                }
            }
        }
    }
}
