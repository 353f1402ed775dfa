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
            Start(ns, name);
        });
    }

    public void Start(string ns, string name)
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
