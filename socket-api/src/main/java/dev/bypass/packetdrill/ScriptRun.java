package dev.bypass.packetdrill;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.Tcp;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpInfo;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.time.Deadlines;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.TcpHeader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Runs one parsed script against a fresh bypass {@link NetworkStack} on a virtual clock, as packetdrill
 * runs one against the kernel on the wall clock.
 *
 * <p>Time starts at 0. Events run in order; before each, the stack is polled at every deadline it
 * reports up to the event's time, so timers fire exactly when they are due. Relative times follow
 * packetdrill: from the time the previous event actually happened, except that consecutive inbound
 * packets are anchored to each other's script times.
 * <ul>
 *   <li>{@code <} lines are mapped to live values ({@link TestedConnection}) and injected at their time.
 *   <li>{@code >} lines take the next segment the stack sent (running the clock forward until one comes, at
 *       most two seconds past the expected time), aggregate smaller segments up to the expected length as
 *       packetdrill does, and compare ({@link OutboundCheck}) including the time, with packetdrill's
 *       tolerance. A segment the script did not expect is found when the next {@code >} line sees it in
 *       place of its own.
 *   <li>System calls run through {@link SocketCalls}. A call with an end time ({@code +0...0.2 accept})
 *       may block: the script goes on and the call completes at the poll that lets it, where its end time
 *       is checked. A call without one that would block runs the clock until it returns.
 *   <li>{@code %{ }%} blocks are checked against the connection's {@link TcpInfo} at their time.
 * </ul>
 */
final class ScriptRun {
    static final int LOCAL_ADDRESS = IpAddress.parse("192.168.0.1").v4();
    static final int REMOTE_ADDRESS = IpAddress.parse("192.0.2.1").v4();
    private static final int FIRST_REMOTE_PORT = 48_001;
    private static final long SECOND_NS = 1_000_000_000L;
    /** How long a call the script expects to return at once may block before the run gives up. */
    private static final long MAX_UNEXPECTED_BLOCK_NS = 300 * SECOND_NS;
    /** packetdrill waits up to a second for a blocking call before the next call or the end of the script. */
    private static final long AWAIT_IDLE_NS = SECOND_NS;
    private static final int MAX_POLLS_PER_INSTANT = 100_000;

    /** An event's times after relative times are resolved, in µs of script time. */
    private record Timing(EventTime.Kind kind, long startUs, long endUs, long offsetUs) {
    }

    /** A blocking call started and not yet returned. */
    private record Pending(Event event, SyscallSpec spec, SocketCalls.Call call, long startUs, long endUs) {
    }

    /** A segment taken for a {@code >} line (script sequence space), and when it left. */
    private record Sniffed(Segment segment, long timeUs, boolean ipChecksumOk) {
    }

    private final Script script;
    private final ScriptOptions options;
    private final Profile profile;
    private final ScriptDevice device;
    private final NetworkStack stack;
    private final SocketCalls calls;
    private final Consumer<String> trace;
    private final Set<String> notes = new LinkedHashSet<>();
    /** Names the script's code blocks assigned, with their values (packetdrill runs them as one program). */
    private final Map<String, Object> pythonVariables = new HashMap<>();
    private final List<TestedConnection> children = new ArrayList<>();
    private long nowNs;
    private TestedConnection underTest;
    private int nextRemotePort = FIRST_REMOTE_PORT;
    private Event lastEvent;
    private long lastEventUs;
    private Pending pending;
    /** A call the script expects to return at once that blocks: the clock runs until it returns. */
    private SocketCalls.Call waiting;

