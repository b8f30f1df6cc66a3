package dev.bypass.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The checks of {@code bypass doctor}: what a host has and lacks for the drivers it is to run. Reads the
 * host through {@code root} (normally {@code /}: {@code proc}, {@code sys}, {@code dev} under it) and runs
 * commands through a {@link Commands}, so a test can give it a made-up host.
 *
 * <p>A check the drivers need that fails is MISSING; one they do not need, or that only costs performance,
 * is WARN.
 */
final class Doctor {
    static final String OK = "OK";
    static final String WARN = "WARN";
    static final String MISSING = "MISSING";
    /** CAP_NET_ADMIN's bit in CapEff. */
    private static final int CAP_NET_ADMIN = 12;
    /** CAP_IPC_LOCK's bit: locked memory is not limited with it. */
    private static final int CAP_IPC_LOCK = 14;

    /** One line of the report. */
    record Check(String status, String name, String detail) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-8s %-14s %s", status, name, detail);
        }
    }

    /** How the doctor runs commands. */
    interface Commands {
        /** True if {@code name} is an executable on the PATH (or in /usr/sbin, /sbin). */
        boolean onPath(String name);

        /** The command's standard output if it exits 0 within a few seconds, else empty. */
        Optional<String> run(String... command);

        Commands SYSTEM = new Commands() {
            @Override
            public boolean onPath(String name) {
                String path = System.getenv("PATH");
                for (String dir : ((path == null ? "" : path) + ":/usr/sbin:/sbin").split(":")) {
                    if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public Optional<String> run(String... command) {
                if (!onPath(command[0])) {
                    return Optional.empty();
                }
                try {
                    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                    p.getOutputStream().close();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        return Optional.empty();
                    }
                    return p.exitValue() == 0 ? Optional.of(out.strip()) : Optional.empty();
                } catch (IOException e) {
                    return Optional.empty();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        };
    }

    private final Path root;
    private final Path project;
    private final Commands commands;
    private final Set<String> drivers;

    /**
     * @param root     the host's file system root
     * @param project  the bypass checkout (for the DPDK shim and the rig's scripts), or null
     * @param drivers  the drivers to be run: tap, memory, dpdk
     */
    Doctor(Path root, Path project, Commands commands, Set<String> drivers) {
        this.root = root;
        this.project = project;
        this.commands = commands;
        this.drivers = Set.copyOf(drivers);
    }

    private boolean needs(String driver) {
        return drivers.contains(driver);
    }

    /** MISSING if {@code needed}, else WARN with why it does not matter now. */
    private Check lacking(boolean needed, String name, String detail, String forWhat) {
        return needed ? new Check(MISSING, name, detail) : new Check(WARN, name, detail + " (needed for " + forWhat
            + " only)");
    }

    List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.add(java());
        checks.addAll(jvmFlags());
        checks.add(tun());
        checks.add(privileges());
        checks.add(ip());
        checks.add(libdpdk());
        checks.add(shim());
        checks.add(hugepages());
        checks.add(hugetlbfs());
        checks.add(iommu());
        checks.add(vfio());
        checks.add(memlock());
        checks.add(cpus());
        return checks;
    }

    /** A line about the rig's own host check, if the checkout has it; null otherwise. */
    String note() {
        if (project != null && Files.isRegularFile(project.resolve("hw-test/host/check-host.sh"))) {
            return "note: the DPDK rig has its own checks: sudo " + project.resolve("hw-test/host/check-host.sh");
        }
        return null;
    }

    private Check java() {
        Runtime.Version v = Runtime.version();
        String detail = "Java " + v + " (" + System.getProperty("java.vendor", "?") + ") at " + System.getProperty("java.home");
        return v.feature() >= 25 ? new Check(OK, "java", detail)
            : new Check(MISSING, "java", detail + ": bypass needs Java 25 or newer (FFM, the class file version)");
    }

    private List<Check> jvmFlags() {
        Module me = Doctor.class.getModule();
        boolean nativeAccess = me.isNativeAccessEnabled();
        boolean exports = Object.class.getModule().isExported("jdk.internal.misc", me);
        return List.of(
            nativeAccess ? new Check(OK, "native access", "--enable-native-access=ALL-UNNAMED in effect (TAP, DPDK, pinning)")
                : new Check(MISSING, "native access", "--enable-native-access=ALL-UNNAMED is not set: the TAP and DPDK "
                    + "drivers call C through FFM (./bypass and the jar's manifest pass it)"),
            exports ? new Check(OK, "add-exports", "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED in effect (Agrona)")
                : new Check(MISSING, "add-exports", "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED is not set "
                    + "(Agrona reaches jdk.internal.misc; ./bypass passes it)"));
    }

    private Check tun() {
        Path tun = root.resolve("dev/net/tun");
        if (Files.exists(tun)) {
            return new Check(OK, "/dev/net/tun", "present (TAP driver)");
        }
        return lacking(needs("tap"), "/dev/net/tun", "absent: modprobe tun (in a container: --device /dev/net/tun)",
            "driver tap");
    }

    private Check privileges() {
        String status = read("proc/self/status");
        String uid = field(status, "Uid:");
        String capEff = field(status, "CapEff:");
        if (uid != null && uid.split("\\s+")[0].equals("0")) {
            return new Check(OK, "privileges", "root");
        }
        boolean netAdmin = false;
        if (capEff != null) {
            try {
                netAdmin = (Long.parseUnsignedLong(capEff.strip(), 16) >>> CAP_NET_ADMIN & 1) == 1;
            } catch (NumberFormatException e) {
                netAdmin = false;
            }
        }
        if (netAdmin) {
            return new Check(OK, "privileges", "CAP_NET_ADMIN (not root: DPDK's PCI devices need root or vfio permissions)");
        }
        return lacking(needs("tap") || needs("dpdk"), "privileges", "not root and no CAP_NET_ADMIN: creating a TAP needs it "
            + "(or attach to a persistent TAP: tap-attach = true); DPDK needs root or vfio permissions", "drivers tap, dpdk");
    }

    private Check ip() {
        if (!commands.onPath("ip")) {
            return new Check(WARN, "ip", "iproute2 is not installed: tap-netns/tap-peer and the interop tests use it");
        }
        String version = commands.run("ip", "-V").orElse("ip").lines().findFirst().orElse("ip");
        boolean netns = Files.exists(root.resolve("proc/self/ns/net"));
        return netns ? new Check(OK, "ip", version + "; network namespaces supported")
            : new Check(WARN, "ip", version + "; no network namespaces (/proc/self/ns/net): tap-netns and the tests need them");
    }

    private Check libdpdk() {
        Optional<String> version = commands.run("pkg-config", "--modversion", "libdpdk");
        if (version.isPresent()) {
            return new Check(OK, "libdpdk", "DPDK " + version.get() + " (pkg-config)");
        }
        return lacking(needs("dpdk"), "libdpdk", commands.onPath("pkg-config")
            ? "pkg-config finds no libdpdk: apt-get install libdpdk-dev (DPDK 22.11)" : "pkg-config is not installed, so "
            + "libdpdk cannot be found: apt-get install pkg-config libdpdk-dev", "driver dpdk");
    }

    private Check shim() {
        Path lib = project == null ? null : project.resolve("native/target/libbypass_dpdk.so");
        if (lib != null && Files.isRegularFile(lib)) {
            return new Check(OK, "dpdk shim", lib.toString());
        }
        return lacking(needs("dpdk"), "dpdk shim", (lib == null ? "native/target/libbypass_dpdk.so" : lib.toString())
            + " not built: the build makes it when pkg-config finds libdpdk (./bypass build)", "driver dpdk");
    }

    private Check hugepages() {
        String meminfo = read("proc/meminfo");
        long total = number(field(meminfo, "HugePages_Total:"));
        long free = number(field(meminfo, "HugePages_Free:"));
        String size = field(meminfo, "Hugepagesize:");
        String sizeText = size == null ? "?" : size.strip();
        if (total > 0) {
            return new Check(free > 0 ? OK : WARN, "hugepages", total + " of " + sizeText + ", " + free + " free"
                + (free > 0 ? "" : ": all in use (another DPDK process?)"));
        }
        return lacking(needs("dpdk"), "hugepages", "HugePages_Total is 0 (" + sizeText + " pages): echo 1024 > "
            + "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (or --no-huge in [eal] args, slow)", "driver dpdk");
    }

    private Check hugetlbfs() {
        String mounts = read("proc/mounts");
        for (String line : mounts.lines().toList()) {
            String[] f = line.split("\\s+");
            if (f.length >= 3 && f[2].equals("hugetlbfs")) {
                return new Check(OK, "hugetlbfs", "mounted at " + f[1]);
            }
        }
        return lacking(needs("dpdk"), "hugetlbfs", "not mounted: mount -t hugetlbfs nodev /dev/hugepages", "driver dpdk");
    }

    private Check iommu() {
        Path groups = root.resolve("sys/kernel/iommu_groups");
        long n = 0;
        if (Files.isDirectory(groups)) {
            try (Stream<Path> s = Files.list(groups)) {
                n = s.count();
            } catch (IOException e) {
                n = 0;
            }
        }
        if (n > 0) {
            return new Check(OK, "iommu", n + " IOMMU groups");
        }
        return new Check(WARN, "iommu", "no IOMMU groups: vfio-pci needs intel_iommu=on or amd_iommu=on on the kernel "
            + "command line (virtual devices, --vdev, work without)");
    }

    private Check vfio() {
        boolean device = Files.exists(root.resolve("dev/vfio/vfio"));
        boolean module = Files.isDirectory(root.resolve("sys/module/vfio_pci"))
            || Files.isDirectory(root.resolve("sys/bus/pci/drivers/vfio-pci"));
        if (device && module) {
            return new Check(OK, "vfio", "vfio-pci loaded, /dev/vfio/vfio present");
        }
        return new Check(WARN, "vfio", (module ? "vfio-pci loaded but no /dev/vfio/vfio" : "vfio-pci not loaded")
            + ": modprobe vfio-pci, then dpdk-devbind.py -b vfio-pci PCI-ADDRESS (for physical NICs only)");
    }

    private Check memlock() {
        String status = read("proc/self/status");
        String uid = field(status, "Uid:");
        String capEff = field(status, "CapEff:");
        boolean root = uid != null && uid.split("\\s+")[0].equals("0");
        boolean ipcLock = false;
        try {
            ipcLock = capEff != null && (Long.parseUnsignedLong(capEff.strip(), 16) >>> CAP_IPC_LOCK & 1) == 1;
        } catch (NumberFormatException e) {
            ipcLock = false;
        }
        String limits = read("proc/self/limits");
        for (String line : limits.lines().toList()) {
            if (line.startsWith("Max locked memory")) {
                String[] f = line.substring("Max locked memory".length()).strip().split("\\s+");
                String soft = f.length > 0 ? f[0] : "?";
                if (soft.equals("unlimited")) {
                    return new Check(OK, "memlock", "unlimited");
                }
                long bytes = number(soft);
                if (root || ipcLock) {
                    return new Check(OK, "memlock", human(bytes) + ", no limit for " + (root ? "root" : "CAP_IPC_LOCK"));
                }
                return new Check(WARN, "memlock", human(bytes) + ": DPDK with vfio as non-root pins its memory: "
                    + "ulimit -l unlimited (or LimitMEMLOCK=infinity)");
            }
        }
        return new Check(WARN, "memlock", "unknown (no /proc/self/limits)");
    }

    private Check cpus() {
        int n = Runtime.getRuntime().availableProcessors();
        String isolated = read("sys/devices/system/cpu/isolated").strip();
        String iso = isolated.isEmpty() ? "none isolated (isolcpus= keeps the kernel's work off poll threads' cores)"
            : "isolated: " + isolated;
        if (n < 2) {
            return new Check(WARN, "cpus", n + " CPU: a busy-spinning poll thread takes a whole core; use idle = "
                + "\"backoff\"; " + iso);
        }
        return new Check(OK, "cpus", n + " CPUs available to this process; " + iso);
    }

    private String read(String relative) {
        try {
            return Files.readString(root.resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The rest of the line starting with {@code name}, or null. */
    private static String field(String text, String name) {
        for (String line : text.lines().toList()) {
            if (line.startsWith(name)) {
                return line.substring(name.length()).strip();
            }
        }
        return null;
    }

    private static long number(String text) {
        if (text == null) {
            return 0;
        }
        String digits = text.strip().split("\\s+")[0];
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String human(long bytes) {
        if (bytes >= 1L << 20) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 10) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " bytes";
    }
}
