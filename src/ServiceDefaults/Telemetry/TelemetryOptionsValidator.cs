using Microsoft.Extensions.Options;

namespace Workspaces.ServiceDefaults.Telemetry;

public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
        {
            failures.Add($"{TelemetryOptions.SectionName}:OtlpEndpoint must be an absolute http or https URL, e.g. http://otel-collector:4317 (got '{endpoint}').");
        }

        if (!Enum.IsDefined(options.OtlpProtocol))
        {
            failures.Add($"{TelemetryOptions.SectionName}:OtlpProtocol must be Grpc or HttpProtobuf.");
        }

        if (options.Prometheus.Port is { } port && port is < 1 or > 65535)
        {
            failures.Add($"{TelemetryOptions.SectionName}:Prometheus:Port must be a TCP port (1-65535), or empty to serve /metrics on the app's own port (got {port}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
