using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ledger.ServiceDefaults.Hosting;

/// <summary>
/// A settings class bound from one configuration section and checked before the host starts:
/// a service with an invalid value refuses to start with a message naming the setting
/// (<c>setting Ledger:Revocation:Feed:LifetimeSeconds: ...</c>), instead of misbehaving later.
/// </summary>
public interface IValidatedSettings
{
    /// <summary>Each problem: the key within the section, and what is wrong with its value.</summary>
    IEnumerable<(string Key, string Problem)> Problems();
}

public static class ValidatedSettings
{
    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and validates it at start (ValidateOnStart).</summary>
    public static IServiceCollection AddValidatedSettings<T>(this IServiceCollection services, string section)
        where T : class, IValidatedSettings
    {
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(section));
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        return services;
    }

    /// <summary>The bound, validated settings.</summary>
    public static T Settings<T>(this IServiceProvider services) where T : class, IValidatedSettings =>
        services.GetRequiredService<IOptions<T>>().Value;

    private sealed class Validator<T>(string section) : IValidateOptions<T> where T : class, IValidatedSettings
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = options.Problems().Select(p => $"setting {section}:{p.Key} {p.Problem}").ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
