package dev.bypass.packetdrill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs packetdrill scripts against bypass: each script on a fresh stack, over a {@link ScriptDevice}, on
 * a virtual clock (deterministic, no sleeping). A script reads as packetdrill reads it; its shell block
 * becomes the {@link Profile} (Linux's defaults, moved by its sysctls); what bypass cannot model skips the
 * script with the reason, never passes it.
 */
public final class PacketdrillRunner {
    private PacketdrillRunner() {
    }

    /** Runs one script file. */
    public static Result run(Path script) {
        return run(script, (Consumer<String>) null);
    }

    /** Runs one script file; {@code trace} (or null) gets each packet and call as it happens. */
    public static Result run(Path script, Consumer<String> trace) {
        String text;
        try {
            text = Files.readString(script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Result.fail(script, script + ": cannot read: " + e.getMessage(), List.of());
        }
        return run(script, text, trace);
    }

    /** Runs a script given as text ({@code path} names it in messages and anchors its shell paths). */
    public static Result run(Path path, String text) {
        return run(path, text, null);
    }

    /** As {@link #run(Path, String)}, tracing each packet and call to {@code trace} (or null). */
    public static Result run(Path path, String text, Consumer<String> trace) {
        Script script;
        try {
            script = ScriptParser.parse(path, text);
        } catch (ScriptSyntaxException e) {
            return Result.fail(path, path + ":" + e.line() + ": syntax error: " + e.getMessage().replaceFirst(
                "^line \\d+: ", ""), List.of());
        }
        ScriptOptions options = ScriptOptions.from(script.options());
        Path dir = path.toAbsolutePath().getParent();
        Profile profile = ShellBlock.profile(script.initCommand(), dir);
        return ScriptRun.run(script, options, profile, trace);
    }

    /** The {@code .pkt} files under each path (a file is taken as is), each directory's in sorted order. */
    public static List<Path> scripts(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".pkt"))
                        .sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }
}
