using Microsoft.Extensions.Options;

namespace Workspaces.Web.Hosting;

public static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to a configuration section and validates it at start with
    /// <typeparamref name="TValidator"/>. Adding it twice is harmless: a second call would bind list keys twice.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var builder = services.AddOptions<TOptions>();
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return builder;
        }

        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return builder.Bind(configuration.GetSection(sectionName)).ValidateOnStart();
    }
}
