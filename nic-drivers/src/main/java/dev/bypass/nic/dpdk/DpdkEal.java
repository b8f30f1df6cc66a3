package dev.bypass.nic.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * DPDK's Environment Abstraction Layer, started once per process ({@code rte_eal_init}), on a thread of
 * its own: EAL pins the thread that initializes it to the main lcore, and threads that thread starts
 * inherit the pinning, so neither the caller nor the poll threads should be that thread. The EAL thread
 * then stays idle; devices run their control calls on threads of their own ({@link DpdkDevice}).
 *
 * <pre>{@code
 * DpdkEal eal = DpdkEal.start(DpdkEalConfig.forVirtualDevices());
 * DpdkDevice nic = DpdkDevice.open(eal, DpdkConfig.afPacket("veth0").withNetworkNamespace("ns1"));
 * }</pre>
 *
 * <p>EAL cannot be stopped and started again in one process; {@code rte_eal_cleanup} is not called: the
 * process's exit releases what EAL holds (only the empty run directory {@code /var/run/dpdk/PREFIX} would
 * stay: a shutdown hook deletes it, and the default log file in the temp directory unless EAL failed to
 * start).
 */
public final class DpdkEal {
    private static final int LOG_TAIL_LINES = 12;

    private static volatile DpdkEal running;
    private static DpdkException failed;

    private final DpdkEalConfig config;
    private final ControlThread thread;
    private final MbufLayout mbufLayout;

    private DpdkEal(DpdkEalConfig config, ControlThread thread, MbufLayout mbufLayout) {
        this.config = config;
        this.thread = thread;
        this.mbufLayout = mbufLayout;
    }

