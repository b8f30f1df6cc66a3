package dev.bypass.cli;

import dev.bypass.config.BypassConfig;
import dev.bypass.config.ConfigException;
import dev.bypass.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options every command that runs resources takes: a configuration file, {@code --set} overrides, and
 * named flags for the common keys. Precedence: named flags over {@code --set} over the file; the file is
 * {@code --config}, else {@code $BYPASS_CONFIG}, else none (flags only, making resource {@code r0}).
 */
public final class ConfigOptions {
    /** The environment variable naming the configuration file when {@code --config} is not given. */
    public static final String CONFIG_ENV = "BYPASS_CONFIG";

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "configuration file (TOML; ./bypass config --reference lists the keys); default $" + CONFIG_ENV)
    Path config;

    @Option(names = "--set", paramLabel = "SECTION.KEY=VALUE",
        description = "override one key, e.g. --set resource.r0.queues=2 --set stack.idle=busy-spin (repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME", description = "[stack] name")
    String name;

    @Option(names = "--idle", paramLabel = "STRATEGY", description = "[stack] idle: busy-spin, yield, backoff, sleep[:NS]")
    String idle;

    @Option(names = "--counters-file", paramLabel = "PATH", description = "[stack] counters-file (\"none\" for none)")
    String countersFile;

    @Option(names = "--driver", paramLabel = "DRIVER", description = "driver of the only resource: tap, memory, dpdk")
    String driver;

    @Option(names = "--address", paramLabel = "A.B.C.D/N", description = "address of the only resource")
    String address;

    @Option(names = "--gateway", paramLabel = "A.B.C.D", description = "gateway of the only resource")
    String gateway;

    @Option(names = "--mtu", paramLabel = "BYTES", description = "MTU of the only resource")
    String mtu;

    @Option(names = "--cpu", paramLabel = "N", description = "CPU to pin the only resource's poll thread to")
    String cpu;

    @Option(names = "--tap-name", paramLabel = "IFNAME", description = "TAP interface of the only resource")
    String tapName;

    @Option(names = "--tap-netns", paramLabel = "NETNS", description = "move the TAP's kernel side into this namespace")
    String tapNetns;

    @Option(names = "--tap-peer", paramLabel = "A.B.C.D/N", description = "address of the TAP's kernel side")
    String tapPeer;

    /** The file in use, or null. */
    Path file() {
        if (config != null) {
            return config;
        }
        String env = System.getenv(CONFIG_ENV);
        return env == null || env.isBlank() ? null : Path.of(env);
    }

    List<ConfigLoader.Override> overrides() throws ConfigException {
        List<ConfigLoader.Override> all = new ArrayList<>();
        for (String s : sets) {
            all.add(ConfigLoader.Override.parseSet(s));
        }
        named(all, "stack", "name", name, "--name");
        named(all, "stack", "idle", idle, "--idle");
        named(all, "stack", "counters-file", countersFile, "--counters-file");
        String only = ConfigLoader.ONLY_RESOURCE;
        named(all, only, "driver", driver, "--driver");
        named(all, only, "address", address, "--address");
        named(all, only, "gateway", gateway, "--gateway");
        named(all, only, "mtu", mtu, "--mtu");
        named(all, only, "cpu", cpu, "--cpu");
        named(all, only, "tap-name", tapName, "--tap-name");
        named(all, only, "tap-netns", tapNetns, "--tap-netns");
        named(all, only, "tap-peer", tapPeer, "--tap-peer");
        return all;
    }

    private static void named(List<ConfigLoader.Override> all, String section, String key, String value, String flag) {
        if (value != null) {
            all.add(new ConfigLoader.Override(section, key, value, flag));
        }
    }

    /** Loads the configuration. */
    BypassConfig load() throws ConfigException {
        return ConfigLoader.load(file(), overrides());
    }

    /** Loads it, or prints why not to {@code err} (and returns null). */
    BypassConfig loadOrReport(String command, PrintWriter err) {
        try {
            return load();
        } catch (ConfigException e) {
            err.println("bypass " + command + ": configuration error" + (e.problems().size() == 1 ? "" : "s") + ":");
            for (String p : e.problems()) {
                err.println("  " + p);
            }
            err.flush();
            return null;
        }
    }
}
