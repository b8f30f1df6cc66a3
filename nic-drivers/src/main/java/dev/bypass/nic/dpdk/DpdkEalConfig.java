package dev.bypass.nic.dpdk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to start DPDK's EAL ({@link DpdkEal#start}): turned into the command line {@code rte_eal_init}
 * parses ({@link #arguments()}). Immutable; change it with the {@code with*} methods.
 *
 * <p>{@link #forVirtualDevices()} is what the virtual PMDs (af_packet, tap, memif, ring) need on a machine
 * without hugepages or a NIC bound to DPDK: {@code --no-huge -m MB --no-pci --no-shconf}, one main lcore,
 * a file prefix of its own per process. A real NIC wants {@link #withHugepages} and {@link #withPci}.
 *
 * @param mainLcore the CPU EAL pins its calling thread to ({@code -l}); the EAL thread only runs control
 *     calls, so any allowed CPU will do
 * @param hugepages use hugepages (false: {@code --no-huge}, memory from ordinary pages)
 * @param memoryMb memory EAL reserves up front, in MiB ({@code -m}); 0 for EAL's default
 * @param pci scan the PCI bus (false: {@code --no-pci})
 * @param sharedConfig create the shared configuration files multi-process DPDK needs (false:
 *     {@code --no-shconf}; also disables DPDK's IPC, which a single process does not need)
 * @param filePrefix {@code --file-prefix}: distinct per concurrently running DPDK process
 * @param telemetry keep DPDK's telemetry socket (false: {@code --no-telemetry})
 * @param devices {@code --vdev} arguments probed at init (devices can also be probed later, by
 *     {@link DpdkDevice#open})
 * @param extraArguments appended as they are, for what this record does not name
 * @param networkNamespace namespace the EAL thread enters before init (so that {@code devices} probe
 *     there); null to stay in the JVM's
 * @param logFile where DPDK's log goes (its text is quoted when init fails); null for DPDK's default
 *     (stdout and syslog)
 * @param rawArguments the operator's EAL arguments, used as they are instead of those built from the
 *     fields above (empty: built)
 */
public record DpdkEalConfig(int mainLcore, boolean hugepages, int memoryMb, boolean pci, boolean sharedConfig,
                            String filePrefix, boolean telemetry, List<String> devices, List<String> extraArguments,
                            String networkNamespace, Path logFile, List<String> rawArguments) {
    /** argv[0]: EAL logs under this name. */
    public static final String PROGRAM = "bypass";
    /** Memory for virtual devices: a few pools of mbufs and the rings. */
    public static final int DEFAULT_MEMORY_MB = 256;

    public DpdkEalConfig {
        Objects.requireNonNull(filePrefix, "filePrefix");
        devices = List.copyOf(devices);
        extraArguments = List.copyOf(extraArguments);
        rawArguments = rawArguments == null ? List.of() : List.copyOf(rawArguments);
        if (mainLcore < 0) {
            throw new IllegalArgumentException("EAL main lcore must be a CPU number, got " + mainLcore);
        }
        if (memoryMb < 0) {
            throw new IllegalArgumentException("EAL memory must be >= 0 MiB, got " + memoryMb);
        }
        if (!filePrefix.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("EAL file prefix '" + filePrefix + "' must be 1 to 64 of [A-Za-z0-9_.-]");
        }
        if (!hugepages && extraArguments.contains("--in-memory")) {
            // EAL refuses the pair ("Options --in-memory and --no-huge conflict" in the DPDK log): --in-memory
            // means hugepages without files; without hugepages, sharedConfig=false gives the same.
            throw new IllegalArgumentException("--in-memory does not combine with --no-huge (hugepages=false): "
                + "use withSharedConfig(false) instead");
        }
    }

    /**
     * For virtual devices: no hugepages, {@value #DEFAULT_MEMORY_MB} MiB, no PCI, no shared config, no
     * telemetry, main lcore the first CPU this process may run on, file prefix {@code bypass-<pid>}, the
     * log in {@code <tmpdir>/bypass-dpdk-<pid>.log}.
     */
    public static DpdkEalConfig forVirtualDevices() {
        long pid = ProcessHandle.current().pid();
        return new DpdkEalConfig(firstAllowedCpu(), false, DEFAULT_MEMORY_MB, false, false, "bypass-" + pid, false,
            List.of(), List.of(), null, Path.of(System.getProperty("java.io.tmpdir"), "bypass-dpdk-" + pid + ".log"),
            List.of());
    }

    /**
     * The operator's own EAL command line (a configuration's {@code [eal] args}), used instead of the one
     * this record builds: only the program name and, if absent, {@code --file-prefix} are added.
     */
    public DpdkEalConfig withRawArguments(List<String> arguments) {
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, arguments);
    }

    /** The command line for {@code rte_eal_init}, program name first. */
    public List<String> arguments() {
        List<String> args = new ArrayList<>();
        args.add(PROGRAM);
        if (!rawArguments.isEmpty()) {
            args.addAll(rawArguments);
            if (rawArguments.stream().noneMatch(a -> a.startsWith("--file-prefix"))) {
                args.add("--file-prefix=" + filePrefix);
            }
            return args;
        }
        args.add("-l");
        args.add(Integer.toString(mainLcore));
        if (!hugepages) {
            args.add("--no-huge");
        }
        if (memoryMb > 0) {
            args.add("-m");
            args.add(Integer.toString(memoryMb));
        }
        if (!pci) {
            args.add("--no-pci");
        }
        if (!sharedConfig) {
            args.add("--no-shconf");
        }
        args.add("--file-prefix=" + filePrefix);
        if (!telemetry) {
            args.add("--no-telemetry");
        }
        for (String device : devices) {
            args.add("--vdev=" + device);
        }
        args.addAll(extraArguments);
        return args;
    }

    public DpdkEalConfig withMainLcore(int lcore) {
        return new DpdkEalConfig(lcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    /** Hugepages on (a real NIC's DMA needs them), with {@code memoryMb} reserved (0: EAL's default). */
    public DpdkEalConfig withHugepages(int memoryMb) {
        return new DpdkEalConfig(mainLcore, true, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    public DpdkEalConfig withMemoryMb(int memoryMb) {
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    public DpdkEalConfig withPci(boolean pci) {
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    public DpdkEalConfig withSharedConfig(boolean sharedConfig) {
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    public DpdkEalConfig withFilePrefix(String filePrefix) {
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    /** Adds a {@code --vdev} probed at init, e.g. {@code net_af_packet0,iface=veth0}. */
    public DpdkEalConfig withDevice(String devargs) {
        List<String> more = new ArrayList<>(devices);
        more.add(devargs);
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, more,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    public DpdkEalConfig withExtraArguments(String... arguments) {
        List<String> more = new ArrayList<>(extraArguments);
        more.addAll(List.of(arguments));
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            more, networkNamespace, logFile, rawArguments);
    }

    public DpdkEalConfig withNetworkNamespace(String networkNamespace) {
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    public DpdkEalConfig withLogFile(Path logFile) {
        return new DpdkEalConfig(mainLcore, hugepages, memoryMb, pci, sharedConfig, filePrefix, telemetry, devices,
            extraArguments, networkNamespace, logFile, rawArguments);
    }

    /** The first CPU in this process's affinity mask ({@code Cpus_allowed_list} of /proc/self/status), else 0. */
    static int firstAllowedCpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return firstCpu(line.substring("Cpus_allowed_list:".length()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: CPU 0 exists everywhere
        }
        return 0;
    }

    /** The first CPU of a Linux CPU list such as {@code "2-3,6"}. */
    static int firstCpu(String cpuList) {
        String first = cpuList.strip().split(",")[0].split("-")[0];
        return Integer.parseInt(first);
    }
}
