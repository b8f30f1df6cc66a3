package dev.bypass.config;

/**
 * One key of the configuration: where it goes, what it accepts, its default and what it does. The
 * {@link ConfigKeys registry} of them is the single source of the validation, of
 * {@code bypass config --reference} and of the reference table in the README.
 *
 * @param section      {@code stack}, {@code eal}, {@code services} or {@code resource} (for every {@code [resource.NAME]})
 * @param name         the key, e.g. {@code queues}
 * @param type         what it accepts
 * @param defaultText  the default as shown to users ({@code 1500}, {@code "bypass"}, "none")
 * @param doc          what it does, one sentence or two
 * @param driver       the driver the key belongs to ({@code tap}), or null for every driver
 */
public record ConfigKey(String section, String name, ValueType type, String defaultText, String doc, String driver) {
    /** {@code section.name}, or {@code resource.NAME.name} for resource keys. */
    public String path() {
        return (section.equals(ConfigKeys.RESOURCE) ? "resource.NAME" : section) + "." + name;
    }
}
