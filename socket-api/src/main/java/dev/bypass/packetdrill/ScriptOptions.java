package dev.bypass.packetdrill;

import java.util.List;
import java.util.Map;

/**
 * The {@code --name=value} lines at the top of a script, with packetdrill's defaults for the rest.
 *
 * @param toleranceUsecs   how far an event may be from its script time ({@code --tolerance_usecs}, 4000)
 * @param tolerancePercent the tolerance as a share of the time since the previous event, when larger
 *                         ({@code --tolerance_percent}, 12.5)
 * @param tsTickUsecs      microseconds per TS val tick for checking outbound TS vals; 0 does not check
 *                         ({@code --tcp_ts_tick_usecs}, 0)
 * @param tsEcrScaled      inbound TS ecr values without a matching outbound TS val are interpolated
 *                         ({@code --tcp_ts_ecr_scaled})
 * @param strictSegments   outbound segments are not aggregated to match a larger expected one
 * @param mtu              the device MTU ({@code --mtu}, 1500)
 * @param bindPort         the port {@code bind()} binds ({@code --bind_port}, 8080)
 * @param connectPort      the remote port {@code connect()} reaches ({@code --connect_port}, 8080)
 * @param notes            options read and ignored, with why
 * @param skipReason       an option bypass cannot honour, or null
 */
record ScriptOptions(long toleranceUsecs, double tolerancePercent, int tsTickUsecs, boolean tsEcrScaled,
                     boolean strictSegments, int mtu, int bindPort, int connectPort, List<String> notes,
                     String skipReason) {

    static ScriptOptions from(List<Map.Entry<String, String>> options) {
        long tolerance = 4000;
        double percent = 12.5;
        int tick = 0;
        boolean ecrScaled = false;
        boolean strict = false;
        int mtu = 1500;
        int bindPort = 8080;
        int connectPort = 8080;
        List<String> notes = new java.util.ArrayList<>();
        String skip = null;
        for (Map.Entry<String, String> o : options) {
            String v = o.getValue();
            try {
                switch (o.getKey()) {
                    case "tolerance_usecs" -> tolerance = Long.parseLong(v);
                    case "tolerance_percent" -> percent = Double.parseDouble(v);
                    case "tcp_ts_tick_usecs" -> tick = Integer.parseInt(v);
                    case "tcp_ts_ecr_scaled" -> ecrScaled = true;
                    case "strict_segments" -> strict = true;
                    case "mtu" -> mtu = Integer.parseInt(v);
                    case "bind_port" -> bindPort = Integer.parseInt(v);
                    case "connect_port" -> connectPort = Integer.parseInt(v);
                    case "ip_version" -> {
                        if (!v.equals("ipv4")) {
                            skip = skip != null ? skip : "--ip_version=" + v + ": bypass runs IPv4 scripts only";
                        }
                    }
                    case "speed", "send_omit_free", "verbose", "debug" -> notes.add("--" + o.getKey()
                        + " ignored: no effect on the virtual clock");
                    default -> skip = skip != null ? skip : "--" + o.getKey() + (v.isEmpty() ? "" : "=" + v)
                        + ": option not supported by the bypass runner";
                }
            } catch (NumberFormatException e) {
                skip = skip != null ? skip : "--" + o.getKey() + "=" + v + ": not a number";
            }
        }
        return new ScriptOptions(tolerance, percent, tick, ecrScaled, strict, mtu, bindPort, connectPort,
            List.copyOf(notes), skip);
    }
}
