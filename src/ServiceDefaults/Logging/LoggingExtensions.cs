using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;

namespace Workspaces.ServiceDefaults.Logging;

public static class LoggingExtensions
{
    /// <summary><c>Workspaces:Logging:Format=Json</c> turns the console into one JSON object per line, with scopes (the workspace id).</summary>
    public static IHostApplicationBuilder AddConsoleFormat(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var format = builder.Configuration.GetSection(LoggingOptions.SectionName).Get<LoggingOptions>()?.Format ?? ConsoleLogFormat.Plain;
        if (!Enum.IsDefined(format))
        {
            throw new InvalidOperationException($"{LoggingOptions.SectionName}:Format must be Plain or Json (got {format}).");
        }

        if (format == ConsoleLogFormat.Json)
        {
            builder.Services.Configure<ConsoleLoggerOptions>(console => console.FormatterName = ConsoleFormatterNames.Json);
            builder.Services.Configure<JsonConsoleFormatterOptions>(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        return builder;
    }
}
