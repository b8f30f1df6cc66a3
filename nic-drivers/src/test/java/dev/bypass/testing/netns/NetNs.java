package dev.bypass.testing.netns;

import dev.bypass.testing.Environment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;

/**
 * One network namespace made for a test, and everything started in it: created with a unique name
 * ({@code bp-<pid>-<label>-<n>}), deleted by {@link #close()} after the processes it started are stopped.
 *
 * <pre>{@code
 * try (NetNs ns = NetNs.create("ping")) {
 *     ns.moveLinkHere("bpt1234-0");
 *     ns.addAddress("bpt1234-0", "198.18.7.1/24");
 *     ns.linkUp("bpt1234-0");
 *     NetNs.Result r = ns.exec("ping", "-c", "1", "198.18.7.2");
 *     NetNs.Background server = ns.start("nc", "-l", "198.18.7.1", "9000");
 * }
 * }</pre>
 *
 * <p>The test network rule is built in: addresses and routes only from 198.18.0.0/15 (RFC 2544's
 * benchmarking block, never routed outside), no default route, nothing touched outside the namespaces
 * made here and the links handed to them. Processes are stopped by the PID this class started, never by
 * name. A JVM shutdown hook closes what a killed test run left open.
 *
 * <p>Needs root and {@code ip}; a test calls {@code Environment.requireNetworkNamespaces()} first.
 */
