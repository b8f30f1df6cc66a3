package dev.bypass.cli;

import dev.bypass.config.Toml;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code bypass doctor}: what this host lacks before a run. */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Reports what this host has and lacks for bypass, one line per check: OK, WARN or MISSING.", "",
        "Checks: the JDK and the JVM flags, /dev/net/tun, root or CAP_NET_ADMIN, ip and network namespaces, libdpdk "
            + "and the DPDK shim, hugepages and hugetlbfs, IOMMU and vfio, the memlock limit, CPUs and isolcpus. What the"
            + " drivers to be run need (--driver, or those of --config; tap by default) is MISSING when absent; the "
            + "rest is WARN.", "",
        "Exit status: 0 if nothing is MISSING, 1 otherwise."},
    footer = {"", "Example: ./bypass doctor --driver dpdk"})
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--driver", paramLabel = "DRIVER", split = ",",
        description = "drivers to check for: tap, memory, dpdk (repeatable; default those of --config, else tap)")
    List<String> drivers;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "check for the drivers this configuration uses")
    Path config;

    /** For tests: read the host under this directory instead of /. */
    @Option(names = "--root", hidden = true)
    Path root = Path.of("/");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Set<String> wanted = new LinkedHashSet<>();
        if (drivers != null) {
            wanted.addAll(drivers);
        }
        if (config != null) {
            wanted.addAll(configDrivers(config));
        }
        if (wanted.isEmpty()) {
            wanted.add("tap");
        }
        Doctor doctor = new Doctor(root, projectRoot(), Doctor.Commands.SYSTEM, wanted);
        List<Doctor.Check> checks = doctor.run();
        out.println("bypass doctor: checking for drivers " + String.join(", ", wanted));
        int ok = 0;
        int warn = 0;
        int missing = 0;
        for (Doctor.Check c : checks) {
            out.println(c);
            switch (c.status()) {
                case Doctor.OK -> ok++;
                case Doctor.WARN -> warn++;
                default -> missing++;
            }
        }
        out.println(ok + " OK, " + warn + " WARN, " + missing + " MISSING");
        String note = doctor.note();
        if (note != null) {
            out.println(note);
        }
        out.flush();
        return missing == 0 ? 0 : 1;
    }

    /** The driver of every [resource.NAME] of a configuration, read without loading the drivers. */
    private Set<String> configDrivers(Path file) {
        Set<String> found = new LinkedHashSet<>();
        try {
            Set<String> resources = new LinkedHashSet<>();
            for (Toml.Entry e : Toml.parse(Files.readString(file, StandardCharsets.UTF_8))) {
                if (e.table().startsWith("resource.")) {
                    resources.add(e.table());
                    if (e.key().equals("driver") && e.value() instanceof Toml.Str s) {
                        found.add(s.value());
                    }
                }
            }
            if (found.size() < resources.size()) {
                found.add("tap"); // a resource without a driver key is a TAP
            }
        } catch (IOException | Toml.SyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--config " + file + ": " + e.getMessage());
        }
        return found;
    }

    /** The bypass checkout this jar was built in: $BYPASS_HOME, else two levels above the jar (socket-api/target). */
    static Path projectRoot() {
        String home = System.getenv("BYPASS_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        try {
            Path code = Path.of(DoctorCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // socket-api/target/bypass-socket-api-*.jar or socket-api/target/classes
            Path target = code.getParent();
            Path module = target == null ? null : target.getParent();
            Path project = module == null ? null : module.getParent();
            if (project != null && Files.isRegularFile(project.resolve("pom.xml"))) {
                return project;
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code source: fall through
        }
        return null;
    }
}
