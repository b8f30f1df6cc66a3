package dev.bypass.nic.driver;

/**
 * A resource setting a driver cannot honour, naming the key, the value and what is allowed, so the
 * configuration layer can point at the line it came from.
 */
public final class InvalidSettingException extends IllegalArgumentException {
    private final String key;
    private final String value;
    private final String allowed;

    /**
     * @param key     the key in the {@code [resource.NAME]} section, e.g. {@code queues}
     * @param value   the value as written
     * @param allowed what would be accepted, e.g. "1 (a TAP device has one queue)"
     */
    public InvalidSettingException(String key, String value, String allowed) {
        super(key + " = " + value + ": " + allowed);
        this.key = key;
        this.value = value;
        this.allowed = allowed;
    }

    public String key() {
        return key;
    }

    public String value() {
        return value;
    }

    public String allowed() {
        return allowed;
    }
}
