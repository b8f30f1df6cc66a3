package dev.bypass.nic.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a setup command ({@code ip}, {@code sysctl}) while a resource opens: never on the data path. A
 * command that cannot start, does not finish in time or fails becomes an {@link IOException} that names
 * {@code subject} (what was being set up), the command and its output.
 */
public final class SetupCommand {
    private static final long TIMEOUT_SECONDS = 10;

    private SetupCommand() {
    }

    /** {@code ip OPTIONS... ARGS...} (options such as {@code -n NETNS}). */
    public static void ip(String subject, List<String> options, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(options);
        command.addAll(List.of(args));
        run(subject, command);
    }

    public static void run(String subject, List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(subject + ": cannot run " + String.join(" ", command) + " (is iproute2 "
                + "installed?): " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(subject + ": " + String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS
                + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(subject + ": " + String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                + out + (command.contains("netns") ? " (does the namespace exist? ip netns add NAME)" : ""));
        }
    }
}
