package dev.bypass.cli;

import dev.bypass.config.ConfigLoader;
import dev.bypass.host.CountersFileReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code bypass stat}: the counters of a running bypass process, live, from its counters file. */
@Command(name = "stat", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Shows the counters of a bypass process (serve, get, send) live: name, value, rate per second.", "",
        "Reads the process's memory-mapped counters file read-only, without locks, from another shell; says "
            + "whether the process is running, stuck, gone or stopped cleanly (then the values are final). "
            + "Counters are labelled RESOURCE: name (r0: tcp.in_segs); only non-zero ones unless --all."},
    footer = {"", "Example: ./bypass stat --filter 'tcp\\.|dev\\.' --interval 2s",
        "         ./bypass stat --once --file /dev/shm/bypass-edge.counters"})
public final class StatCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final String CLEAR = "\033[H\033[2J";

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
        description = "the counters file (default: [stack] counters-file of --config, else /dev/shm/bypass-NAME.counters)")
    Path file;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "take the file from this configuration")
    Path config;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "bypass",
        description = "[stack] name of the process, for the default file (default ${DEFAULT-VALUE})")
    String name;

    @Option(names = {"-i", "--interval"}, converter = Durations.class, defaultValue = "1s", paramLabel = "DURATION",
        description = "time between two refreshes (default ${DEFAULT-VALUE})")
    Duration interval;

    @Option(names = "--once", description = "print the values once, without rates, and exit")
    boolean once;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "stop after N refreshes (default: until Ctrl-C)")
    int count;

    @Option(names = {"-e", "--filter"}, paramLabel = "REGEX", description = "only counters whose label matches (find)")
    String filter;

    @Option(names = {"-a", "--all"}, description = "also the counters that are zero")
    boolean all;

    @Option(names = "--no-clear", description = "append each refresh instead of redrawing the terminal")
    boolean noClear;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Pattern pattern;
        try {
            pattern = filter == null ? null : Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--filter: not a regular expression: " + e.getDescription());
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--interval must be positive");
        }
        Path path = resolveFile(err);
        if (path == null) {
            return 2;
        }
        boolean clear = !once && !noClear && System.console() != null;
        CountersFileReader reader = null;
        long[] previous = new long[0];
        long previousNs = 0;
        boolean waitingShown = false;
        for (int refresh = 0; once ? refresh < 1 : count <= 0 || refresh < count; refresh++) {
            if (refresh > 0) {
                Thread.sleep(interval.toMillis());
            }
            if (reader == null || reader.replaced()) {
                try {
                    reader = CountersFileReader.open(path);
                    previous = new long[0];
                } catch (IOException e) {
                    if (once || !(e instanceof NoSuchFileException || e instanceof CountersFileReader.NotACountersFile)) {
                        err.println("bypass stat: " + message(e));
                        err.flush();
                        return 1;
                    }
                    if (!waitingShown) {
                        out.println("bypass stat: waiting for " + path + " (" + message(e) + ")");
                        out.flush();
                        waitingShown = true;
                    }
                    continue;
                }
            }
            long nowNs = System.nanoTime();
            long nowMs = System.currentTimeMillis();
            CountersReader counters = reader.counters();
            long[] values = new long[counters.maxCounterId() + 1];
            StringBuilder sb = new StringBuilder(clear ? CLEAR : refresh > 0 ? "\n" : "");
            sb.append(reader.info()).append(" - ").append(reader.describeLiveness(nowMs)).append('\n');
            sb.append(path).append("  ").append(TIME.format(Instant.ofEpochMilli(nowMs))).append('\n');
            boolean rates = !once && previous.length > 0;
            sb.append(rates ? String.format(Locale.ROOT, "%-44s %20s %14s%n", "counter", "value", "rate/s")
                : String.format(Locale.ROOT, "%-44s %20s%n", "counter", "value"));
            double seconds = (nowNs - previousNs) / 1e9;
            long[] before = previous;
            int[] shown = {0};
            counters.forEach((value, id, label) -> {
                values[id] = value;
                if ((all || value != 0) && (pattern == null || pattern.matcher(label).find())) {
                    if (rates) {
                        String rate = id < before.length ? perSecond((value - before[id]) / seconds) : "-";
                        sb.append(String.format(Locale.ROOT, "%-44s %20d %14s%n", label, value, rate));
                    } else {
                        sb.append(String.format(Locale.ROOT, "%-44s %20d%n", label, value));
                    }
                    shown[0]++;
                }
            });
            if (shown[0] == 0) {
                sb.append(all ? "(no counter matches)\n" : "(no non-zero counter matches; --all shows the zeros)\n");
            }
            out.print(sb);
            out.flush();
            previous = values;
            previousNs = nowNs;
        }
        return 0;
    }

    private Path resolveFile(PrintWriter err) {
        if (file != null) {
            return file;
        }
        if (config != null) {
            try {
                var c = ConfigLoader.load(config, java.util.List.of());
                if (c.countersFile() == null) {
                    err.println("bypass stat: " + config + " sets counters-file = \"none\": there is no file to read");
                    err.flush();
                    return null;
                }
                return c.countersFile();
            } catch (dev.bypass.config.ConfigException e) {
                err.println("bypass stat: " + config + ": " + e.getMessage());
                err.flush();
                return null;
            }
        }
        return ConfigLoader.defaultCountersFile(name);
    }

    private static String message(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": " + (n.getReason() == null ? "no such file" : n.getReason());
        }
        return e.getMessage();
    }

    /** 12, 1.2k, 3.4M, 5.6G. */
    static String perSecond(double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return String.format(Locale.ROOT, "%.1fG", v / 1e9);
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
