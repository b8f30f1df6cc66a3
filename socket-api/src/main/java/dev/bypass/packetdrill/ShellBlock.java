package dev.bypass.packetdrill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a script's backquoted shell block as the profile to run with. bypass runs no shell: each command
 * is recognised and mapped, and any other command skips the script, naming it. Understood:
 * <ul>
 *   <li>a {@code .sh} file ({@code ../common/defaults.sh}): read relative to the script and applied line
 *       by line; a missing file counts as Linux's defaults (noted);
 *   <li>{@code sysctl [-q] [-e] [-w] name=value ...} and {@code set_sysctls.py /proc/sys/name=value ...}
 *       (see {@link Sysctls});
 *   <li>{@code echo value > /proc/sys/...} and the CUBIC module's {@code hystart_detect} at its default;
 *   <li>{@code ip tcp_metrics flush} (bypass keeps no metrics), {@code tc qdisc ... pfifo} (bypass sends in
 *       order with no queue discipline), {@code ethtool -K tun0 tso off} (the device then offers no TSO);
 *   <li>the sysctl restore script packetdrill's helpers write ({@code /tmp/sysctl_restore_*.sh}).
 * </ul>
 * Values may use {@code $((arithmetic))} and quotes, as {@code defaults.sh} does.
 */
final class ShellBlock {
    private static final int MAX_INCLUDE_DEPTH = 8;

    private ShellBlock() {
    }

    /** The profile a script's init command describes ({@code command} may be null: Linux's defaults). */
    static Profile profile(String command, Path scriptDirectory) {
        Profile.Builder p = new Profile.Builder();
        if (command != null) {
            apply(command, scriptDirectory, p, 0);
        }
        return p.build();
    }

    /** Applies a command found in the body of a script (at a time): only what changes nothing is accepted. */
    static String bodyCommandSkipReason(String command) {
        Profile.Builder p = new Profile.Builder();
        List<List<String>> commands;
        try {
            commands = commands(command);
        } catch (NumberFormatException e) {
            return "shell command in the script body: " + e.getMessage();
        }
        for (List<String> words : commands) {
            if (!words.isEmpty() && words.get(0).startsWith("/tmp/sysctl_restore_")) {
                continue;
            }
            p.skip("shell command in the script body: `" + String.join(" ", words) + "`");
        }
        return p.skipReason;
    }

    static void apply(String text, Path dir, Profile.Builder p, int depth) {
        List<List<String>> commands;
        try {
            commands = commands(text);
        } catch (NumberFormatException e) {
            p.skip("shell block: " + e.getMessage());
            return;
        }
        for (List<String> words : commands) {
            command(words, dir, p, depth);
        }
    }

    private static void command(List<String> words, Path dir, Profile.Builder p, int depth) {
        if (words.isEmpty()) {
            return;
        }
        String program = words.get(0);
        String line = String.join(" ", words);
        if (program.startsWith("/tmp/sysctl_restore_")) {
            p.note("`" + line + "` ignored: it restores sysctls packetdrill changed on the host");
        } else if (program.endsWith(".sh")) {
            source(program, dir, p, depth);
        } else if (program.equals("sysctl")) {
            for (String w : words.subList(1, words.size())) {
                if (w.startsWith("-")) {
                    continue;
                }
                int eq = w.indexOf('=');
                if (eq < 0) {
                    p.skip("`" + line + "`: reads a sysctl instead of setting it");
                    return;
                }
                Sysctls.apply(w.substring(0, eq), w.substring(eq + 1), p);
            }
        } else if (program.endsWith("set_sysctls.py")) {
            for (String w : words.subList(1, words.size())) {
                int eq = w.indexOf('=');
                if (eq < 0 || !w.startsWith("/proc/sys/")) {
                    p.skip("`" + line + "`: expected /proc/sys/name=value arguments");
                    return;
                }
                Sysctls.apply(w.substring("/proc/sys/".length(), eq), w.substring(eq + 1), p);
            }
        } else if (program.equals("echo")) {
            echo(words, line, p);
        } else if (program.equals("ip") && words.size() >= 3 && words.get(1).equals("tcp_metrics")
            && words.get(2).equals("flush")) {
            p.note("`" + line + "` ignored: bypass keeps no per-destination metrics");
        } else if (program.equals("tc")) {
            qdisc(words, line, p);
        } else if (program.equals("ethtool")) {
            ethtool(words, line, p);
        } else {
            p.skip("shell command not understood: `" + line + "`");
        }
    }

