package dev.bypass.bench.e2e;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import javax.imageio.ImageIO;

/** The side-by-side plots, drawn with Java2D into PNGs (headless; no plotting library). */
final class Plots {
    static final int WIDTH = 960;
    static final int HEIGHT = 600;
    private static final int LEFT = 90;
    private static final int RIGHT = 230;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;
    private static final Map<String, Color> COLORS = Map.of("kernel", new Color(0xD62728), "bypass-handler",
        new Color(0x1F77B4), "bypass-socket", new Color(0x2CA02C));
    private static final Color[] OTHER = {new Color(0x9467BD), new Color(0xFF7F0E), new Color(0x8C564B), new Color(0x17BECF)};

    private Plots() {
    }

    /** One line: x and y values, a colour, dashed or not. */
    record Series(String name, double[] x, double[] y, Color color, boolean dashed) {
    }

    /** One axis: log or linear, and how a tick value reads. */
    record Axis(String label, boolean log, DoubleFunction<String> format) {
    }

    /** Writes every plot the medians allow; returns one line per plot, written or skipped and why. */
    static List<String> writeAll(Path out, Map<String, Row> medians) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(latencyDistribution(out, medians));
        lines.add(throughput(out, medians));
        lines.add(latencyVsLoad(out, medians));
        lines.add(memory(out));
        return lines;
    }

    private static Color color(String system, int i) {
        return COLORS.getOrDefault(system, OTHER[i % OTHER.length]);
    }

    static String latencyDistribution(Path out, Map<String, Row> medians) throws IOException {
        List<Series> series = new ArrayList<>();
        for (Row r : medians.values()) {
            if (!r.test().equals("rtt") || r.percentiles().length == 0) {
                continue;
            }
            double[] x = new double[Row.CURVE.length];
            double[] y = new double[Row.CURVE.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = 1 / (1 - Row.CURVE[i] / 100);
                y[i] = Math.max(r.percentiles()[i], 1) / 1e3;
            }
            series.add(new Series(r.system() + " " + r.size() + " B", x, y, shade(color(r.system(), 0), r.size()),
                r.size() != 64));
        }
        return draw(out.resolve("latency_distribution.png"), "Round-trip latency distribution (closed loop)",
            new Axis("percentile", true, v -> percentileLabel(v)), new Axis("latency (µs)", true, Plots::number), series);
    }

    static String throughput(Path out, Map<String, Row> medians) throws IOException {
        Map<String, List<Row>> bySystem = new LinkedHashMap<>();
        for (Row r : medians.values()) {
            if (r.test().equals("bulk")) {
                bySystem.computeIfAbsent(r.system(), k -> new ArrayList<>()).add(r);
            }
        }
        List<Series> series = new ArrayList<>();
        for (Map.Entry<String, List<Row>> e : bySystem.entrySet()) {
            List<Row> rows = e.getValue();
            rows.sort((a, b) -> Integer.compare(a.size(), b.size()));
            series.add(new Series(e.getKey(), rows.stream().mapToDouble(Row::size).toArray(),
                rows.stream().mapToDouble(Row::gbpsPerCore).toArray(), color(e.getKey(), series.size()), false));
        }
        return draw(out.resolve("throughput_vs_size.png"), "Bulk throughput per busy core against write size",
            new Axis("write size (bytes)", true, Plots::bytes), new Axis("Gbit/s per core", false, Plots::number), series);
    }

    static String latencyVsLoad(Path out, Map<String, Row> medians) throws IOException {
        Map<String, List<Row>> bySystem = new LinkedHashMap<>();
        for (Row r : medians.values()) {
            if (r.test().equals("load")) {
                bySystem.computeIfAbsent(r.system(), k -> new ArrayList<>()).add(r);
            }
        }
        List<Series> series = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, List<Row>> e : bySystem.entrySet()) {
            List<Row> rows = e.getValue();
            rows.sort((a, b) -> Long.compare(a.rate(), b.rate()));
            double[] x = rows.stream().mapToDouble(Row::rate).toArray();
            Color c = color(e.getKey(), i++);
            series.add(new Series(e.getKey() + " p99", x, rows.stream().mapToDouble(r -> r.p99() / 1e3).toArray(), c, false));
            series.add(new Series(e.getKey() + " p50", x, rows.stream().mapToDouble(r -> r.p50() / 1e3).toArray(), c, true));
        }
        return draw(out.resolve("latency_vs_load.png"), "64 B round trip against offered load (open loop, CO-corrected)",
            new Axis("offered messages/s", true, Plots::number), new Axis("latency (µs)", true, Plots::number), series);
    }

    /**
     * Memory against connections, from {@code scale.csv} (ScaleBench's): x is the column named like
     * "connections", y every column with "bytes" in its name, grouped by a "system" column if there is one.
     */
    static String memory(Path out) throws IOException {
        Path csv = out.resolve("scale.csv");
        if (!Files.isRegularFile(csv)) {
            return "memory_vs_connections.png skipped: no " + csv + " (ScaleBench writes it)";
        }
        List<String> lines = Files.readAllLines(csv).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        if (lines.size() < 2) {
            return "memory_vs_connections.png skipped: " + csv + " has no data rows";
        }
        String[] header = lines.get(0).split(",");
        int xCol = -1;
        int systemCol = -1;
        List<Integer> yCols = new ArrayList<>();
        for (int i = 0; i < header.length; i++) {
            String h = header[i].trim().toLowerCase(Locale.ROOT);
            if (xCol < 0 && h.contains("connections") && !h.contains("bytes")) {
                xCol = i;
            } else if (h.contains("bytes")) {
                yCols.add(i);
            } else if (h.equals("system") || h.equals("stack") || h.equals("name")) {
                systemCol = i;
            }
        }
        if (xCol < 0 || yCols.isEmpty()) {
            return "memory_vs_connections.png skipped: " + csv + " has no 'connections' column or no '*bytes*' column";
        }
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            try {
                double x = Double.parseDouble(f[xCol].trim());
                for (int y : yCols) {
                    String key = (systemCol >= 0 ? f[systemCol].trim() + " " : "") + header[y].trim();
                    points.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {x, Double.parseDouble(f[y].trim())});
                }
            } catch (RuntimeException e) {
                // a malformed or non-numeric row: skipped
            }
        }
        List<Series> series = new ArrayList<>();
        for (Map.Entry<String, List<double[]>> e : points.entrySet()) {
            List<double[]> p = e.getValue();
            p.sort((a, b) -> Double.compare(a[0], b[0]));
            series.add(new Series(e.getKey(), p.stream().mapToDouble(a -> a[0]).toArray(),
                p.stream().mapToDouble(a -> a[1]).toArray(), OTHER[series.size() % OTHER.length], false));
        }
        return draw(out.resolve("memory_vs_connections.png"), "Memory against connections (scale.csv)",
            new Axis("connections", true, Plots::number), new Axis("bytes", true, Plots::bytes), series);
    }

    /** Draws a line chart; returns what it did. */
    static String draw(Path file, String title, Axis xAxis, Axis yAxis, List<Series> all) throws IOException {
        List<Series> series = all.stream().filter(s -> s.x().length > 0).toList();
        if (series.isEmpty()) {
            return file.getFileName() + " skipped: no data for it in this run";
        }
        double[] xr = range(series, true, xAxis.log());
        double[] yr = range(series, false, yAxis.log());
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int plotW = WIDTH - LEFT - RIGHT;
            int plotH = HEIGHT - TOP - BOTTOM;
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.setColor(Color.BLACK);
            g.drawString(title, LEFT, 30);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            // grid and ticks
            for (double t : ticks(xr, xAxis.log())) {
                int px = LEFT + (int) Math.round(pos(t, xr, xAxis.log()) * plotW);
                g.setColor(new Color(0xE0E0E0));
                g.drawLine(px, TOP, px, TOP + plotH);
                g.setColor(Color.DARK_GRAY);
                String s = xAxis.format().apply(t);
                g.drawString(s, px - g.getFontMetrics().stringWidth(s) / 2, TOP + plotH + 18);
            }
            for (double t : ticks(yr, yAxis.log())) {
                int py = TOP + plotH - (int) Math.round(pos(t, yr, yAxis.log()) * plotH);
                g.setColor(new Color(0xE0E0E0));
                g.drawLine(LEFT, py, LEFT + plotW, py);
                g.setColor(Color.DARK_GRAY);
                String s = yAxis.format().apply(t);
                g.drawString(s, LEFT - 8 - g.getFontMetrics().stringWidth(s), py + 4);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, plotW, plotH);
            g.drawString(xAxis.label(), LEFT + plotW / 2 - g.getFontMetrics().stringWidth(xAxis.label()) / 2, HEIGHT - 25);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(-Math.PI / 2);
            rotated.drawString(yAxis.label(), -(TOP + plotH / 2) - g.getFontMetrics().stringWidth(yAxis.label()) / 2, 20);
            rotated.dispose();
            // series and legend
            int legendY = TOP + 10;
            for (Series s : series) {
                Stroke stroke = s.dashed()
                    ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {7f, 5f}, 0f)
                    : new BasicStroke(2.2f);
                g.setStroke(stroke);
                g.setColor(s.color());
                int prevX = -1;
                int prevY = -1;
                for (int i = 0; i < s.x().length; i++) {
                    if (xAxis.log() && s.x()[i] <= 0 || yAxis.log() && s.y()[i] <= 0) {
                        continue;
                    }
                    int px = LEFT + (int) Math.round(pos(s.x()[i], xr, xAxis.log()) * plotW);
                    int py = TOP + plotH - (int) Math.round(pos(s.y()[i], yr, yAxis.log()) * plotH);
                    if (prevX >= 0) {
                        g.drawLine(prevX, prevY, px, py);
                    }
                    g.fillOval(px - 3, py - 3, 6, 6);
                    prevX = px;
                    prevY = py;
                }
                g.drawLine(LEFT + plotW + 15, legendY, LEFT + plotW + 45, legendY);
                g.setColor(Color.BLACK);
                g.drawString(s.name(), LEFT + plotW + 52, legendY + 4);
                legendY += 20;
            }
        } finally {
            g.dispose();
        }
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer for " + file);
        }
        return "wrote " + file;
    }

    private static double[] range(List<Series> series, boolean x, boolean log) {
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double v : x ? s.x() : s.y()) {
                if (log && v <= 0 || !Double.isFinite(v)) {
                    continue;
                }
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo == Double.MAX_VALUE) {
            return new double[] {1, 10};
        }
        if (log) {
            lo = Math.pow(10, Math.floor(Math.log10(lo)));
            hi = Math.pow(10, Math.ceil(Math.log10(hi)));
            if (hi <= lo) {
                hi = lo * 10;
            }
        } else {
            lo = Math.min(0, lo);
            hi = hi <= lo ? lo + 1 : hi * 1.1;
        }
        return new double[] {lo, hi};
    }

    private static double pos(double v, double[] r, boolean log) {
        return log ? (Math.log10(v) - Math.log10(r[0])) / (Math.log10(r[1]) - Math.log10(r[0])) : (v - r[0]) / (r[1] - r[0]);
    }

    private static List<Double> ticks(double[] r, boolean log) {
        List<Double> t = new ArrayList<>();
        if (log) {
            for (double v = r[0]; v <= r[1] * 1.0001; v *= 10) {
                t.add(v);
            }
        } else {
            double step = Math.pow(10, Math.floor(Math.log10((r[1] - r[0]) / 5)));
            if ((r[1] - r[0]) / step > 10) {
                step *= 2;
            }
            for (double v = Math.ceil(r[0] / step) * step; v <= r[1]; v += step) {
                t.add(v);
            }
        }
        return t;
    }

    private static Color shade(Color c, int size) {
        return size == 64 ? c : size == 1024 ? c.darker() : c.darker().darker();
    }

    private static String percentileLabel(double x) {
        double p = 100 * (1 - 1 / x);
        if (p <= 0) {
            return "0%";
        }
        return String.format(Locale.ROOT, p >= 99.9 ? "%.3f%%" : "%.1f%%", p).replaceAll("0+%$", "%").replace(".%", "%");
    }

    static String number(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.0fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        if (v >= 1 || v == 0) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    static String bytes(double v) {
        if (v >= 1 << 30) {
            return String.format(Locale.ROOT, "%.0f GiB", v / (1 << 30));
        }
        if (v >= 1 << 20) {
            return String.format(Locale.ROOT, "%.0f MiB", v / (1 << 20));
        }
        if (v >= 1024) {
            return String.format(Locale.ROOT, "%.0f KiB", v / 1024);
        }
        return String.format(Locale.ROOT, "%.0f B", v);
    }
}
