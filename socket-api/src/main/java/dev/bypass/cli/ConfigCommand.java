package dev.bypass.cli;

import dev.bypass.config.BypassConfig;
import dev.bypass.config.ConfigKeys;
import dev.bypass.nic.driver.ResourceDriver;
import dev.bypass.nic.driver.ResourceDrivers;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bypass config}: checks a configuration and prints it whole, or prints the reference of every key. */
@Command(name = "config", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Checks a configuration (file, --set and flags) and prints it as the process would run it.", "",
        "Every key with its value and where it came from (file:line, --set, a flag); keys left at their default are "
            + "commented out. With --reference, prints the table of every key instead (the README's reference is this "
            + "output). Exit status: 0 if the configuration is valid, 2 if not."})
public final class ConfigCommand implements Callable<Integer> {
    @Option(names = "--reference", description = "print the reference of every key (Markdown) and the drivers")
    boolean reference;

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (reference) {
            out.print(ConfigKeys.reference());
            out.println();
            out.println("Drivers on this class path:");
            for (ResourceDriver d : ResourceDrivers.available().values()) {
                out.println("  " + d.type() + ": " + d.description());
            }
            if (!ResourceDrivers.available().containsKey(ResourceDrivers.DPDK)) {
                out.println("  (dpdk: not available; " + ResourceDrivers.DPDK_DEVICE_CLASS + " is not in this build)");
            }
            out.flush();
            return 0;
        }
        BypassConfig config = options.loadOrReport("config", spec.commandLine().getErr());
        if (config == null) {
            return 2;
        }
        out.print("# bypass configuration: " + (options.file() == null ? "flags only" : options.file()) + "\n"
            + "# counters file: " + (config.countersFile() == null ? "none" : config.countersFile()) + "\n\n");
        out.print(config.effective());
        for (String w : config.warnings()) {
            out.println("# warning: " + w);
        }
        out.flush();
        return 0;
    }
}