    /**
     * Starts EAL with {@code config}, or returns the running EAL if it was started with the same config.
     *
     * @throws DpdkUnavailableException the shim library is not there (see {@link DpdkLibrary})
     * @throws DpdkException EAL refused to start: the message has DPDK's reason, the usual causes and the
     *     end of DPDK's log. A failed start cannot be retried in the same process (DPDK refuses a second
     *     {@code rte_eal_init}); later calls throw the same exception
     * @throws IllegalStateException EAL already runs with another config
     */
    public static synchronized DpdkEal start(DpdkEalConfig config) throws DpdkException {
        if (running != null) {
            if (!running.config.equals(config)) {
                throw new IllegalStateException("DPDK EAL already runs in this process with " + running.config.arguments()
                    + "; it starts once per process (asked again with " + config.arguments() + ")");
            }
            return running;
        }
        if (failed != null) {
            throw failed;
        }
        DpdkLibrary.load();
        // Registered before init: a failed start leaves the run directory too. The log goes only after a
        // good start; after a failed one it is kept, as the exception quotes it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            deleteEmptyRunDirectory(config.filePrefix());
            if (running != null) { // the field, not running(): no lock in a shutdown hook
                deleteTemporaryLog(config.logFile());
            }
        }, "bypass-dpdk-cleanup"));
        ControlThread thread = new ControlThread("bypass-dpdk-eal", config.networkNamespace());
        try {
            thread.enterNamespace();
            thread.call(() -> {
                initialize(config);
                return null;
            });
        } catch (DpdkException e) {
            thread.close();
            failed = e;
            throw e;
        }
        running = new DpdkEal(config, thread, MbufLayout.read());
        return running;
    }

    /** The EAL running in this process, or null. */
    public static synchronized DpdkEal running() {
        return running;
    }

    /** The arguments EAL was started with. */
    public DpdkEalConfig config() {
        return config;
    }

    /** Where DPDK's log goes, or null for DPDK's default (stdout and syslog). */
    public Path logFile() {
        return config.logFile();
    }

    MbufLayout mbufLayout() {
        return mbufLayout;
    }

    /** The last lines of DPDK's log written after {@code fromByte} (see {@link #logSize()}); "" without a log file. */
    String logSince(long fromByte) {
        return logTail(config.logFile(), fromByte);
    }

    /** Bytes in DPDK's log now: a mark for {@link #logSince}. */
    long logSize() {
        try {
            return config.logFile() == null ? 0 : Files.size(config.logFile());
        } catch (IOException e) {
            return 0;
        }
    }

    // Runs on the EAL thread.
    private static void initialize(DpdkEalConfig config) throws DpdkException {
        if (config.logFile() != null) {
            long file = Libc.fopen(config.logFile().toString(), "w");
            if (file != 0) {
                DpdkShim.bp_openlog_stream(file);
            }
        }
        List<String> args = config.arguments();
        // EAL may keep pointers into argv (device arguments): the strings live as long as the process.
        Arena forever = Arena.global();
        MemorySegment argv = forever.allocate(ADDRESS, args.size() + 1);
        for (int i = 0; i < args.size(); i++) {
            argv.setAtIndex(ADDRESS, i, forever.allocateFrom(args.get(i)));
        }
        argv.setAtIndex(ADDRESS, args.size(), MemorySegment.NULL);
        int rc = DpdkShim.bp_eal_init(args.size(), argv);
        if (rc < 0) {
            int errno = DpdkShim.bp_errno();
            throw new DpdkException(failureMessage(errno, strerror(errno), config, logTail(config.logFile(), 0)), errno);
        }
    }

    /**
     * The message for a failed {@code rte_eal_init}: DPDK's error, what usually causes it, the arguments
     * and the end of DPDK's log.
     */
    static String failureMessage(int errno, String strerror, DpdkEalConfig config, String log) {
        StringBuilder sb = new StringBuilder("DPDK EAL failed to start (rte_eal_init: ").append(strerror)
            .append(", rte_errno ").append(errno).append("): ").append(hint(errno, config, log))
            .append(". EAL arguments: ").append(String.join(" ", config.arguments()));
        if (config.networkNamespace() != null) {
            sb.append(" (in network namespace ").append(config.networkNamespace()).append(')');
        }
        if (!log.isBlank()) {
            sb.append(". DPDK log (").append(config.logFile()).append("):\n").append(log);
        }
        return sb.toString();
    }

    private static String hint(int errno, DpdkEalConfig config, String log) {
        String lower = log.toLowerCase(Locale.ROOT);
        if (lower.contains("another primary process") || lower.contains("cannot create lock")) {
            return "the file prefix '" + config.filePrefix() + "' is in use by another DPDK process: give each "
                + "process its own (DpdkEalConfig.withFilePrefix)";
        }
        return switch (errno) {
            case 13 -> "permission denied: EAL needs root (or CAP_SYS_ADMIN, CAP_IPC_LOCK and CAP_NET_RAW) and "
                + "write access to /var/run/dpdk and the hugepage mount";
            case 11 -> config.hugepages()
                ? "no usable hugepages: reserve some (echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/"
                    + "nr_hugepages; grep Huge /proc/meminfo) and mount hugetlbfs, or run virtual devices without "
                    + "them (DpdkEalConfig.forVirtualDevices: --no-huge)"
                : "EAL could not reserve its resources (memory, or a file prefix in use by another process)";
            case 12 -> "not enough memory for -m " + config.memoryMb() + " MiB"
                + (config.hugepages() ? " in hugepages (too few reserved?)" : "");
            case 114 -> "EAL was already initialized in this process: it starts once per process";
            case 22 -> "EAL rejected an argument (see its log below)";
            case 8 -> "a DPDK driver plugin failed to load (see the log; is the dpdk package installed whole?)";
            case 19 -> "no devices or no memory configuration usable (with PCI: is a NIC bound to vfio-pci?)";
            case 95 -> "an option this DPDK build does not support (see the log)";
            case 71 -> "a primary DPDK process with an incompatible version runs with this file prefix";
            default -> "see DPDK's log for the cause";
        };
    }

    static String strerror(int errno) {
        MemorySegment text = DpdkShim.bp_strerror(errno);
        return text.equals(MemorySegment.NULL) ? "errno " + errno : text.reinterpret(256).getString(0);
    }

    private static String logTail(Path file, long fromByte) {
        if (file == null) {
            return "";
        }
        try {
            byte[] all = Files.readAllBytes(file);
            int from = (int) Math.min(Math.max(0, fromByte), all.length);
            List<String> lines = new ArrayList<>(new String(all, from, all.length - from, StandardCharsets.UTF_8).lines().toList());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Removes /var/run/dpdk/PREFIX (or $XDG_RUNTIME_DIR/dpdk/PREFIX) if EAL left it empty. */
    private static void deleteEmptyRunDirectory(String prefix) {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        for (Path base : new Path[] {Path.of("/var/run/dpdk"), xdg == null ? null : Path.of(xdg, "dpdk")}) {
            if (base == null) {
                continue;
            }
            try {
                Files.deleteIfExists(base.resolve(prefix)); // fails, harmlessly, if not empty
            } catch (IOException | RuntimeException e) {
                // not ours to clean, or not empty: leave it
            }
        }
    }

    /** Deletes the log at exit if it is the default one in the temp directory (failures quote it meanwhile). */
    private static void deleteTemporaryLog(Path log) {
        if (log != null && log.getFileName().toString().startsWith("bypass-dpdk-")
            && log.getParent() != null && log.getParent().equals(Path.of(System.getProperty("java.io.tmpdir")))) {
            try {
                Files.deleteIfExists(log);
            } catch (IOException | RuntimeException e) {
                // a few hundred bytes left in the temp directory
            }
        }
    }

    @Override
    public String toString() {
        return "DpdkEal" + config.arguments();
    }
}