    private ScriptRun(Script script, ScriptOptions options, Profile profile, Consumer<String> trace) {
        this.script = script;
        this.trace = trace;
        this.options = options;
        this.profile = profile;
        this.device = new ScriptDevice(options.mtu(), profile.tso());
        StackConfig config = StackConfig.builder()
            .name("packetdrill")
            .address(LOCAL_ADDRESS, 16)
            .route("192.0.2.0/24", null)
            .gratuitousArp(false)
            .arpReachableNs(Long.MAX_VALUE / 4)
            .secretSeed(1)
            .tcp(profile.tcp().toBuilder().maxConnections(16).build())
            .build();
        this.stack = new NetworkStack(config, device);
        this.calls = new SocketCalls(this);
    }

    /**
     * Runs a script that parsed, with its options and profile; never throws for the script's faults.
     * {@code trace} (or null) gets a line per packet injected or seen and per system call, as packetdrill -v.
     */
    static Result run(Script script, ScriptOptions options, Profile profile, Consumer<String> trace) {
        List<String> notes = new ArrayList<>(options.notes());
        notes.addAll(profile.notes());
        if (options.skipReason() != null) {
            return Result.skip(script.path(), options.skipReason(), notes);
        }
        if (profile.skipReason() != null) {
            return Result.skip(script.path(), profile.skipReason(), notes);
        }
        String unsupported = unsupported(script);
        if (unsupported != null) {
            return Result.skip(script.path(), unsupported, notes);
        }
        ScriptRun run = new ScriptRun(script, options, profile, trace);
        try {
            run.execute();
            notes.addAll(run.notes);
            return Result.pass(script.path(), notes);
        } catch (ScriptFailure f) {
            notes.addAll(run.notes);
            return Result.fail(script.path(), f.getMessage(), notes);
        } catch (ScriptSkip s) {
            notes.addAll(run.notes);
            return Result.skip(script.path(), s.getMessage(), notes);
        } finally {
            run.stack.close();
        }
    }

    /** What in a script bypass cannot run, found before running it; null if nothing. */
    private static String unsupported(Script script) {
        Set<String> pythonNames = new HashSet<>(); // assigned by the code blocks so far, in script order
        for (Event e : script.events()) {
            String why = switch (e.action()) {
                case Event.UnsupportedPacket u -> u.what() + " are not supported by the bypass runner";
                case Event.Packet p -> unsupportedOptions(p.spec());
                case Event.Code c -> {
                    try {
                        pythonNames.addAll(TcpInfoAssertions.parse(c.text(), pythonNames).assigned());
                        yield null;
                    } catch (TcpInfoAssertions.Unsupported u) {
                        yield u.getMessage();
                    }
                }
                case Event.Command c -> ShellBlock.bodyCommandSkipReason(c.commandLine());
                case Event.Syscall s -> SocketCalls.unsupportedReason(s.spec());
            };
            if (why != null) {
                return "line " + e.line() + ": " + why;
            }
        }
        return null;
    }

    private static String unsupportedOptions(PacketSpec p) {
        if (p.options() != null) {
            for (TcpOption o : p.options()) {
                if (o instanceof TcpOption.Unsupported u) {
                    return u.name() + " is not in bypass";
                }
            }
        }
        if (p.has(PacketFlags.AE) || (p.inbound() && (p.has(TcpHeader.ECE) || p.has(TcpHeader.CWR)))) {
            return "ECN flags in packet lines: ECN is not in bypass";
        }
        return null;
    }

    // ---------------------------------------------------------------------------------- for SocketCalls

    Profile profile() {
        return profile;
    }

    ScriptOptions options() {
        return options;
    }

    Tcp tcp() {
        return stack.tcp();
    }

    long nowNs() {
        return nowNs;
    }

    void underTest(TestedConnection connection) {
        underTest = connection;
    }

    void note(String note) {
        notes.add(note);
    }

