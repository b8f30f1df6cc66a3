package dev.bypass.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/** The side-by-side results as files: raw rows (CSV, JSON), a Markdown table with ratios, summary.json. */
final class Reports {
    static final double RTT_P50_RATIO_MAX = 0.2;
    static final double THROUGHPUT_RATIO_MIN = 2.0;

    private Reports() {
    }

    /** The median round of each case of each system, keyed {@code system|caseKey}, in the order first run. */
    static Map<String, Row> medians(List<Row> rows) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            groups.computeIfAbsent(r.system() + "|" + r.caseKey(), k -> new ArrayList<>()).add(r);
        }
        Map<String, Row> medians = new LinkedHashMap<>();
        for (Map.Entry<String, List<Row>> e : groups.entrySet()) {
            List<Row> sorted = new ArrayList<>(e.getValue());
            sorted.sort(SideBySide.byRank());
            medians.put(e.getKey(), sorted.get((sorted.size() - 1) / 2));
        }
        return medians;
    }

    static void write(Path out, List<Row> all, Map<String, Row> medians, Map<String, Object> machine) throws IOException {
        Set<Row> chosen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        chosen.addAll(medians.values());
        StringBuilder csv = new StringBuilder(Row.CSV_HEADER).append('\n');
        StringBuilder json = new StringBuilder("{\"machine\":").append(Json.write(machine)).append(",\"rows\":[\n");
        for (int i = 0; i < all.size(); i++) {
            Row r = all.get(i);
            csv.append(r.csv(chosen.contains(r))).append('\n');
            json.append(r.json(chosen.contains(r))).append(i + 1 < all.size() ? ",\n" : "\n");
        }
        json.append("]}\n");
        Files.writeString(out.resolve("e2e.csv"), csv);
        Files.writeString(out.resolve("e2e.json"), json);
        Map<String, Object> summary = summary(medians, machine);
        Files.writeString(out.resolve("summary.json"), Json.write(summary) + "\n");
        Files.writeString(out.resolve("e2e.md"), markdown(medians, summary, machine));
    }

    /** Ratios by name, each bypass system over the kernel, from the median rounds; targets; the machine. */
    static Map<String, Object> summary(Map<String, Row> medians, Map<String, Object> machine) {
        Map<String, Object> s = new LinkedHashMap<>();
        for (String system : SideBySide.SYSTEMS) {
            if (system.equals("kernel")) {
                continue;
            }
            Map<String, Object> ratios = new LinkedHashMap<>();
            for (int size : SideBySide.SIZES) {
                String suffix = size == 64 ? "" : "_" + size;
                ratio(ratios, "rtt_p50_ratio" + suffix, medians, system, "rtt|" + size + "|0", Row::p50);
                ratio(ratios, "rtt_p99_ratio" + suffix, medians, system, "rtt|" + size + "|0", Row::p99);
                ratio(ratios, "rtt_p999_ratio" + suffix, medians, system, "rtt|" + size + "|0", Row::p999);
                ratio(ratios, "rtt_max_ratio" + suffix, medians, system, "rtt|" + size + "|0", Row::max);
            }
            for (int size : SideBySide.SIZES) {
                String suffix = size == 64 ? "" : "_" + size;
                String key = openKey(medians, size);
                if (key != null) {
                    ratio(ratios, "rtt_open_p50_ratio" + suffix, medians, system, key, Row::p50);
                    ratio(ratios, "rtt_open_p99_ratio" + suffix, medians, system, key, Row::p99);
                }
            }
            ratio(ratios, "throughput_ratio", medians, system, "bulk|65536|0", Row::gbpsPerCore);
            ratio(ratios, "throughput_ratio_1024", medians, system, "bulk|1024|0", Row::gbpsPerCore);
            ratio(ratios, "throughput_ratio_16384", medians, system, "bulk|16384|0", Row::gbpsPerCore);
            ratio(ratios, "conn_rate_ratio", medians, system, "conn|1|0", Row::connPerSec);
            for (double load : SideBySide.LOADS) {
                ratio(ratios, String.format(Locale.ROOT, "load%d_p99_ratio", Math.round(load * 100)), medians, system,
                    "load|64|" + load, Row::p99);
            }
            if (ratios.get("rtt_p50_ratio") instanceof Double d) {
                ratios.put("rtt_target_met", d <= RTT_P50_RATIO_MAX);
            }
            if (ratios.get("throughput_ratio") instanceof Double d) {
                ratios.put("throughput_target_met", d >= THROUGHPUT_RATIO_MIN);
            }
            if (!ratios.isEmpty()) {
                s.put(system, ratios);
            }
        }
        Map<String, Object> targets = new LinkedHashMap<>();
        targets.put("rtt_p50_ratio_max", RTT_P50_RATIO_MAX);
        targets.put("throughput_ratio_min", THROUGHPUT_RATIO_MIN);
        s.put("targets", targets);
        s.put("machine", machine);
        return s;
    }

    private static String openKey(Map<String, Row> medians, int size) {
        for (Row r : medians.values()) {
            if (r.system().equals("kernel") && r.test().equals("rtt-open") && r.size() == size) {
                return r.caseKey();
            }
        }
        return null;
    }

    private static void ratio(Map<String, Object> into, String name, Map<String, Row> medians, String system, String key,
                              ToDoubleFunction<Row> figure) {
        Row b = medians.get(system + "|" + key);
        Row k = medians.get("kernel|" + key);
        if (b == null || k == null || figure.applyAsDouble(k) <= 0) {
            return;
        }
        into.put(name, Math.round(figure.applyAsDouble(b) / figure.applyAsDouble(k) * 10000) / 10000.0);
    }

    static String markdown(Map<String, Row> medians, Map<String, Object> summary, Map<String, Object> machine) {
        Set<String> systems = new LinkedHashSet<>();
        Set<String> cases = new LinkedHashSet<>();
        for (Row r : medians.values()) {
            systems.add(r.system());
            cases.add(r.caseKey());
        }
        boolean kernel = systems.contains("kernel");
        StringBuilder b = new StringBuilder("# bypass and the kernel, end to end\n\n");
        b.append(String.format(Locale.ROOT, "%s run, %s round(s), %s cores, %s, load average %s before, %s after; "
                + "median round of each case. Latencies in µs, throughput in Gbit/s per busy core, ratio = bypass / kernel.%n%n",
            machine.get("mode"), machine.get("rounds"), machine.get("cores"), machine.get("java"),
            machine.get("load_average_before"), machine.get("load_average_after")));
        b.append("| test | size | offered | figure |");
        for (String s : systems) {
            b.append(' ').append(s).append(" |");
            if (kernel && !s.equals("kernel")) {
                b.append(" ratio |");
            }
        }
        b.append("\n|---|---:|---|---|");
        for (String s : systems) {
            b.append("---:|");
            if (kernel && !s.equals("kernel")) {
                b.append("---:|");
            }
        }
        b.append('\n');
        for (String c : cases) {
            Row any = null;
            for (String s : systems) {
                if (any == null) {
                    any = medians.get(s + "|" + c);
                }
            }
            List<String> figures = switch (any.test()) {
                case "bulk" -> List.of("Gbit/s per core", "Gbit/s total");
                case "conn" -> List.of("connections/s");
                default -> List.of("p50", "p99", "p99.9", "max");
            };
            for (String f : figures) {
                b.append("| ").append(any.test()).append(" | ").append(any.size()).append(" B | ").append(offered(any))
                    .append(" | ").append(f).append(" |");
                Row k = medians.get("kernel|" + c);
                for (String s : systems) {
                    Row r = medians.get(s + "|" + c);
                    b.append(' ').append(r == null ? "" : format(figure(r, f))).append(" |");
                    if (kernel && !s.equals("kernel")) {
                        b.append(' ').append(r == null || k == null || figure(k, f) <= 0 ? ""
                            : String.format(Locale.ROOT, "%.3f", figure(r, f) / figure(k, f))).append(" |");
                    }
                }
                b.append('\n');
            }
        }
        b.append("\n## Ratios (summary.json)\n\n");
        for (Map.Entry<String, Object> e : summary.entrySet()) {
            if (e.getKey().equals("machine")) {
                continue;
            }
            b.append("- **").append(e.getKey()).append("**: ").append(Json.write(e.getValue())).append('\n');
        }
        return b.toString();
    }

    private static String offered(Row r) {
        return switch (r.test()) {
            case "rtt" -> "closed loop";
            case "rtt-open" -> r.rate() + "/s";
            case "load" -> Math.round(r.load() * 100) + "% of max";
            default -> "";
        };
    }

    private static double figure(Row r, String f) {
        return switch (f) {
            case "p50" -> r.p50() / 1e3;
            case "p99" -> r.p99() / 1e3;
            case "p99.9" -> r.p999() / 1e3;
            case "max" -> r.max() / 1e3;
            case "Gbit/s per core" -> r.gbpsPerCore();
            case "Gbit/s total" -> r.gbps();
            default -> r.connPerSec();
        };
    }

    private static String format(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    /** Just enough JSON: maps, lists, strings, numbers, booleans, null. */
    static final class Json {
        private Json() {
        }

        static String write(Object v) {
            StringBuilder b = new StringBuilder();
            write(b, v);
            return b.toString();
        }

        private static void write(StringBuilder b, Object v) {
            if (v == null) {
                b.append("null");
            } else if (v instanceof Map<?, ?> m) {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    b.append(first ? "" : ",");
                    first = false;
                    string(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            } else if (v instanceof List<?> l) {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    b.append(i == 0 ? "" : ",");
                    write(b, l.get(i));
                }
                b.append(']');
            } else if (v instanceof Double d) {
                b.append(d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%s", d));
            } else if (v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else {
                string(b, v.toString());
            }
        }

        private static void string(StringBuilder b, String s) {
            b.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
        }
    }
}
