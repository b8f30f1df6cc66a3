package dev.bypass.config;

import java.util.List;

/**
 * A configuration that cannot be used, with every problem found, one per line, each naming where the value
 * came from, the key, the value and what is allowed:
 * {@code bypass.conf:12: [resource.r0] queues = -1: must be 1..64}.
 */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
