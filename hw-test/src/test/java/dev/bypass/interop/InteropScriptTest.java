package dev.bypass.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testing.Environment;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code hw-test/interop.sh}: bypass on DPDK (af_packet over the rig's veths, under Epsilon GC) against
 * the kernel's ping, curl, wrk, nc and python, case by case, and a client bypass process in a namespace of its own
 * connecting through the connect query (stack-client-query). The script runs the CLI from this test's class
 * path ({@code BYPASS_CLASSPATH}), so it uses exactly the classes under test and builds nothing.
 *
 * <p>Needs root, ip netns, DPDK (libdpdk-dev and the shim built by this build) and the kernel tools;
 * without them it says why and skips locally, and fails in CI.
 */
class InteropScriptTest {
    private static final Pattern SUMMARY = Pattern.compile("(?m)^(\\d+) passed, (\\d+) failed$");
    private static final long TIMEOUT_MINUTES = 20;
    /** Names the rig's prefix (interop.sh --prefix; default bpi): two runs on one machine need two. */
    static final String PREFIX_ENV = "BYPASS_INTEROP_PREFIX";

    @TempDir
    Path tmp;

    @Test
    void every_interop_case_passes_against_the_kernel() throws Exception {
        Environment.requireNetworkNamespaces();
        Environment.requireCommands("ethtool", "curl", "nc", "wrk", "python3", "tcpdump", "tshark", "ping", "pkg-config");
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path script = root.resolve("hw-test/interop.sh");
        Environment.require(Files.exists(root.resolve("native/target/libbypass_dpdk.so")),
            "the DPDK shim (native/target/libbypass_dpdk.so; install libdpdk-dev and rebuild)");
        Path log = tmp.resolve("interop.log");
        List<String> cmd = new java.util.ArrayList<>(List.of(script.toString(), "--keep-logs", tmp.resolve("logs").toString()));
        String prefix = System.getenv(PREFIX_ENV);
        if (prefix != null && !prefix.isBlank()) {
            cmd.addAll(List.of("--prefix", prefix.strip())); // a rig of one's own beside someone else's run
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
            .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("BYPASS_CLASSPATH", System.getProperty("java.class.path"));
        Process p = pb.start();
        boolean done = p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println("[interop.sh]\n" + out.strip());
        assertTrue(done, "interop.sh still running after " + TIMEOUT_MINUTES + " minutes:\n" + out);
        Matcher m = SUMMARY.matcher(out);
        assertTrue(m.find(), "no 'N passed, N failed' line (exit " + p.exitValue() + "):\n" + out);
        assertEquals("0", m.group(2), out);
        assertTrue(Integer.parseInt(m.group(1)) >= 14, "fewer cases than the script has:\n" + out);
        assertEquals(0, p.exitValue(), out);
    }
}
