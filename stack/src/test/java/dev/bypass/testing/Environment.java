package dev.bypass.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs of the machine (root, network namespaces, a command such as curl), and the rule
 * for when it is missing: locally the test skips and says why; in CI ({@code CI=true}) it fails, since
 * a test that needs root, DPDK or namespaces must run there.
 */
public final class Environment {
    private Environment() {
    }

    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Long runs (many seeds, large transfers) when {@code -Dbypass.test.long=true}. */
    public static boolean longTests() {
        return Boolean.getBoolean("bypass.test.long");
    }

    /** Skips locally, fails in CI, when {@code condition} is false; {@code missing} names what is missing. */
    public static void require(boolean condition, String missing) {
        if (condition) {
            return;
        }
        if (isCi()) {
            fail("CI=true but " + missing + " (in CI this test must run, not skip)");
        }
        Assumptions.assumeTrue(false, "skipped: " + missing);
    }

    public static boolean isRoot() {
        try {
            return "0".equals(Files.readString(Path.of("/proc/self/status")).lines()
                .filter(l -> l.startsWith("Uid:")).findFirst().map(l -> l.split("\\s+")[1]).orElse(""));
        } catch (Exception e) {
            return false;
        }
    }

    public static boolean hasCommand(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : (path + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /** Root, /dev/net/tun and the ip command: what the TAP and namespace tests need. */
    public static void requireNetworkNamespaces() {
        require(isRoot(), "not running as root (network namespaces and TAP devices need root)");
        require(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun is missing (TAP driver)");
        require(hasCommand("ip"), "the 'ip' command (iproute2) is not installed");
    }

    /** Each named command must be on the PATH. */
    public static void requireCommands(String... names) {
        for (String n : names) {
            require(hasCommand(n), "the '" + n + "' command is not installed");
        }
    }
}