    /** The passive child an accepted connection from {@code remotePort} belongs to, or null. */
    TestedConnection childFor(int remotePort) {
        for (TestedConnection c : children) {
            if (c.remotePort == remotePort && c.socket == null
                && (c.state == TestedConnection.State.PASSIVE_SYNACK_SENT
                || c.state == TestedConnection.State.PASSIVE_SYNACK_ACKED)) {
                return c;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------ events

    private void execute() {
        stack.start(0);
        seedArp();
        settle();
        List<Event> events = script.events();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (i == 0 && e.time().usecs() != 0) {
                throw failure(e, "first event should be at time 0");
            }
            Timing t = timing(e);
            boolean bothAbsolute = lastEvent != null && !lastEvent.time().relative() && !e.time().relative();
            if (bothAbsolute && t.startUs() < lastEventUs) {
                throw failure(e, "time goes backward in script from " + lastEventUs + " usec to " + t.startUs()
                    + " usec");
            }
            switch (e.action()) {
                case Event.Packet p when p.spec().inbound() -> inbound(e, t, p.spec());
                case Event.Packet p -> outbound(e, t, p.spec());
                case Event.Syscall s -> syscall(e, t, s.spec());
                case Event.Code c -> code(e, t, c.text());
                case Event.Command c -> {
                    advanceTo(t.startUs() * 1000);
                    checkEventTime(e, t, "command");
                }
                case Event.UnsupportedPacket u -> throw new ScriptSkip(u.what() + " are not supported");
            }
            lastEvent = e;
            lastEventUs = t.startUs();
        }
        if (pending != null) {
            Pending p = pending;
            runUntil(() -> pending == null, nowNs + AWAIT_IDLE_NS);
            if (pending != null) {
                throw failure(p.event(), "runtime error: exiting while a blocking system call is in progress");
            }
        }
        noteUncheckedTail();
    }

    /** Segments sent after the last {@code >} line are not checked (as packetdrill); they are noted. */
    private void noteUncheckedTail() {
        ScriptDevice.Sent sent;
        while ((sent = device.poll()) != null) {
            Wire.Outbound o = Wire.parse(sent.bytes());
            if (o instanceof Wire.Tcp tcp && underTest != null && underTest.localPort == tcp.segment().srcPort()
                && underTest.remotePort == tcp.segment().dstPort()) {
                note("sent after the last '>' line, not checked (as packetdrill): " + Units.seconds(sent.nowNs() / 1000)
                    + " " + SegmentFormat.actual(underTest.sequenceToScript(tcp.segment())));
            }
        }
    }

    /** Resolves relative times as packetdrill's adjust_relative_event_times. */
    private Timing timing(Event e) {
        EventTime time = e.time();
        if (!time.relative()) {
            return new Timing(time.kind(), time.usecs(), time.endUsecs(), 0);
        }
        long offset = lastEvent != null && isInboundPacket(lastEvent) && isInboundPacket(e) ? lastEventUs : nowUs();
        long end = time.kind() == EventTime.Kind.RELATIVE_RANGE ? time.endUsecs() + offset : time.endUsecs();
        return new Timing(time.kind(), time.usecs() + offset, end, offset);
    }

    private static boolean isInboundPacket(Event e) {
        return e.action() instanceof Event.Packet p && p.spec().inbound();
    }

    // ---------------------------------------------------------------------------------------- packets

    private void inbound(Event e, Timing t, PacketSpec spec) {
        TestedConnection c = connectionForPacket(e, spec);
        advanceTo(t.startUs() * 1000);
        checkEventTime(e, t, "inbound packet");
        if (c.state == TestedConnection.State.PASSIVE_SYNACK_SENT && spec.has(TcpHeader.ACK)) {
            c.state = TestedConnection.State.PASSIVE_SYNACK_ACKED;
        } else if (c.state == TestedConnection.State.ACTIVE_SYN_SENT && spec.has(TcpHeader.SYN)
            && spec.has(TcpHeader.ACK)) {
            c.state = TestedConnection.State.ACTIVE_SYN_ACKED;
            c.remoteIsn = spec.seq();
        }
        Segment live;
        try {
            live = c.inboundToLive(spec, options.tsEcrScaled());
        } catch (TestedConnection.MappingException m) {
            throw failure(e, "error handling packet: " + m.getMessage());
        }
        trace(nowUs(), "inbound injected packet", SegmentFormat.script(spec));
        device.inject(Wire.tcpFrame(REMOTE_ADDRESS, LOCAL_ADDRESS, live));
        settle();
    }

    /** packetdrill's find_or_create_socket_for_script_packet. */
    private TestedConnection connectionForPacket(Event e, PacketSpec spec) {
        if (spec.inbound() && (underTest == null || underTest.state == TestedConnection.State.PASSIVE_LISTENING)) {
            TestedConnection child = TestedConnection.child(options.bindPort(), nextRemotePort++, spec.seq());
            children.add(child);
            underTest = child;
            return child;
        }
        if (!spec.inbound() && spec.has(TcpHeader.SYN) && !spec.has(TcpHeader.ACK) && underTest != null
            && underTest.state == TestedConnection.State.ACTIVE_CONNECTING) {
            underTest.state = TestedConnection.State.ACTIVE_SYN_SENT;
            underTest.scriptLocalIsn = spec.seq();
            return underTest;
        }
        if (underTest == null) {
            throw failure(e, "error handling packet: no matching socket for script packet");
        }
        return underTest;
    }

    private void outbound(Event e, Timing t, PacketSpec spec) {
        TestedConnection c = connectionForPacket(e, spec);
        boolean synAck = c.state == TestedConnection.State.PASSIVE_PACKET_RECEIVED && spec.has(TcpHeader.SYN)
            && spec.has(TcpHeader.ACK);
        if (synAck) {
            c.scriptLocalIsn = spec.seq();
        }
        long waitUs = Math.max(t.startUs() - lastEventUs, t.endUs() - lastEventUs);
        long deadlineNs = t.kind() == EventTime.Kind.ANY ? nowNs + MAX_UNEXPECTED_BLOCK_NS
            : nowNs + (waitUs / 1_000_000 + 2) * SECOND_NS;
        List<Sniffed> sniffed = new ArrayList<>();
        Sniffed first = sniff(c, deadlineNs, synAck);
        if (first == null) {
            throw packetFailure(e, t, spec, "Timed out waiting for packet", sniffed);
        }
        sniffed.add(first);
        long timeUs = first.timeUs();
        boolean ipOk = first.ipChecksumOk();
        int payload = first.segment().payloadLength();
        while (payload < spec.payloadLength() && !options.strictSegments()) {
            Sniffed next = sniff(c, deadlineNs, false);
            if (next == null) {
                throw packetFailure(e, t, spec, "Timed out waiting for packet", sniffed);
            }
            Segment previous = sniffed.get(sniffed.size() - 1).segment();
            Segment current = next.segment();
            sniffed.add(next);
            String mismatch = fragmentMismatch(previous, current, payload, spec.payloadLength());
            if (mismatch != null) {
                throw packetFailure(e, t, spec, mismatch, sniffed);
            }
            payload += current.payloadLength();
            timeUs = next.timeUs();
            ipOk &= next.ipChecksumOk();
        }
        Segment actual = aggregate(sniffed);
        if (payload != spec.payloadLength()) {
            throw packetFailure(e, t, spec, "live packet payload: expected " + spec.payloadLength()
                + " bytes vs actual " + payload + " bytes", sniffed);
        }
        if (!ipOk) {
            throw packetFailure(e, t, spec, "bad outbound IP checksum", List.of(new Sniffed(actual, timeUs, false)));
        }
        actual = c.timestampToScript(actual, spec);
        long tsTolerance = Math.max(options.toleranceUsecs(),
            (long) (options.tolerancePercent() / 100.0 * t.startUs()));
        String error = OutboundCheck.verify(spec, actual, tsTolerance, options.tsTickUsecs());
        if (error == null) {
            error = timeError(t, timeUs, "outbound packet");
        }
        if (error != null) {
            throw packetFailure(e, t, spec, error, List.of(new Sniffed(actual, timeUs, true)));
        }
    }

    /**
     * The next segment the stack sent on the connection under test, in script sequence space, running the
     * clock up to the deadline; null if none came. {@code synAck}: the first is the SYN-ACK that gives our ISN.
     */
    private Sniffed sniff(TestedConnection c, long deadlineNs, boolean synAck) {
        while (true) {
            ScriptDevice.Sent sent;
            while ((sent = device.poll()) != null) {
                Wire.Outbound o = Wire.parse(sent.bytes());
                long timeUs = sent.nowNs() / 1000;
                if (o instanceof Wire.Tcp tcp && belongsTo(c, tcp)) {
                    if (synAck) {
                        c.state = TestedConnection.State.PASSIVE_SYNACK_SENT;
                        c.liveLocalIsn = tcp.segment().seq();
                    }
                    Segment s = c.sequenceToScript(tcp.segment());
                    trace(timeUs, "outbound sniffed packet", SegmentFormat.actual(s));
                    return new Sniffed(s, timeUs, tcp.ipChecksumOk());
                }
                if (!(o instanceof Wire.Arp)) {
                    note("ignored an outbound packet not on the connection under test at " + Units.seconds(timeUs)
                        + ": " + describe(o));
                    trace(timeUs, "outbound ignored packet", describe(o));
                }
            }
            if (nowNs - deadlineNs >= 0) {
                return null;
            }
            step(deadlineNs);
        }
    }

    /** packetdrill's find_socket_for_live_packet and find_connect_for_live_packet. */
    private boolean belongsTo(TestedConnection c, Wire.Tcp tcp) {
        if (tcp.source() != LOCAL_ADDRESS || tcp.destination() != REMOTE_ADDRESS) {
            return false;
        }
        Segment s = tcp.segment();
        if (c.localPort != 0 && s.srcPort() == c.localPort && s.dstPort() == c.remotePort) {
            return true;
        }
        if (c.state == TestedConnection.State.ACTIVE_SYN_SENT && s.has(TcpHeader.SYN) && !s.has(TcpHeader.ACK)
            && s.dstPort() == c.remotePort) {
            c.localPort = s.srcPort();
            c.liveLocalIsn = s.seq();
            return true;
        }
        return false;
    }

    private static String describe(Wire.Outbound o) {
        return switch (o) {
            case Wire.Tcp t -> IpAddress.v4ToString(t.source()) + ":" + t.segment().srcPort() + " > "
                + IpAddress.v4ToString(t.destination()) + ":" + t.segment().dstPort() + " "
                + SegmentFormat.actual(t.segment());
            case Wire.Arp a -> "arp";
            case Wire.Other other -> other.description();
        };
    }

    /** packetdrill's verify_packet_fragments: consecutive segments that make up one expected segment. */
    private static String fragmentMismatch(Segment previous, Segment current, int sniffed, int expected) {
        int mask = TcpHeader.SYN | TcpHeader.RST | TcpHeader.ACK | TcpHeader.URG | TcpHeader.ECE | PacketFlags.AE;
        String e = OutboundCheck.field("tcp_flags", previous.flags() & mask, current.flags() & mask);
        e = e != null ? e : OutboundCheck.field("tcp_seq", (previous.seq() + previous.payloadLength()) & 0xFFFF_FFFFL,
            current.seq());
        e = e != null ? e : OutboundCheck.field("tcp_ack_seq", previous.ack(), current.ack());
        e = e != null ? e : OutboundCheck.field("tcp_window", previous.window(), current.window());
        if (e == null && current.payloadLength() < expected - sniffed
            && current.payloadLength() != previous.payloadLength()) {
            e = "fragment payload: expected " + previous.payloadLength() + " bytes vs actual "
                + current.payloadLength() + " bytes; total payload: expected " + expected + " bytes vs actual "
                + (current.payloadLength() + sniffed) + " bytes";
        }
        return e;
    }

    /** packetdrill's aggregate_packets: the last segment's header, the first's sequence number and CWR. */
    private static Segment aggregate(List<Sniffed> sniffed) {
        Segment first = sniffed.get(0).segment();
        Segment last = sniffed.get(sniffed.size() - 1).segment();
        if (sniffed.size() == 1) {
            return first;
        }
        int payload = 0;
        boolean zero = true;
        for (Sniffed s : sniffed) {
            payload += s.segment().payloadLength();
            zero &= s.segment().payloadZero();
        }
        int flags = (last.flags() & ~TcpHeader.CWR) | (first.flags() & TcpHeader.CWR);
        return new Segment(last.srcPort(), last.dstPort(), flags, first.seq(), last.ack(), last.window(),
            last.urgent(), last.options(), payload, zero);
    }

    /** packetdrill's failure message: the error, then the script packet and what was seen instead. */
    private ScriptFailure packetFailure(Event e, Timing t, PacketSpec spec, String error, List<Sniffed> actual) {
        StringBuilder sb = new StringBuilder(location(e)).append(": error handling packet: ").append(error);
        sb.append('\n').append(SegmentFormat.dumpLine("script", t.startUs(), SegmentFormat.script(spec)));
        for (int i = 0; i < actual.size(); i++) {
            String label = actual.size() == 1 ? "actual" : "actual #" + i;
            sb.append('\n').append(SegmentFormat.dumpLine(label, actual.get(i).timeUs(),
                SegmentFormat.actual(actual.get(i).segment())));
        }
        return new ScriptFailure(sb.toString());
    }

    // ----------------------------------------------------------------------------------- system calls

    private void syscall(Event e, Timing t, SyscallSpec spec) {
        if (pending != null) {
            runUntil(() -> pending == null, nowNs + AWAIT_IDLE_NS);
            if (pending != null && spec.blocking()) {
                throw failure(e, "runtime error in " + spec.name() + " call: blocking system call while another"
                    + " blocking system call is already in progress");
            }
        }
        advanceTo(t.startUs() * 1000);
        checkEventTime(e, t, "system call start");
        SocketCalls.Call call;
        try {
            call = calls.start(spec);
        } catch (SocketCalls.CallException x) {
            throw failure(e, "runtime error in " + spec.name() + " call: " + x.getMessage());
        }
        SocketCalls.Outcome first = attempt(e, spec, call);
        if (first != null) {
            settle();
            finish(e, spec, first, spec.blocking() ? t : null);
            return;
        }
        if (spec.blocking()) {
            long end = e.time().relative() ? spec.endUsecs() + t.offsetUs() : spec.endUsecs();
            pending = new Pending(e, spec, call, t.startUs(), end);
            settle();
            return;
        }
        SocketCalls.Outcome[] done = new SocketCalls.Outcome[1];
        waiting = call;
        try {
            runUntil(() -> (done[0] = attempt(e, spec, call)) != null, nowNs + MAX_UNEXPECTED_BLOCK_NS);
        } finally {
            waiting = null;
        }
        if (done[0] == null) {
            throw failure(e, "runtime error in " + spec.name() + " call: the call blocks and does not return (the"
                + " script gives it no ...end time)");
        }
        settle();
        finish(e, spec, done[0], null);
    }

    private SocketCalls.Outcome attempt(Event e, SyscallSpec spec, SocketCalls.Call call) {
        try {
            SocketCalls.Outcome o = call.attempt();
            if (o != null) {
                trace(nowUs(), spec.name() + " returned", o.result() + (o.errno() != 0 ? " " + Linux.describeErrno(
                    o.errno()) : ""));
            }
            return o;
        } catch (SocketCalls.CallException x) {
            throw failure(e, "runtime error in " + spec.name() + " call: " + x.getMessage());
        } catch (IllegalStateException | IllegalArgumentException x) {
            throw failure(e, "runtime error in " + spec.name() + " call: bypass refused it: " + x.getMessage());
        }
    }

    /** Checks a returned call: result and errno, then (for a blocking call) its return time. */
    private void finish(Event e, SyscallSpec spec, SocketCalls.Outcome o, Timing blocking) {
        String error = SocketCalls.resultError(spec, o);
        if (error != null) {
            throw failure(e, "runtime error in " + spec.name() + " call: " + error);
        }
        if (blocking != null) {
            long end = e.time().relative() ? spec.endUsecs() + blocking.offsetUs() : spec.endUsecs();
            String late = endTimeError(e, blocking.startUs(), end);
            if (late != null) {
                throw failure(e, late);
            }
        }
    }

    private void completePending(SocketCalls.Outcome o) {
        Pending p = pending;
        pending = null;
        String error = SocketCalls.resultError(p.spec(), o);
        if (error != null) {
            throw failure(p.event(), "runtime error in " + p.spec().name() + " call: " + error);
        }
        String late = endTimeError(p.event(), p.startUs(), p.endUs());
        if (late != null) {
            throw failure(p.event(), late);
        }
    }

    private String endTimeError(Event e, long startUs, long endUs) {
        long tolerance = tolerance(endUs, startUs);
        long actual = nowUs();
        if (actual < endUs - tolerance || actual > endUs + tolerance) {
            return "timing error: expected system call return at " + Units.seconds(endUs) + " sec but happened at "
                + Units.seconds(actual) + " sec; tolerance " + Units.seconds(tolerance) + " sec";
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------- code

    private void code(Event e, Timing t, String text) {
        advanceTo(t.startUs() * 1000);
        checkEventTime(e, t, "data collection for code");
        if (underTest == null) {
            throw failure(e, "no socket to use for code");
        }
        TcpConnection c = underTest.socket == null ? null : underTest.socket.connection;
        if (c == null) {
            throw failure(e, "can't find getsockopt to get TCP info (the socket under test has no open connection)");
        }
        TcpInfo info = c.info(new TcpInfo());
        try {
            TcpInfoAssertions.parse(text, pythonVariables.keySet())
                .run(info, pythonVariables, line -> trace(nowUs(), "python print", "line " + e.line() + ": " + line));
        } catch (TcpInfoAssertions.Failed f) {
            throw failure(e, f.getMessage());
        } catch (TcpInfoAssertions.Unsupported u) {
            throw new ScriptSkip("line " + e.line() + ": " + u.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------- time

    private long nowUs() {
        return nowNs / 1000;
    }

    private long tolerance(long scriptUs, long lastUs) {
        long tolerance = options.toleranceUsecs();
        long dynamic = (long) (options.tolerancePercent() / 100.0 * (scriptUs - lastUs));
        return Math.max(tolerance, dynamic);
    }

    /** packetdrill's verify_time for the event's start. */
    private String timeError(Timing t, long actualUs, String description) {
        if (t.kind() == EventTime.Kind.ANY) {
            return null;
        }
        long tolerance = lastEvent == null ? options.toleranceUsecs() : tolerance(t.startUs(), lastEventUs);
        if (t.kind() == EventTime.Kind.ABSOLUTE_RANGE || t.kind() == EventTime.Kind.RELATIVE_RANGE) {
            if (actualUs >= t.startUs() - tolerance && actualUs <= t.endUs() + tolerance) {
                return null;
            }
            if (t.kind() == EventTime.Kind.ABSOLUTE_RANGE) {
                return "timing error: expected " + description + " in time range " + Units.seconds(t.startUs()) + "~"
                    + Units.seconds(t.endUs()) + " sec but happened at " + Units.seconds(actualUs) + " sec";
            }
            long off = t.offsetUs();
            return "timing error: expected " + description + " in relative time range +"
                + Units.seconds(t.startUs() - off) + "~+" + Units.seconds(t.endUs() - off) + " sec but happened at "
                + (actualUs - off >= 0 ? "+" : "") + Units.seconds(actualUs - off) + " sec";
        }
        if (actualUs < t.startUs() - tolerance || actualUs > t.startUs() + tolerance) {
            return "timing error: expected " + description + " at " + Units.seconds(t.startUs())
                + " sec but happened at " + Units.seconds(actualUs) + " sec; tolerance " + Units.seconds(tolerance)
                + " sec";
        }
        return null;
    }

    private void checkEventTime(Event e, Timing t, String description) {
        String error = timeError(t, nowUs(), description);
        if (error != null) {
            throw failure(e, error);
        }
    }

    /** Polls the stack at the current time until it has nothing more to do; completes a blocking call. */
    private void settle() {
        for (int i = 0; i < MAX_POLLS_PER_INSTANT; i++) {
            int work = stack.poll(nowNs);
            if (pending != null) {
                SocketCalls.Outcome o = attempt(pending.event(), pending.spec(), pending.call());
                if (o != null) {
                    completePending(o);
                    continue;
                }
            }
            if (work == 0) {
                return;
            }
        }
        throw new ScriptFailure(script.displayName() + ": the stack keeps finding work at "
            + Units.seconds(nowUs()) + " sec and never settles");
    }

    /**
     * Moves the clock to the next deadline of the stack or of a blocked call (a poll timeout), or to
     * {@code limitNs} if that comes first.
     */
    private void step(long limitNs) {
        long next = stack.nextDeadlineNs();
        if (pending != null) {
            next = Deadlines.earliest(next, pending.call().wakeAtNs());
        }
        if (waiting != null) {
            next = Deadlines.earliest(next, waiting.wakeAtNs());
        }
        if (next == Deadlines.NONE || next - limitNs > 0) {
            nowNs = limitNs;
        } else if (next - nowNs > 0) {
            nowNs = next;
        } else {
            nowNs = Math.min(limitNs, nowNs + 1000); // work pending at "now" that a poll did not take: move on
        }
        settle();
    }

    /** Runs the stack through every deadline up to {@code targetNs}, polling at each and at the target. */
    private void advanceTo(long targetNs) {
        settle();
        while (nowNs - targetNs < 0) {
            step(targetNs);
        }
    }

    private boolean runUntil(BooleanSupplier done, long limitNs) {
        settle();
        while (!done.getAsBoolean() && nowNs - limitNs < 0) {
            step(limitNs);
        }
        return done.getAsBoolean();
    }

    /** Puts the remote's MAC in the stack's ARP cache (an ARP request from it), so no ARP is ever sent. */
    private void seedArp() {
        byte[] frame = new byte[EthernetHeader.LENGTH + ArpPacket.LENGTH];
        UnsafeBuffer b = new UnsafeBuffer(frame);
        new EthernetHeader().wrap(b, 0).destination(ScriptDevice.MAC).source(ScriptDevice.REMOTE_MAC)
            .type(EthernetHeader.TYPE_ARP);
        new ArpPacket().wrap(b, EthernetHeader.LENGTH).write(ArpPacket.OPERATION_REQUEST, ScriptDevice.REMOTE_MAC,
            REMOTE_ADDRESS, 0, LOCAL_ADDRESS);
        device.inject(frame);
        settle();
        while (device.poll() != null) {
            // the stack's ARP reply: not part of the script
        }
    }

    private void trace(long timeUs, String what, String detail) {
        if (trace != null) {
            trace.accept(what + ": " + Units.paddedSeconds(timeUs) + " " + detail);
        }
    }

    private String location(Event e) {
        return script.displayName() + ":" + e.line();
    }

    private ScriptFailure failure(Event e, String message) {
        return new ScriptFailure(location(e) + ": " + message);
    }
}
