package dev.bypass.rig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the rig's shell scripts (hw-test/rig.sh, hw-test/host/*.sh) and the commands that check on them. */
final class Scripts {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The hw-test module: Maven runs the tests there; from the repository root it is ./hw-test. */
    static final Path HW_TEST = locate();

    private Scripts() {
    }

    private static Path locate() {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p : List.of(here, here.resolve("hw-test"))) {
            if (Files.isRegularFile(p.resolve("rig.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find hw-test/rig.sh from " + here);
    }

    static Path rig() {
        return HW_TEST.resolve("rig.sh");
    }

    static Path host(String script) {
        return HW_TEST.resolve("host").resolve(script);
    }

    /** What a command did. */
    record Run(List<String> command, int exit, String out, String err) {
        /** The lines of stdout. */
        List<String> lines() {
            return out.lines().toList();
        }

        boolean hasLine(String line) {
            return out.lines().anyMatch(line::equals);
        }

        boolean hasLineStartingWith(String start) {
            return out.lines().anyMatch(l -> l.startsWith(start));
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exit
                + (out.isBlank() ? "" : "\n--- stdout\n" + out.strip())
                + (err.isBlank() ? "" : "\n--- stderr\n" + err.strip());
        }
    }

    static Run run(String... command) {
        return run(Map.of(), command);
    }

    /** Runs a command with extra environment variables; one still running after {@link #TIMEOUT} fails. */
    static Run run(Map<String, String> env, String... command) {
        List<String> cmd = List.of(command);
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("rig-", ".out");
            err = Files.createTempFile("rig-", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + TIMEOUT + ": " + cmd + "\n"
                    + Files.readString(out) + Files.readString(err));
            }
            return new Run(cmd, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + cmd, e);
        } finally {
            try {
                if (out != null) {
                    Files.deleteIfExists(out);
                }
                if (err != null) {
                    Files.deleteIfExists(err);
                }
            } catch (IOException ignored) {
                // a temp file left behind is not worth failing over
            }
        }
    }

    /** Reads an env file of {@code KEY="value"} lines (comments and blank lines skipped). */
    static Map<String, String> readEnvFile(Path file) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new AssertionError("not a KEY=\"value\" line in " + file + ": " + line);
            }
            String value = line.substring(eq + 1);
            if (value.length() < 2 || !value.startsWith("\"") || !value.endsWith("\"")) {
                throw new AssertionError("value not in double quotes in " + file + ": " + line);
            }
            env.put(line.substring(0, eq), value.substring(1, value.length() - 1));
        }
        return env;
    }

    /**
     * A fake host for the host scripts (BYPASS_HOST_ROOT): the /sys and /proc files they read, with a
     * ConnectX port, an Intel port, two NUMA nodes, four CPUs, 2 MiB pages and a kernel command line.
     */
    static final class FakeHost {
        final Path root;

        FakeHost(Path root) {
            this.root = root;
        }

        Map<String, String> env() {
            return Map.of("BYPASS_HOST_ROOT", root.toString());
        }

        FakeHost file(String path, String content) throws IOException {
            Path p = root.resolve(path);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content + "\n");
            return this;
        }

        FakeHost dir(String path) throws IOException {
            Files.createDirectories(root.resolve(path));
            return this;
        }

        /** A PCI network function bound to {@code driver}, with a kernel interface {@code iface} (or none). */
        FakeHost nic(String pci, String vendor, String device, String driver, String iface) throws IOException {
            String dev = "sys/bus/pci/devices/" + pci;
            file(dev + "/vendor", vendor).file(dev + "/device", device).file(dev + "/class", "0x020000")
                .file(dev + "/numa_node", "1").dir("sys/bus/pci/drivers/" + driver);
            Files.createSymbolicLink(root.resolve(dev + "/driver"), Path.of("../../drivers/" + driver));
            if (iface != null) {
                dir("sys/class/net/" + iface);
                Files.createSymbolicLink(root.resolve("sys/class/net/" + iface + "/device"),
                    Path.of("../../../bus/pci/devices/" + pci));
            }
            return this;
        }

        /** Two nodes, CPUs 0-3, hugepage pools (2M: {@code pages2m} per node), an IOMMU group, vfio-pci loaded. */
        static FakeHost prepared(Path root, int pages2m, String cmdline) throws IOException {
            FakeHost h = new FakeHost(root);
            h.file("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse4_2 avx2 pdpe1gb")
                .file("proc/cmdline", cmdline)
                .file("proc/mounts", pages2m > 0 ? "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" : "")
                .file("sys/devices/system/cpu/online", "0-3")
                .file("sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0")
                .dir("sys/kernel/iommu_groups/7").dir("sys/bus/pci/drivers/vfio-pci");
            List<String> sizes = new ArrayList<>(List.of("2048", "1048576"));
            for (String kb : sizes) {
                int total = 0;
                for (int node = 0; node < 2; node++) {
                    int n = kb.equals("2048") ? pages2m : 0;
                    String pool = "sys/devices/system/node/node" + node + "/hugepages/hugepages-" + kb + "kB/";
                    h.file(pool + "nr_hugepages", Integer.toString(n)).file(pool + "free_hugepages", Integer.toString(n))
                        .file(pool + "surplus_hugepages", "0");
                    total += n;
                }
                String pool = "sys/kernel/mm/hugepages/hugepages-" + kb + "kB/";
                h.file(pool + "nr_hugepages", Integer.toString(total)).file(pool + "free_hugepages", Integer.toString(total));
            }
            h.file("sys/devices/system/node/node0/cpulist", "0-1").file("sys/devices/system/node/node1/cpulist", "2-3");
            return h;
        }
    }
}
