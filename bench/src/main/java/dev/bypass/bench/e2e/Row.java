package dev.bypass.bench.e2e;

import java.util.Locale;

/**
 * One measured case of one round: latencies in nanoseconds (rtt, rtt-open, load), Gbit/s (bulk) or
 * connections per second (conn); zero where a figure does not apply.
 *
 * @param system       kernel, bypass-handler or bypass-socket
 * @param test         rtt (closed loop), rtt-open (open loop at a fixed rate), load (open loop at a fraction of
 *                     the closed-loop rate), bulk, conn
 * @param size         message bytes (rtt, load), write size (bulk), 1 (conn)
 * @param rate         messages per second offered (open loop), else 0
 * @param load         the fraction of the closed-loop rate offered (load), else 0
 * @param samples      recorded round trips, bytes sent (bulk) or connections (conn)
 * @param percentiles  latency at {@link #CURVE} percentiles, ns (latency tests), else empty
 * @param allocPerOp   bytes the JVM allocated (all threads) per message or connection during the case
 */
record Row(String system, String test, int size, long rate, double load, long samples, long p50, long p90, long p99,
           long p999, long max, double mean, double gbps, double gbpsPerCore, double connPerSec, double seconds,
           double allocPerOp, int round, long[] percentiles) {
    /** The percentiles of the latency-distribution curve. */
    static final double[] CURVE = {0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999};

    static final String CSV_HEADER = "system,test,size,rate,load,samples,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns,"
        + "gbit_s,gbit_s_per_core,conn_per_s,seconds,alloc_bytes_per_op,round,median";

    boolean isLatency() {
        return test.equals("rtt") || test.equals("rtt-open") || test.equals("load");
    }

    /** The figure rounds are ranked by to pick the median round. */
    double rank() {
        return switch (test) {
            case "bulk" -> gbpsPerCore;
            case "conn" -> connPerSec;
            default -> p50;
        };
    }

    /** Same case in another round or another system: test, size and (for load) the load fraction; rtt-open also its rate. */
    String caseKey() {
        return test + "|" + size + "|" + (test.equals("load") ? String.valueOf(load) : String.valueOf(rate));
    }

    String csv(boolean median) {
        return String.format(Locale.ROOT, "%s,%s,%d,%d,%.2f,%d,%d,%d,%d,%d,%d,%.1f,%.4f,%.4f,%.1f,%.4f,%.2f,%d,%d", system,
            test, size, rate, load, samples, p50, p90, p99, p999, max, mean, gbps, gbpsPerCore, connPerSec, seconds,
            allocPerOp, round, median ? 1 : 0);
    }

    String json(boolean median) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "{\"system\":\"%s\",\"test\":\"%s\",\"size\":%d,\"rate\":%d,\"load\":%.2f,"
                + "\"samples\":%d,\"p50_ns\":%d,\"p90_ns\":%d,\"p99_ns\":%d,\"p999_ns\":%d,\"max_ns\":%d,\"mean_ns\":%.1f,"
                + "\"gbit_s\":%.4f,\"gbit_s_per_core\":%.4f,\"conn_per_s\":%.1f,\"seconds\":%.4f,"
                + "\"alloc_bytes_per_op\":%.2f,\"round\":%d,\"median\":%b", system, test, size, rate, load, samples, p50, p90,
            p99, p999, max, mean, gbps, gbpsPerCore, connPerSec, seconds, allocPerOp, round, median));
        if (percentiles.length > 0) {
            b.append(",\"curve\":[");
            for (int i = 0; i < percentiles.length; i++) {
                b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"percentile\":%s,\"ns\":%d}",
                    CURVE[i], percentiles[i]));
            }
            b.append(']');
        }
        return b.append('}').toString();
    }
}
