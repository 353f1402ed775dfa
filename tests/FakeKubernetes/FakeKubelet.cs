using System.Text.Json.Nodes;

namespace Workspaces.FakeKubernetes;

/// <summary>The node of the fake cluster: starts pods (scheduled, init containers done, agent ready), and on request crashes or evicts them.</summary>
public sealed class FakeKubelet(FakeKubeApiServer server)
{
    private int _nextIp = 10;

    /// <summary>False: new pods stay Pending until <see cref="Start"/>.</summary>
    public bool AutoStart { get; set; } = true;

    public TimeSpan StartDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a gracefully deleted pod stays (with its deletionTimestamp) before it is gone; zero: at once.</summary>
    public TimeSpan TerminationDelay { get; set; }

    internal void PodCreated(string ns, string name)
    {
        if (!AutoStart)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(StartDelay);
            // A volume waiting for its snapshot is provisioned once the snapshot is ready, as the provisioner retries.
            for (var attempt = 0; !Start(ns, name) && attempt < 300 && server.Get("/pods", ns, name) is { } pod && server.UnprovisionableVolume(ns, pod) is not null; attempt++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        });
    }

    /// <summary>
    /// Starts the pod, unless a Secret it mounts is missing (Pending with CreateContainerConfigError) or a volume cannot be
    /// provisioned yet (Pending, unschedulable): false then.
    /// </summary>
    public bool Start(string ns, string name)
    {
        var pod = server.Get("/pods", ns, name);
        var missing = (pod?["spec"]?["volumes"]?.AsArray() ?? [])
            .Select(v => (string?)v?["secret"]?["secretName"])
            .FirstOrDefault(secret => secret is not null && server.Get("/secrets", ns, secret) is null);
        if (missing is not null)
        {
            server.Mutate("/pods", ns, name, p =>
            {
                var now = FakeKubeApiServer.Now();
                p["status"] = new JsonObject
                {
                    ["phase"] = "Pending",
                    ["conditions"] = new JsonArray(Condition("PodScheduled", now), Condition("PodReadyToStartContainers", now)),
                    ["containerStatuses"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "workspace",
                        ["ready"] = false,
                        ["restartCount"] = 0,
                        ["image"] = "x",
                        ["imageID"] = "",
                        ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CreateContainerConfigError", ["message"] = $"secret \"{missing}\" not found" } },
                    }),
                };
            });
            return false;
        }

        if (pod is not null && server.UnprovisionableVolume(ns, pod) is { } unprovisionable)
        {
            // Unschedulable until its volume can be provisioned (a snapshot that is not ready yet); a later Start retries.
            server.Mutate("/pods", ns, name, p => p["status"] = new JsonObject
            {
                ["phase"] = "Pending",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "False", ["reason"] = "Unschedulable", ["message"] = unprovisionable }),
            });
            return false;
        }

        if (pod is not null)
        {
            server.BindVolumes(ns, pod);
        }

        StartRunning(ns, name);
        return true;
    }

    private void StartRunning(string ns, string name)
    {
        var ip = $"10.42.0.{Interlocked.Increment(ref _nextIp) % 250}";
        server.Mutate("/pods", ns, name, pod =>
        {
            var now = FakeKubeApiServer.Now();
            pod["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["podIP"] = ip,
                ["startTime"] = now,
                ["conditions"] = new JsonArray(
                    Condition("PodScheduled", now),
                    Condition("Initialized", now),
                    Condition("ContainersReady", now),
                    Condition("Ready", now)),
                ["initContainerStatuses"] = new JsonArray(Terminated("install-agent", 0, "Completed", now), Terminated("clone", 0, "Completed", now)),
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = "workspace",
                    ["ready"] = true,
                    ["restartCount"] = 0,
                    ["image"] = "x",
                    ["imageID"] = "x",
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                }),
            };
        });
    }

    /// <summary>Scheduled, volume mounted, the agent copied in; the clone init container runs.</summary>
    public void Cloning(string ns, string name)
    {
        server.Mutate("/pods", ns, name, pod =>
        {
            var now = FakeKubeApiServer.Now();
            pod["status"] = new JsonObject
            {
                ["phase"] = "Pending",
                ["podIP"] = "10.42.1.1",
                ["conditions"] = new JsonArray(Condition("PodScheduled", now), Condition("PodReadyToStartContainers", now)),
                ["initContainerStatuses"] = new JsonArray(
                    Terminated("install-agent", 0, "Completed", now),
                    new JsonObject
                    {
                        ["name"] = "clone",
                        ["ready"] = false,
                        ["restartCount"] = 0,
                        ["image"] = "x",
                        ["imageID"] = "x",
                        ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                    }),
            };
        });
    }

    /// <summary>An init container exits non-zero: with restartPolicy Never the pod ends Failed before the workspace container starts.</summary>
    public void InitContainerFails(string ns, string name, string container, int exitCode, string message)
    {
        server.Mutate("/pods", ns, name, pod =>
        {
            var now = FakeKubeApiServer.Now();
            var failed = Terminated(container, exitCode, "Error", now);
            failed["state"]!["terminated"]!["message"] = message;
            pod["status"] = new JsonObject
            {
                ["phase"] = "Failed",
                ["conditions"] = new JsonArray(Condition("PodScheduled", now)),
                ["initContainerStatuses"] = new JsonArray(Terminated("install-agent", 0, "Completed", now), failed),
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = "workspace",
                    ["ready"] = false,
                    ["restartCount"] = 0,
                    ["image"] = "x",
                    ["imageID"] = "",
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "PodInitializing" } },
                }),
            };
        });
    }

    /// <summary>
    /// The node goes away: the node controller marks the pod's Ready condition Unknown and, after the taint's grace,
    /// evicts it. Nobody runs the pod's termination any more, so it stays with its deletionTimestamp until force-deleted.
    /// </summary>
    public void NodeLost(string ns, string name)
    {
        server.Mutate("/pods", ns, name, pod =>
        {
            var now = FakeKubeApiServer.Now();
            foreach (var condition in pod["status"]?["conditions"]?.AsArray() ?? [])
            {
                if ((string?)condition!["type"] == "Ready")
                {
                    condition["status"] = "Unknown";
                    condition["reason"] = "NodeLost";
                    condition["lastTransitionTime"] = now;
                }
            }

            pod["metadata"]!["deletionTimestamp"] = now;
            pod["metadata"]!["deletionGracePeriodSeconds"] = 30;
        });
        server.Unreachable(ns, name);
    }

    /// <summary>The agent process exits: with restartPolicy Never the pod ends Failed.</summary>
    public void Crash(string ns, string name, int exitCode = 137, string reason = "OOMKilled")
    {
        server.Mutate("/pods", ns, name, pod =>
        {
            var now = FakeKubeApiServer.Now();
            pod["status"]!["phase"] = "Failed";
            pod["status"]!["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = "workspace",
                ["ready"] = false,
                ["restartCount"] = 0,
                ["image"] = "x",
                ["imageID"] = "x",
                ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["reason"] = reason, ["startedAt"] = now, ["finishedAt"] = now } },
            });
        });
    }

    /// <summary>The readiness probe fails (or passes again) on a running pod, as a few missed probes under CPU throttling do.</summary>
    public void SetReady(string ns, string name, bool ready)
    {
        server.Mutate("/pods", ns, name, pod =>
        {
            var now = FakeKubeApiServer.Now();
            var value = ready ? "True" : "False";
            foreach (var condition in pod["status"]?["conditions"]?.AsArray() ?? [])
            {
                if ((string?)condition!["type"] is "Ready" or "ContainersReady")
                {
                    condition["status"] = value;
                    condition["lastTransitionTime"] = now;
                }
            }

            foreach (var container in pod["status"]?["containerStatuses"]?.AsArray() ?? [])
            {
                container!["ready"] = ready;
            }
        });
    }

    public void Evict(string ns, string name)
    {
        server.Mutate("/pods", ns, name, pod =>
        {
            pod["status"]!["phase"] = "Failed";
            pod["status"]!["reason"] = "Evicted";
            pod["status"]!["message"] = "The node was low on resource: memory.";
        });
    }

    private static JsonObject Condition(string type, string at) => new() { ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = at };

    private static JsonObject Terminated(string name, int code, string reason, string at) => new()
    {
        ["name"] = name,
        ["ready"] = false,
        ["restartCount"] = 0,
        ["image"] = "x",
        ["imageID"] = "x",
        ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = code, ["reason"] = reason, ["startedAt"] = at, ["finishedAt"] = at } },
    };
}
