using System.Text.Json.Nodes;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// The WorkspaceSnapshot CRD (deploy/helm/workspaces/crds/workspacesnapshots.yaml) as a real API server applies it: its
/// structural schema (the name's pattern, the spec's fields), its CEL rules (exactly one of spec.workspace and
/// spec.adoptLegacy; an immutable spec, checked on replace), the status subresource, resourceVersions and finalizers
/// (the generic paths of <see cref="FakeKubeApiServer"/>).
/// </summary>
public sealed partial class FakeKubeApiServer
{
    public const string WorkspaceSnapshots = "workspaces.dev/workspacesnapshots";

    private string? InvalidWorkspaceSnapshot(JsonObject body, bool keepStatus)
    {
        var name = (string?)body["metadata"]?["name"];
        if (_snapshotSchema is not null)
        {
            var copy = (JsonObject)body.DeepClone();
            if (!keepStatus)
            {
                copy.Remove("status");
            }

            var errors = _snapshotSchema.Validate(copy);
            if (errors.Count > 0)
            {
                return $"WorkspaceSnapshot.workspaces.dev \"{name}\" is invalid: {string.Join("; ", errors)}";
            }
        }

        var spec = body["spec"] as JsonObject;
        var workspace = spec?.ContainsKey("workspace") == true && spec["workspace"] is not null;
        var adopt = (bool?)spec?["adoptLegacy"] == true;
        return workspace == adopt
            ? $"WorkspaceSnapshot.workspaces.dev \"{name}\" is invalid: spec: Invalid value: \"object\": exactly one of spec.workspace and spec.adoptLegacy"
            : null;
    }
}
