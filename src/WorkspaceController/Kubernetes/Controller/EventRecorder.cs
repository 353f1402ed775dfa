using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>Kubernetes Events on a Workspace (<c>kubectl describe workspace</c> shows them). Best effort: a failed event never fails a reconcile.</summary>
public sealed partial class EventRecorder(IKubernetes client, TimeProvider timeProvider, ILogger<EventRecorder> logger)
{
    public const string Component = "workspaces-controller";

    public async Task RecordAsync(WorkspaceResource workspace, string type, string reason, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var ns = workspace.Metadata.NamespaceProperty;
        var body = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = $"{workspace.Metadata.Name}.{now.Ticks:x}{Random.Shared.Next(0x1000):x3}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = workspace.ApiVersion,
                Kind = workspace.Kind,
                Name = workspace.Metadata.Name,
                NamespaceProperty = ns,
                Uid = workspace.Metadata.Uid,
                ResourceVersion = workspace.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = Environment.MachineName,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(body, ns, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogEventFailed(e, reason, workspace.Metadata.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording event {Reason} on workspace {WorkspaceName} failed")]
    private partial void LogEventFailed(Exception exception, string reason, string workspaceName);
}