    private static void source(String file, Path dir, Profile.Builder p, int depth) {
        Path path = dir.resolve(file).normalize();
        if (depth >= MAX_INCLUDE_DEPTH) {
            p.skip("shell files include each other too deeply at " + path);
            return;
        }
        if (!Files.isRegularFile(path)) {
            p.note(file + " not found (looked at " + path + "): Linux's defaults");
            return;
        }
        try {
            apply(Files.readString(path), path.getParent(), p, depth + 1);
        } catch (IOException e) {
            p.skip("cannot read " + path + ": " + e.getMessage());
        }
    }

    private static void echo(List<String> words, String line, Profile.Builder p) {
        int redirect = words.indexOf(">");
        if (redirect != 2 || words.size() != 4) {
            p.skip("shell command not understood: `" + line + "`");
            return;
        }
        String value = words.get(1);
        String target = words.get(3);
        if (target.startsWith("/proc/sys/")) {
            Sysctls.apply(target.substring("/proc/sys/".length()), value, p);
        } else if (target.equals("/sys/module/tcp_cubic/parameters/hystart_detect") && value.equals("3")) {
            p.note("`" + line + "`: both HyStart detectors, Linux's default");
        } else {
            p.skip("module or file setting not in bypass: `" + line + "`");
        }
    }

    private static void qdisc(List<String> words, String line, Profile.Builder p) {
        boolean fifo = words.contains("pfifo") || words.contains("pfifo_fast") || words.contains("bfifo");
        int limit = words.indexOf("limit");
        boolean dropsAll = limit > 0 && limit + 1 < words.size() && words.get(limit + 1).equals("0");
        if (fifo && !dropsAll) {
            p.note("`" + line + "` ignored: bypass sends in order with no queue discipline, as a FIFO");
        } else if (words.contains("fq")) {
            p.skip("`" + line + "`: pacing (the fq qdisc) is not in bypass");
        } else {
            p.skip("queue discipline not in bypass: `" + line + "`");
        }
    }

    private static void ethtool(List<String> words, String line, Profile.Builder p) {
        if (words.size() < 3 || !words.get(1).equals("-K")) {
            p.skip("shell command not understood: `" + line + "`");
            return;
        }
        for (int i = 3; i + 1 < words.size(); i += 2) {
            String feature = words.get(i);
            boolean on = words.get(i + 1).equals("on");
            switch (feature) {
                case "tso", "gso" -> p.tso = p.tso && on;
                default -> {
                    p.skip("device feature not in bypass's script device: `" + line + "`");
                    return;
                }
            }
        }
        if (!p.tso) {
            p.note("`" + line + "`: the script device offers no TSO");
        }
    }

    // ------------------------------------------------------------------------------------------ words

    /** Splits a shell text into commands of words: lines (with backslash continuation), ';' and '&&'. */
    static List<List<String>> commands(String text) {
        List<List<String>> commands = new ArrayList<>();
        String joined = text.replace("\\\n", " ");
        for (String rawLine : joined.split("\n")) {
            List<String> words = new ArrayList<>();
            for (String w : words(rawLine)) {
                if (w.equals(";") || w.equals("&&")) {
                    commands.add(stripRedirections(words));
                    words = new ArrayList<>();
                } else {
                    words.add(w);
                }
            }
            commands.add(stripRedirections(words));
        }
        commands.removeIf(List::isEmpty);
        return commands;
    }

