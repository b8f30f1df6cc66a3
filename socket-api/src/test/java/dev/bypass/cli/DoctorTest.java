package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorTest {
    private static final List<String> CHECKS = List.of("java", "native access", "add-exports", "/dev/net/tun",
        "privileges", "ip", "libdpdk", "dpdk shim", "hugepages", "hugetlbfs", "iommu", "vfio", "memlock", "cpus");

    @TempDir
    Path root;

    /** Commands: only those in {@code outputs} exist, and print that. */
    private static Doctor.Commands commands(Map<String, String> outputs) {
        return new Doctor.Commands() {
            @Override
            public boolean onPath(String name) {
                return outputs.keySet().stream().anyMatch(k -> k.split(" ")[0].equals(name));
            }

            @Override
            public Optional<String> run(String... command) {
                return Optional.ofNullable(outputs.get(String.join(" ", command)));
            }
        };
    }

    private void write(String relative, String text) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /** A host ready for DPDK: tun, root, hugepages mounted, IOMMU, vfio, unlimited memlock, the shim built. */
    private Path dpdkHost() throws IOException {
        write("dev/net/tun", "");
        write("proc/self/status", "Name:\tjava\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n");
        write("proc/self/ns/net", "");
        write("proc/meminfo", "MemTotal: 1 kB\nHugePages_Total:    1024\nHugePages_Free:     1000\nHugepagesize:       2048 kB\n");
        write("proc/mounts", "proc /proc proc rw 0 0\nnodev /dev/hugepages hugetlbfs rw,relatime 0 0\n");
        write("sys/kernel/iommu_groups/0/type", "DMA\n");
        write("sys/kernel/iommu_groups/1/type", "DMA\n");
        write("dev/vfio/vfio", "");
        Files.createDirectories(root.resolve("sys/module/vfio_pci"));
        write("proc/self/limits", "Limit                     Soft Limit           Hard Limit           Units\n"
            + "Max locked memory         unlimited            unlimited            bytes\n");
        write("sys/devices/system/cpu/isolated", "2-3\n");
        Path project = root.resolve("checkout");
        Files.createDirectories(project.resolve("native/target"));
        Files.writeString(project.resolve("native/target/libbypass_dpdk.so"), "");
        return project;
    }

    private static Map<String, Doctor.Check> byName(List<Doctor.Check> checks) {
        return checks.stream().collect(Collectors.toMap(Doctor.Check::name, Function.identity()));
    }

    @Test
    void a_host_with_everything_is_ok_for_dpdk() throws IOException {
        Path project = dpdkHost();
        Doctor d = new Doctor(root, project, commands(Map.of("ip -V", "ip utility, iproute2-6.1.0",
            "pkg-config --modversion libdpdk", "22.11.11")), Set.of("dpdk", "tap"));
        List<Doctor.Check> checks = d.run();

        assertEquals(CHECKS, checks.stream().map(Doctor.Check::name).toList());
        Map<String, Doctor.Check> c = byName(checks);
        assertEquals("OK", c.get("hugepages").status(), c.get("hugepages")::toString);
        assertEquals("1024 of 2048 kB, 1000 free", c.get("hugepages").detail());
        assertEquals("mounted at /dev/hugepages", c.get("hugetlbfs").detail());
        assertEquals("2 IOMMU groups", c.get("iommu").detail());
        assertEquals("DPDK 22.11.11 (pkg-config)", c.get("libdpdk").detail());
        assertEquals("OK", c.get("dpdk shim").status());
        assertEquals("root", c.get("privileges").detail());
        assertEquals("unlimited", c.get("memlock").detail());
        assertTrue(c.get("cpus").detail().endsWith("isolated: 2-3"), c.get("cpus")::toString);
        // The test JVM runs with bypass's flags (surefire's argLine) and Java 25; only a one-CPU machine warns.
        assertTrue(checks.stream().filter(x -> !x.name().equals("cpus")).allMatch(x -> x.status().equals("OK")),
            checks::toString);
    }

    @Test
    void a_bare_host_lacks_what_dpdk_needs_and_only_warns_for_tap() throws IOException {
        write("proc/self/status", "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n");
        write("proc/meminfo", "HugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n");
        write("proc/self/limits", "Max locked memory         8388608              8388608              bytes\n");
        Doctor.Commands none = commands(Map.of());

        Map<String, Doctor.Check> forDpdk = byName(new Doctor(root, null, none, Set.of("dpdk")).run());
        assertEquals("MISSING", forDpdk.get("libdpdk").status());
        assertEquals("MISSING", forDpdk.get("hugepages").status());
        assertEquals("MISSING", forDpdk.get("hugetlbfs").status());
        assertEquals("MISSING", forDpdk.get("dpdk shim").status());
        assertEquals("MISSING", forDpdk.get("privileges").status());
        assertEquals("WARN", forDpdk.get("/dev/net/tun").status(), "tun is not needed for dpdk");
        assertTrue(forDpdk.get("/dev/net/tun").detail().endsWith("(needed for driver tap only)"));
        assertEquals("WARN", forDpdk.get("memlock").status());
        assertTrue(forDpdk.get("memlock").detail().startsWith("8 MiB: "), forDpdk.get("memlock")::toString);
        assertEquals("WARN", forDpdk.get("ip").status());

        Map<String, Doctor.Check> forTap = byName(new Doctor(root, null, none, Set.of("tap")).run());
        assertEquals("MISSING", forTap.get("/dev/net/tun").status());
        assertEquals("MISSING", forTap.get("privileges").status());
        assertEquals("WARN", forTap.get("hugepages").status());
        assertEquals("WARN", forTap.get("libdpdk").status());
    }

    @Test
    void the_command_prints_a_line_per_check_and_exits_by_what_it_printed() throws IOException {
        dpdkHost();
        String[] r = CliRun.run("doctor", "--root", root.toString(), "--driver", "dpdk");
        int code = Integer.parseInt(r[0]);
        List<String> lines = r[1].lines().toList();
        assertEquals("bypass doctor: checking for drivers dpdk", lines.get(0));
        for (String name : CHECKS) {
            assertTrue(lines.stream().anyMatch(l -> l.matches("(OK|WARN|MISSING) +" + java.util.regex.Pattern.quote(name)
                + " .*")), () -> "no line for " + name + " in\n" + r[1]);
        }
        long missing = lines.stream().filter(l -> l.startsWith("MISSING ")).count();
        long warn = lines.stream().filter(l -> l.startsWith("WARN ")).count();
        long ok = lines.stream().filter(l -> l.startsWith("OK ")).count();
        assertEquals(CHECKS.size(), ok + warn + missing);
        assertTrue(lines.contains(ok + " OK, " + warn + " WARN, " + missing + " MISSING"), r[1]);
        assertEquals(missing == 0 ? 0 : 1, code, r[1]);

        // An empty root lacks /dev/net/tun, which the default driver (tap) needs: exit 1.
        Path empty = Files.createDirectories(root.resolve("empty"));
        String[] bare = CliRun.run("doctor", "--root", empty.toString());
        assertEquals("1", bare[0], bare[1]);
        assertTrue(bare[1].contains("\nMISSING  /dev/net/tun   absent: modprobe tun"), bare[1]);
    }
}
