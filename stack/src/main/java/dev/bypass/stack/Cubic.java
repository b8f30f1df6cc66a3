package dev.bypass.stack;

/** CUBIC (RFC 9438) with HyStart. Placeholder until the implementation lands: behaves as Reno. */
final class Cubic implements CongestionControl {
    static final String NAME = "cubic";

    private final Reno reno = new Reno();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(CongestionWindow w, long nowNs) {
        reno.init(w, nowNs);
    }

    @Override
    public int ssthresh(CongestionWindow w) {
        return reno.ssthresh(w);
    }

    @Override
    public void congestionAvoidance(CongestionWindow w, int ack, int acked, long nowNs) {
        reno.congestionAvoidance(w, ack, acked, nowNs);
    }

    @Override
    public void onAcked(CongestionWindow w, int acked, long rttUs, long nowNs) {
    }

    @Override
    public void onStateChange(CongestionWindow w, int caState) {
    }

    @Override
    public void onTransmitStart(CongestionWindow w, long nowNs) {
    }

    @Override
    public int undoCwnd(CongestionWindow w) {
        return reno.undoCwnd(w);
    }
}