    /** Drops {@code > /dev/null}, {@code 2>&1} and the like, but keeps {@code echo v > file}. */
    private static List<String> stripRedirections(List<String> words) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("2>&1") || w.equals(">/dev/null") || w.equals("2>/dev/null") || w.equals("&>/dev/null")) {
                continue;
            }
            if ((w.equals(">") || w.equals("2>") || w.equals("&>")) && i + 1 < words.size()
                && words.get(i + 1).equals("/dev/null")) {
                i++;
                continue;
            }
            out.add(w);
        }
        return out;
    }

    /** Shell words of one line: quotes removed, {@code $((...))} evaluated, {@code #} comments dropped. */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '#' && !inWord) {
                break;
            }
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
                continue;
            }
            if (c == ';') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                words.add(";");
                i++;
                continue;
            }
            inWord = true;
            if (c == '"' || c == '\'') {
                int end = line.indexOf(c, i + 1);
                if (end < 0) {
                    end = line.length();
                }
                String inner = line.substring(i + 1, end);
                word.append(c == '"' ? expand(inner) : inner);
                i = end + 1;
            } else if (line.startsWith("$((", i)) {
                int end = arithmeticEnd(line, i);
                word.append(expand(line.substring(i, end)));
                i = end;
            } else {
                word.append(c);
                i++;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** Evaluates each {@code $((expression))} in {@code s} (integers, + - * / % and parentheses). */
    static String expand(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int start = s.indexOf("$((", i);
            if (start < 0) {
                out.append(s, i, s.length());
                break;
            }
            int end = arithmeticEnd(s, start);
            out.append(s, i, start);
            out.append(new Arithmetic(s.substring(start + 3, end - 2)).evaluate());
            i = end;
        }
        return out.toString();
    }

    /** The index just past the {@code ))} closing the {@code $((} at {@code start}, nested parentheses allowed. */
    private static int arithmeticEnd(String s, int start) {
        int depth = 0;
        for (int i = start + 3; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (depth == 0) {
                    if (i + 1 < s.length() && s.charAt(i + 1) == ')') {
                        return i + 2;
                    }
                    break;
                }
                depth--;
            }
        }
        throw new NumberFormatException("unterminated $(( in " + s);
    }

    /** Shell integer arithmetic, enough for {@code $((15*1024*1024))}. */
    private static final class Arithmetic {
        private final String text;
        private int pos;

        Arithmetic(String text) {
            this.text = text;
        }

        long evaluate() {
            long v = sum();
            skipSpaces();
            if (pos != text.length()) {
                throw new NumberFormatException("cannot evaluate $((" + text + "))");
            }
            return v;
        }

        private long sum() {
            long v = product();
            while (true) {
                skipSpaces();
                if (eat('+')) {
                    v += product();
                } else if (eat('-')) {
                    v -= product();
                } else {
                    return v;
                }
            }
        }

        private long product() {
            long v = unary();
            while (true) {
                skipSpaces();
                if (eat('*')) {
                    v *= unary();
                } else if (eat('/')) {
                    v /= unary();
                } else if (eat('%')) {
                    v %= unary();
                } else {
                    return v;
                }
            }
        }

        private long unary() {
            skipSpaces();
            if (eat('-')) {
                return -unary();
            }
            if (eat('(')) {
                long v = sum();
                skipSpaces();
                if (!eat(')')) {
                    throw new NumberFormatException("missing ) in $((" + text + "))");
                }
                return v;
            }
            int start = pos;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            if (start == pos) {
                throw new NumberFormatException("cannot evaluate $((" + text + "))");
            }
            return Long.parseLong(text.substring(start, pos));
        }

        private boolean eat(char c) {
            if (pos < text.length() && text.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        private void skipSpaces() {
            while (pos < text.length() && text.charAt(pos) == ' ') {
                pos++;
            }
        }
    }
}
