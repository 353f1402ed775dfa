using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Workspaces.ServiceDefaults.Resilience;

public static class ResilienceExtensions
{
    /// <summary>
    /// The standard pipeline (rate limiter, total timeout, retry with jittered back-off, circuit breaker, attempt
    /// timeout), tuned by the caller for its client, and never retrying POST, PUT, PATCH, DELETE or CONNECT: a request
    /// that changed something is not sent twice.
    /// </summary>
    public static IHttpStandardResiliencePipelineBuilder AddStandardResilience(this IHttpClientBuilder builder, Action<HttpStandardResilienceOptions>? tune = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddStandardResilienceHandler(options =>
        {
            tune?.Invoke(options);
            options.Retry.DisableForUnsafeHttpMethods();
        });
    }
}
