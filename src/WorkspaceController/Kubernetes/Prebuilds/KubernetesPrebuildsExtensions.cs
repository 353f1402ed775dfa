using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.WorkspaceController.Kubernetes.Prebuilds;

public static class KubernetesPrebuildsExtensions
{
    /// <summary>Prebuilds' snapshot storage of the Kubernetes runtime, when one is configured (section <see cref="KubernetesPrebuildOptions.SectionName"/>).</summary>
    public static IServiceCollection AddKubernetesPrebuilds(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KubernetesPrebuildOptions>()
            .Bind(configuration.GetSection(KubernetesPrebuildOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<KubernetesPrebuildOptions>, KubernetesPrebuildOptionsValidator>();
        switch (StorageOf(configuration))
        {
            case KubernetesSnapshotStorage.VolumeSnapshot:
                services.AddSingleton<IPrebuildSnapshots, VolumeSnapshotPrebuilds>();
                break;
            case KubernetesSnapshotStorage.S3:
                services.AddSingleton<S3PrebuildArchives>();
                services.AddSingleton<IPrebuildSnapshots>(sp => sp.GetRequiredService<S3PrebuildArchives>());
                services.AddSingleton<IPrebuildArchiveUrls>(sp => sp.GetRequiredService<S3PrebuildArchives>());
                break;
        }

        return services;
    }

    /// <summary>True when the runtime keeps snapshots, so prebuilds can run (read before the container is built).</summary>
    public static bool HasSnapshotStorage(IConfiguration configuration) => StorageOf(configuration) != KubernetesSnapshotStorage.None;

    private static KubernetesSnapshotStorage StorageOf(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var key = $"{KubernetesPrebuildOptions.SectionName}:{nameof(KubernetesPrebuildOptions.Storage)}";
        var value = configuration[key];
        if (string.IsNullOrEmpty(value))
        {
            return KubernetesSnapshotStorage.None;
        }

        return Enum.TryParse<KubernetesSnapshotStorage>(value, ignoreCase: true, out var storage) && Enum.IsDefined(storage)
            ? storage
            : throw new OptionsValidationException(key, typeof(KubernetesSnapshotStorage), [$"{key} must be None, VolumeSnapshot or S3 (got '{value}')."]);
    }
}