public final class NetNs implements AutoCloseable {
    /** How long {@link #exec} waits for a command unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
    /** Prefix of every namespace (and, with {@link #uniqueLinkName}, link) this JVM makes. */
    public static final String PREFIX = "bp-" + ProcessHandle.current().pid() + "-";

    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Set<NetNs> OPEN = ConcurrentHashMap.newKeySet();
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]{1,20}");
    /** 198.18.0.0/15: 198.18.x.x and 198.19.x.x, with an optional prefix length of 15 or more. */
    private static final Pattern TEST_ADDRESS =
        Pattern.compile("198\\.1[89]\\.(\\d{1,3})\\.(\\d{1,3})(/(1[5-9]|2\\d|3[0-2]))?");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (NetNs ns : OPEN) {
                try {
                    ns.close();
                } catch (RuntimeException e) {
                    // keep going: the other namespaces still need deleting
                    System.err.println("netns cleanup: " + e.getMessage());
                }
            }
        }, "netns-cleanup"));
    }

    private final String name;
    private final List<Background> started = new ArrayList<>();
    private boolean closed;

    private NetNs(String name) {
        this.name = name;
    }

    /** Creates a namespace named {@code bp-<pid>-<label>-<n>}; {@code label} is 1 to 20 of [a-z0-9]. */
    public static NetNs create(String label) {
        if (!LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("namespace label '" + label + "' must be 1 to 20 of [a-z0-9]");
        }
        NetNs ns = new NetNs(PREFIX + label + "-" + SEQUENCE.getAndIncrement());
        host("ip", "netns", "add", ns.name).requireSuccess();
        OPEN.add(ns);
        try {
            // Loopback is down in a new namespace; tools that talk to themselves need it.
            ns.exec("ip", "link", "set", "lo", "up").requireSuccess();
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /**
     * An interface name unique to this JVM, at most 15 bytes (IFNAMSIZ - 1): {@code <prefix><pid>-<n>},
     * e.g. {@code bpt4711-3}. {@code prefix} is 1 to 3 lowercase letters.
     */
    public static String uniqueLinkName(String prefix) {
        if (!prefix.matches("[a-z]{1,3}")) {
            throw new IllegalArgumentException("link name prefix '" + prefix + "' must be 1 to 3 of [a-z]");
        }
        String name = prefix + ProcessHandle.current().pid() + "-" + SEQUENCE.getAndIncrement();
        if (name.length() > 15) {
            throw new IllegalStateException("link name " + name + " is longer than 15 bytes");
        }
        return name;
    }

    /** The namespaces this JVM made that still exist: empty after every test cleaned up. */
    public static List<String> leftovers() {
        List<String> left = new ArrayList<>();
        for (String line : host("ip", "netns", "list").requireSuccess().stdout().split("\n")) {
            String ns = line.trim().split("\\s+")[0];
            if (ns.startsWith(PREFIX)) {
                left.add(ns);
            }
        }
        return left;
    }

    /**
     * Fails if this JVM left a namespace or a link in the host's namespace behind: for a test class's
     * {@code @AfterAll}. Does nothing where namespaces cannot be listed (not root, no {@code ip}).
     */
    public static void assertNothingLeftBehind() {
        if (Environment.isRoot() && Environment.hasCommand("ip")) {
            Assertions.assertEquals(List.of(), leftovers(), "namespaces left behind");
            Assertions.assertEquals(List.of(), leftoverLinks(), "links left behind in the host namespace");
        }
    }

    /** Links named by {@link #uniqueLinkName} still in the host's namespace: empty after every test cleaned up. */
    public static List<String> leftoverLinks() {
        Pattern ours = Pattern.compile("[a-z]{1,3}" + ProcessHandle.current().pid() + "-\\d+");
        List<String> left = new ArrayList<>();
        // "7: bpt4711-0: <BROADCAST,...> ..." or "8: veth0@veth1: ..."
        for (String line : host("ip", "-o", "link", "show").requireSuccess().stdout().split("\n")) {
            String[] fields = line.split(":\\s+", 3);
            if (fields.length >= 2) {
                String link = fields[1].split("@")[0];
                if (ours.matcher(link).matches()) {
                    left.add(link);
                }
            }
        }
        return left;
    }

    public String name() {
        return name;
    }

    /** Runs a command in this namespace and waits for it (at most {@link #DEFAULT_TIMEOUT}). */
    public Result exec(String... command) {
        return exec(DEFAULT_TIMEOUT, command);
    }

    /** Runs a command in this namespace; one still running after {@code timeout} is killed (by its PID). */
    public Result exec(Duration timeout, String... command) {
        requireOpen();
        return run(timeout, inNamespace(command));
    }

    /** Runs a command in the namespace this JVM runs in (the host's), e.g. to move a link. */
    public static Result host(String... command) {
        return run(DEFAULT_TIMEOUT, List.of(command));
    }

    /**
     * Starts a command in this namespace without waiting: stopped by {@link Background#stop} or, at the
     * latest, by {@link #close()}.
     */
    public Background start(String... command) {
        requireOpen();
        Background b = Background.start(inNamespace(command));
        synchronized (started) {
            started.add(b);
        }
        return b;
    }

    /** Moves a link from the host's namespace into this one ({@code ip link set dev L netns NS}). */
    public void moveLinkHere(String link) {
        requireOpen();
        host("ip", "link", "set", "dev", link, "netns", name).requireSuccess();
    }

    /** Adds an address in CIDR form; only 198.18.0.0/15 is allowed. */
    public void addAddress(String link, String cidr) {
        requireTestAddress(cidr);
        exec("ip", "addr", "add", cidr, "dev", link).requireSuccess();
    }

    public void linkUp(String link) {
        exec("ip", "link", "set", "dev", link, "up").requireSuccess();
    }

    /** Adds a route to a 198.18.0.0/15 destination, e.g. {@code addRoute("198.19.0.0/24", "via", "198.18.0.2")}. */
    public void addRoute(String destination, String... rest) {
        requireTestAddress(destination);
        for (int i = 0; i + 1 < rest.length; i++) {
            if (rest[i].equals("via")) {
                requireTestAddress(rest[i + 1]);
            }
        }
        List<String> cmd = new ArrayList<>(List.of("ip", "route", "add", destination));
        cmd.addAll(List.of(rest));
        exec(cmd.toArray(String[]::new)).requireSuccess();
    }

    /** Sets a sysctl inside this namespace ({@code net.*} keys are per namespace). */
    public void sysctl(String key, String value) {
        if (!key.startsWith("net.")) {
            throw new IllegalArgumentException("sysctl " + key + " is not per namespace: only net.* keys");
        }
        exec("sysctl", "-q", "-w", key + "=" + value).requireSuccess();
    }

    /** The MAC address of a link in this namespace, as {@code aa:bb:cc:dd:ee:ff}. */
    public String linkMac(String link) {
        String out = exec("ip", "-o", "link", "show", "dev", link).requireSuccess().stdout();
        int at = out.indexOf("link/ether ");
        if (at < 0) {
            throw new IllegalStateException("link " + link + " in " + name + " has no Ethernet address: " + out);
        }
        return out.substring(at + "link/ether ".length()).split("\\s+")[0];
    }

    /** Stops what {@link #start} started (SIGTERM, then SIGKILL after a grace period) and deletes the namespace. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (started) {
            for (Background b : started) {
                b.stop();
            }
            started.clear();
        }
        Result r = host("ip", "netns", "delete", name);
        OPEN.remove(this);
        if (!r.ok()) {
            throw new IllegalStateException("could not delete namespace " + name + ": " + r);
        }
    }

    @Override
    public String toString() {
        return "netns " + name;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private List<String> inNamespace(String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        return cmd;
    }

    private static void requireTestAddress(String address) {
        var m = TEST_ADDRESS.matcher(address);
        if (!m.matches() || Integer.parseInt(m.group(1)) > 255 || Integer.parseInt(m.group(2)) > 255) {
            throw new IllegalArgumentException("address " + address + " is outside 198.18.0.0/15, the only "
                + "block tests may use (and no default route)");
        }
    }

    private static Result run(Duration timeout, List<String> command) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("netns-", ".out");
            err = Files.createTempFile("netns-", ".err");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                kill(p.toHandle());
                p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
            return new Result(command, exited ? p.exitValue() : -1, Files.readString(out), Files.readString(err),
                !exited);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** SIGKILL to a process this class started and to its children, each by its own PID. */
    private static void kill(ProcessHandle process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left in /tmp is not worth failing a test over
            }
        }
    }

    /**
     * What a command did.
     *
     * @param timedOut the command was killed when its time was up ({@code exitCode} is then -1)
     */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** This result, or an exception with the command, exit code and both outputs. */
        public Result requireSuccess() {
            if (!ok()) {
                throw new IllegalStateException("command failed: " + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> " + (timedOut ? "timed out" : "exit " + exitCode)
                + (stdout.isBlank() ? "" : "\n  stdout: " + stdout.strip())
                + (stderr.isBlank() ? "" : "\n  stderr: " + stderr.strip());
        }
    }

    /** A process started by {@link #start}: stopped by its PID, output kept in temp files until it stops. */
    public static final class Background {
        private final List<String> command;
        private final Process process;
        private final CompletableFuture<Process> exit;
        private final Path out;
        private final Path err;
        private Result result;

        private Background(List<String> command, Process process, Path out, Path err) {
            this.command = command;
            this.process = process;
            this.exit = process.onExit();
            this.out = out;
            this.err = err;
        }

        static Background start(List<String> command) {
            Path out = null;
            Path err = null;
            try {
                out = Files.createTempFile("netns-bg-", ".out");
                err = Files.createTempFile("netns-bg-", ".err");
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .start();
                return new Background(command, p, out, err);
            } catch (IOException e) {
                deleteQuietly(out);
                deleteQuietly(err);
                throw new UncheckedIOException("cannot start " + command, e);
            }
        }

        public long pid() {
            return process.pid();
        }

        /** True once the process has exited; allocation-free, so a poll loop may call it every cycle. */
        public boolean hasExited() {
            return exit.isDone();
        }

        /** Waits for the process to exit by itself; kills it (by PID) after {@code timeout}. */
        public synchronized Result await(Duration timeout) {
            if (result != null) {
                return result;
            }
            try {
                boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!exited) {
                    kill(process.toHandle());
                    process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                }
                return collect(!exited);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill(process.toHandle());
                throw new IllegalStateException("interrupted while waiting for " + command, e);
            }
        }

        /** SIGTERM, then SIGKILL if the process has not exited within two seconds; returns what it did. */
        public synchronized Result stop() {
            if (result != null) {
                return result;
            }
            try {
                if (process.isAlive()) {
                    process.destroy();
                    if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                        kill(process.toHandle());
                        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                    }
                }
                return collect(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill(process.toHandle());
                throw new IllegalStateException("interrupted while stopping " + command, e);
            }
        }

        private Result collect(boolean timedOut) {
            try {
                result = new Result(command, process.isAlive() ? -1 : process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                    timedOut);
                return result;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the output of " + command, e);
            } finally {
                deleteQuietly(out);
                deleteQuietly(err);
            }
        }
    }
}
