package dev.bypass.packetdrill;

import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpInfo;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The system calls of a script, on bypass's TCP API, with Linux's semantics as packetdrill sees them:
 * file descriptors are the script's numbers; {@code bind} takes the script's bind port; {@code connect}
 * reaches the remote address and port; blocking calls return {@code null} from
 * {@link Call#attempt()} until they can complete (the runner retries them after every poll of the stack),
 * non-blocking ones return {@code -1 EAGAIN} / {@code EINPROGRESS} as Linux does. Data written is zeros,
 * as packetdrill's buffers are.
 *
 * <p>Socket options become the {@link TcpConfig} passed to {@code listen} or {@code connect}, and on an open
 * connection go to its setters (TCP_NODELAY, TCP_CORK, SO_KEEPALIVE, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT,
 * SO_SNDBUF, SO_RCVBUF); MSG_MORE goes to the write. Those bypass cannot honour (TCP_QUICKACK, zerocopy, MD5,
 * Fast Open, ...) skip the script, naming them.
 */
final class SocketCalls {
    /** What a call returned: its value, and errno when it failed; {@code mismatch} for out-values that differ. */
    record Outcome(long result, int errno, String mismatch) {
        static Outcome ok(long result) {
            return new Outcome(result, 0, null);
        }

        static Outcome error(int errno) {
            return new Outcome(-1, errno, null);
        }
    }

    /** A call in progress: {@link #attempt()} returns null while it would block. */
    interface Call {
        Outcome attempt();

        /** When the call returns on its own if nothing else happens (a poll timeout), or Long.MAX_VALUE. */
        default long wakeAtNs() {
            return Long.MAX_VALUE;
        }
    }

    /** A call the script got wrong at run time ({@code runtime error in X call: ...}). */
    static final class CallException extends RuntimeException {
        CallException(String message) {
            super(message, null, false, false);
        }
    }

    private static final Set<String> SUPPORTED = Set.of("socket", "bind", "listen", "accept", "connect", "read",
        "readv", "recv", "recvfrom", "write", "writev", "send", "sendto", "sendmsg", "fcntl", "ioctl", "close",
        "shutdown", "getsockopt", "setsockopt", "poll");
    /** Linux's net.core.wmem_max and rmem_max: the most SO_SNDBUF and SO_RCVBUF take before doubling. */
    private static final int WMEM_MAX = 212992;
    private static final int RMEM_MAX = 212992;
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int SUPPORTED_SEND_FLAGS = Linux.MSG_DONTWAIT | Linux.MSG_NOSIGNAL | Linux.MSG_MORE;
    private static final int SUPPORTED_RECV_FLAGS = Linux.MSG_DONTWAIT;

    private final ScriptRun run;
    private final Map<Integer, ScriptSocket> fds = new HashMap<>();
    private final UnsafeBuffer zeros = new UnsafeBuffer(ByteBuffer.allocateDirect(BUFFER_BYTES));
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(BUFFER_BYTES));

    SocketCalls(ScriptRun run) {
        this.run = run;
    }

    /** Why a call cannot run on bypass, found without running it; null if it may. */
    static String unsupportedReason(SyscallSpec s) {
        if (!SUPPORTED.contains(s.name())) {
            return s.name() + "() is not supported by the bypass runner";
        }
        try {
            switch (s.name()) {
                case "setsockopt", "getsockopt" -> {
                    if (s.args().size() == 5) {
                        String why = optionUnsupported(s.name(), (int) scalar(s.args().get(1)),
                            (int) scalar(s.args().get(2)), s.args().get(3));
                        if (why != null) {
                            return why;
                        }
                    }
                }
                case "send", "sendto", "recv", "recvfrom" -> {
                    if (s.args().size() >= 4) {
                        return flagsUnsupported(s.name(), scalar(s.args().get(3)));
                    }
                }
                case "sendmsg" -> {
                    if (s.args().size() == 3) {
                        return flagsUnsupported(s.name(), scalar(s.args().get(2)));
                    }
                }
                case "socket" -> {
                    if (s.args().size() == 3) {
                        Expr domain = s.args().get(0);
                        if (!(domain instanceof Expr.Ellipsis) && scalar(domain) != Linux.AF_INET) {
                            return "socket(" + domain + ", ...): bypass runs IPv4 scripts only";
                        }
                        if ((scalar(s.args().get(1)) & ~Linux.SOCK_NONBLOCK) != Linux.SOCK_STREAM) {
                            return "socket(..., " + s.args().get(1) + ", ...): only TCP sockets are supported";
                        }
                    }
                }
                default -> {
                }
            }
        } catch (ScriptSkip e) {
            return e.getMessage();
        } catch (CallException e) {
            return null; // a malformed call fails when it runs
        }
        return null;
    }

    private static String flagsUnsupported(String call, long flags) {
        int supported = call.startsWith("send") ? SUPPORTED_SEND_FLAGS : SUPPORTED_RECV_FLAGS;
        if ((flags & ~supported) != 0) {
            return call + "() flags 0x" + Long.toHexString(flags & ~supported) + " (" + flagNames(flags & ~supported)
                + ") are not supported by bypass";
        }
        return null;
    }

    private static String flagNames(long flags) {
        List<String> names = new ArrayList<>();
        for (String n : List.of("MSG_OOB", "MSG_PEEK", "MSG_DONTROUTE", "MSG_TRUNC", "MSG_EOR", "MSG_WAITALL",
            "MSG_ERRQUEUE", "MSG_MORE", "MSG_FASTOPEN", "MSG_ZEROCOPY")) {
            long v = Linux.symbol(n);
            if ((flags & v) != 0) {
                names.add(n);
            }
        }
        return names.isEmpty() ? "unknown" : String.join("|", names);
    }

    /** The socket with script fd {@code fd}, or null. */
    ScriptSocket socket(int fd) {
        return fds.get(fd);
    }

    /** Starts a call: checks its arguments and returns it ready for its first attempt. */
    Call start(SyscallSpec s) {
        List<Expr> a = s.args();
        return switch (s.name()) {
            case "socket" -> socketCall(s, a);
            case "bind" -> {
                args(s, 3);
                ScriptSocket sock = fd(a.get(0));
                yield () -> {
                    if (sock.bound || sock.connected() || sock.listener != null) {
                        return Outcome.error(Linux.EINVAL);
                    }
                    sock.bound = true;
                    return Outcome.ok(0);
                };
            }
            case "listen" -> {
                args(s, 2);
                yield listen(fd(a.get(0)), (int) scalar(a.get(1)));
            }
            case "accept" -> {
                args(s, 3);
                yield accept(fd(a.get(0)), s);
            }
            case "connect" -> {
                args(s, 3);
                yield connect(fd(a.get(0)));
            }
            case "read" -> {
                args(s, 3);
                yield read(fd(a.get(0)), (int) scalar(a.get(2)), 0);
            }
            case "recv", "recvfrom" -> {
                argsAtLeast(s, 4);
                yield read(fd(a.get(0)), (int) scalar(a.get(2)), scalar(a.get(3)));
            }
            case "readv" -> {
                args(s, 3);
                yield read(fd(a.get(0)), iovecLength(a.get(1)), 0);
            }
            case "write" -> {
                args(s, 3);
                yield write(fd(a.get(0)), scalar(a.get(2)), 0);
            }
            case "send", "sendto" -> {
                argsAtLeast(s, 4);
                yield write(fd(a.get(0)), scalar(a.get(2)), scalar(a.get(3)));
            }
            case "writev" -> {
                args(s, 3);
                yield write(fd(a.get(0)), iovecLength(a.get(1)), 0);
            }
            case "sendmsg" -> {
                args(s, 3);
                yield write(fd(a.get(0)), msghdrLength(a.get(1)), scalar(a.get(2)));
            }
            case "close" -> {
                args(s, 1);
                yield close(fd(a.get(0)));
            }
            case "shutdown" -> {
                args(s, 2);
                yield shutdown(fd(a.get(0)), (int) scalar(a.get(1)));
            }
            case "fcntl" -> fcntl(s, a);
            case "ioctl" -> ioctl(s, a);
            case "setsockopt" -> {
                args(s, 5);
                yield setsockopt(fd(a.get(0)), (int) scalar(a.get(1)), (int) scalar(a.get(2)), a.get(3));
            }
            case "getsockopt" -> {
                args(s, 5);
                yield getsockopt(fd(a.get(0)), (int) scalar(a.get(1)), (int) scalar(a.get(2)), a.get(3),
                    (int) bracketed(a.get(4)));
            }
            case "poll" -> poll(s, a);
            default -> throw new ScriptSkip(s.name() + "() is not supported by the bypass runner");
        };
    }

    /** packetdrill's check of a call's return value and errno ({@code end_syscall}); null if they match. */
    static String resultError(SyscallSpec s, Outcome o) {
        long expected = scalar(s.result());
        boolean fdCheck = s.name().equals("socket") || s.name().equals("accept");
        if (fdCheck && expected >= 0) {
            if (o.result() < 0) {
                return "Expected non-negative result but got " + o.result() + " with errno "
                    + Linux.describeErrno(o.errno());
            }
        } else if (o.result() != expected) {
            return "Expected result " + expected + " but got " + o.result() + " with errno "
                + Linux.describeErrno(o.errno());
        }
        if (s.errno() != null) {
            Long want = Linux.symbol(s.errno());
            if (want == null) {
                throw new ScriptSkip("errno " + s.errno() + " not known to the runner");
            }
            if (want != o.errno()) {
                return "Expected errno " + Linux.describeErrno((int) (long) want) + " but got "
                    + Linux.describeErrno(o.errno());
            }
        }
        return o.mismatch();
    }

    // ----------------------------------------------------------------------------------------- calls

    private Call socketCall(SyscallSpec s, List<Expr> a) {
        args(s, 3);
        String why = unsupportedReason(s);
        if (why != null) {
            throw new ScriptSkip(why);
        }
        long fd = scalar(s.result());
        boolean nonBlocking = (scalar(a.get(1)) & Linux.SOCK_NONBLOCK) != 0;
        return () -> {
            if (fd < 0) {
                return Outcome.ok(3); // the script expects socket() to fail: it does not on bypass
            }
            if (fds.containsKey((int) fd)) {
                throw new CallException("duplicate fd " + fd + " in script");
            }
            TestedConnection tested = new TestedConnection();
            ScriptSocket sock = new ScriptSocket((int) fd, tested, run.profile().tcp().toBuilder());
            sock.nonBlocking = nonBlocking;
            tested.socket = sock;
            fds.put((int) fd, sock);
            run.underTest(tested);
            return Outcome.ok(fd);
        };
    }

    private Call listen(ScriptSocket sock, int backlog) {
        return () -> {
            if (sock.connected()) {
                return Outcome.error(Linux.EINVAL);
            }
            if (sock.listener != null) {
                return Outcome.ok(0);
            }
            int port = sock.bound ? run.options().bindPort() : 0;
            TcpConfig config = listenConfig(sock);
            // Linux's accept queue holds backlog + 1 connections (sk_acceptq_is_full tests >).
            sock.listener = run.tcp().listen(port, Math.max(backlog, 0) + 1, config);
            sock.tested.state = TestedConnection.State.PASSIVE_LISTENING;
            return Outcome.ok(0);
        };
    }

    private TcpConfig listenConfig(ScriptSocket sock) {
        return sock.options.synRetries(sock.synCount > 0 ? sock.synCount : run.profile().synackRetries()).build();
    }

    private Call accept(ScriptSocket sock, SyscallSpec s) {
        long expectedFd = scalar(s.result());
        return () -> {
            if (sock.listener == null) {
                return Outcome.error(Linux.EINVAL);
            }
            TcpConnection c = sock.listener.accept();
            if (c == null) {
                return sock.nonBlocking ? Outcome.error(Linux.EAGAIN) : null;
            }
            TestedConnection child = run.childFor(c.remotePort());
            if (child == null) {
                throw new CallException("unable to find socket matching accept() call");
            }
            int fd = (int) (expectedFd >= 0 ? expectedFd : 1000 + c.remotePort());
            if (fds.containsKey(fd)) {
                throw new CallException("duplicate fd " + fd + " in script");
            }
            ScriptSocket accepted = new ScriptSocket(fd, child, sock.listener.options().toBuilder());
            accepted.connection = c;
            accepted.bound = true;
            accepted.reuseAddress = sock.reuseAddress;
            accepted.sendBuffer = sock.sendBuffer;
            accepted.receiveBuffer = sock.receiveBuffer;
            if (sock.sendBuffer != 0) {
                c.sendBufferBytes(sock.sendBuffer);
            }
            child.socket = accepted;
            fds.put(fd, accepted);
            return Outcome.ok(fd);
        };
    }

    private Call connect(ScriptSocket sock) {
        return new Call() {
            private boolean started;

            @Override
            public Outcome attempt() {
                if (!started) {
                    started = true;
                    if (sock.listener != null) {
                        return Outcome.error(Linux.EISCONN);
                    }
                    if (sock.connected()) {
                        return again();
                    }
                    TcpConfig config = sock.options.synRetries(sock.synCount > 0 ? sock.synCount
                        : run.profile().synRetries()).build();
                    int localPort = sock.bound ? run.options().bindPort() : 0;
                    sock.connection = run.tcp().connect(ScriptRun.REMOTE_ADDRESS, run.options().connectPort(),
                        localPort, config);
                    if (sock.sendBuffer != 0) {
                        sock.connection.sendBufferBytes(sock.sendBuffer);
                    }
                    if (sock.tested.state == TestedConnection.State.NEW) {
                        sock.tested.state = TestedConnection.State.ACTIVE_CONNECTING;
                        sock.tested.remotePort = run.options().connectPort();
                    }
                    if (sock.nonBlocking) {
                        sock.connectInProgress = true;
                        return Outcome.error(Linux.EINPROGRESS);
                    }
                }
                return outcome(false);
            }

            /** connect() on a socket that already has a connection. */
            private Outcome again() {
                if (!sock.connectInProgress) {
                    return Outcome.error(Linux.EISCONN);
                }
                return outcome(true);
            }

            private Outcome outcome(boolean repeated) {
                TcpConnection c = sock.connection;
                TcpState state = c.state();
                if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
                    return sock.nonBlocking && repeated ? Outcome.error(Linux.EALREADY) : null;
                }
                int error = sock.pendingError();
                if (error != 0) {
                    sock.errorReported = true;
                    sock.connectInProgress = false;
                    return Outcome.error(error);
                }
                if (repeated && sock.connectReported) {
                    return Outcome.error(Linux.EISCONN);
                }
                sock.connectReported = true;
                sock.connectInProgress = false;
                return Outcome.ok(0);
            }
        };
    }

    private Call read(ScriptSocket sock, int count, long flags) {
        String why = flagsUnsupported("recv", flags);
        if (why != null) {
            throw new ScriptSkip(why);
        }
        boolean dontWait = (flags & Linux.MSG_DONTWAIT) != 0;
        return () -> {
            TcpConnection c = sock.connection;
            if (c == null) {
                return Outcome.error(Linux.ENOTCONN);
            }
            if (count == 0) {
                return Outcome.ok(0);
            }
            int total = 0;
            while (total < count) {
                int n = c.read(scratch, 0, Math.min(count - total, scratch.capacity()));
                if (n <= 0) {
                    break;
                }
                total += n;
            }
            if (total > 0) {
                return Outcome.ok(total);
            }
            int error = sock.pendingError();
            if (error != 0) {
                sock.errorReported = true;
                return Outcome.error(error);
            }
            if (c.peerClosed() || sock.shutRead || c.state() == TcpState.CLOSED) {
                return Outcome.ok(0);
            }
            return sock.nonBlocking || dontWait ? Outcome.error(Linux.EAGAIN) : null;
        };
    }

    private Call write(ScriptSocket sock, long count, long flags) {
        String why = flagsUnsupported("send", flags);
        if (why != null) {
            throw new ScriptSkip(why);
        }
        boolean dontWait = (flags & Linux.MSG_DONTWAIT) != 0;
        boolean more = (flags & Linux.MSG_MORE) != 0;
        return new Call() {
            private long written;
            /** The send buffer stopped this write: it sleeps until the buffer is writable (sk_stream_wait_memory). */
            private boolean waiting;

            @Override
            public Outcome attempt() {
                TcpConnection c = sock.connection;
                if (c == null) {
                    return Outcome.error(Linux.EPIPE);
                }
                int error = sock.pendingError();
                if (error != 0) {
                    sock.errorReported = true;
                    return written > 0 ? Outcome.ok(written) : Outcome.error(error);
                }
                if (sock.shutWrite || c.state() == TcpState.CLOSED) {
                    return written > 0 ? Outcome.ok(written) : Outcome.error(Linux.EPIPE);
                }
                if (c.state() == TcpState.SYN_SENT || c.state() == TcpState.SYN_RECEIVED) {
                    // Linux waits for the handshake before queueing (sk_stream_wait_connect).
                    return sock.nonBlocking || dontWait ? Outcome.error(Linux.EAGAIN) : null;
                }
                if (!canStillSend(c)) {
                    return written > 0 ? Outcome.ok(written) : Outcome.error(Linux.EPIPE);
                }
                if (waiting && !c.writable()) {
                    return null; // Linux wakes the writer only once sk_stream_write_space finds room enough
                }
                waiting = false;
                while (written < count) {
                    int n = c.write(zeros, 0, (int) Math.min(count - written, zeros.capacity()), more);
                    if (n <= 0) {
                        break;
                    }
                    written += n;
                }
                if (written == count) {
                    return Outcome.ok(written);
                }
                if (sock.nonBlocking || dontWait) {
                    return written > 0 ? Outcome.ok(written) : Outcome.error(Linux.EAGAIN);
                }
                waiting = true;
                return null;
            }
        };
    }

    /** False once the connection sent or queued its FIN (shutdown or close through another path). */
    private static boolean canStillSend(TcpConnection c) {
        return switch (c.state()) {
            case ESTABLISHED, CLOSE_WAIT -> true;
            default -> false;
        };
    }

    private Call close(ScriptSocket sock) {
        return () -> {
            fds.remove(sock.fd);
            if (sock.listener != null) {
                sock.listener.close();
            } else if (sock.connection != null) {
                if (sock.lingerAbort) {
                    sock.connection.abort();
                } else {
                    sock.connection.close();
                }
            }
            sock.connection = null;
            sock.listener = null;
            return Outcome.ok(0);
        };
    }

    private Call shutdown(ScriptSocket sock, int how) {
        return () -> {
            TcpConnection c = sock.connection;
            if (c == null || !(c.state().isSynchronized() || c.state() == TcpState.SYN_SENT
                || c.state() == TcpState.SYN_RECEIVED)) {
                return Outcome.error(Linux.ENOTCONN);
            }
            if (how == Linux.SHUT_RD || how == Linux.SHUT_RDWR) {
                sock.shutRead = true;
            }
            if (how == Linux.SHUT_WR || how == Linux.SHUT_RDWR) {
                if (!sock.shutWrite && canStillSend(c)) {
                    c.shutdownOutput();
                }
                sock.shutWrite = true;
            }
            if (how < Linux.SHUT_RD || how > Linux.SHUT_RDWR) {
                return Outcome.error(Linux.EINVAL);
            }
            return Outcome.ok(0);
        };
    }

    private Call fcntl(SyscallSpec s, List<Expr> a) {
        if (a.size() != 2 && a.size() != 3) {
            throw new CallException("fcntl expected 2-3 args but got " + a.size());
        }
        ScriptSocket sock = fd(a.get(0));
        long command = scalar(a.get(1));
        if (command == Linux.F_GETFL) {
            return () -> Outcome.ok(Linux.O_RDWR | (sock.nonBlocking ? Linux.O_NONBLOCK : 0));
        }
        if (command == Linux.F_SETFL && a.size() == 3) {
            long flags = scalar(a.get(2));
            return () -> {
                sock.nonBlocking = (flags & Linux.O_NONBLOCK) != 0;
                return Outcome.ok(0);
            };
        }
        throw new ScriptSkip("fcntl command " + a.get(1) + " is not supported by the bypass runner");
    }

    private Call ioctl(SyscallSpec s, List<Expr> a) {
        if (a.size() != 3) {
            throw new ScriptSkip("ioctl with " + a.size() + " arguments is not supported by the bypass runner");
        }
        ScriptSocket sock = fd(a.get(0));
        long command = scalar(a.get(1));
        long expected = bracketed(a.get(2));
        if (command != Linux.SIOCINQ && command != Linux.SIOCOUTQ) {
            throw new ScriptSkip("ioctl " + a.get(1) + " is not supported by the bypass runner");
        }
        return () -> {
            TcpConnection c = sock.connection;
            if (c == null) {
                return Outcome.error(Linux.EINVAL);
            }
            long actual;
            if (command == Linux.SIOCINQ) {
                actual = c.readableBytes();
            } else {
                TcpInfo info = c.info(new TcpInfo());
                actual = (long) info.unackedBytes + info.notSentBytes;
            }
            return new Outcome(0, 0, actual == expected ? null
                : "Bad ioctl optval: expected: " + expected + " actual: " + actual);
        };
    }

    // ------------------------------------------------------------------------------------ socket options

    /** Why an option cannot be set or read on bypass, or null. */
    private static String optionUnsupported(String call, int level, int name, Expr value) {
        boolean set = call.equals("setsockopt");
        String option = optionName(level, name);
        if (level == Linux.SOL_SOCKET) {
            return switch (name) {
                case Linux.SO_REUSEADDR, Linux.SO_REUSEPORT, Linux.SO_KEEPALIVE, Linux.SO_SNDBUF,
                     Linux.SO_RCVBUF -> null;
                case Linux.SO_LINGER -> null;
                case Linux.SO_ERROR -> set ? option + " cannot be set" : null;
                default -> call + "(" + option + ") is not supported by bypass";
            };
        }
        if (level == Linux.SOL_TCP) {
            return switch (name) {
                case Linux.TCP_NODELAY, Linux.TCP_CORK, Linux.TCP_MAXSEG, Linux.TCP_KEEPIDLE, Linux.TCP_KEEPINTVL,
                     Linux.TCP_KEEPCNT, Linux.TCP_SYNCNT, Linux.TCP_CONGESTION -> null;
                case Linux.TCP_QUICKACK -> call + "(TCP_QUICKACK): bypass has no quick-ACK switch";
                case Linux.TCP_INFO -> set ? call + "(TCP_INFO) cannot be set" : null;
                default -> call + "(" + option + ") is not supported by bypass";
            };
        }
        if (level == Linux.SOL_IP && set && (name == Linux.IP_TOS || name == Linux.IP_MTU_DISCOVER)) {
            return null;
        }
        return call + "(" + option + ") is not supported by bypass";
    }

    private static String optionName(int level, int name) {
        String prefix = level == Linux.SOL_SOCKET ? "SO_" : level == Linux.SOL_TCP ? "TCP_" : level == Linux.SOL_IP
            ? "IP_" : "";
        for (String candidate : List.of("SO_REUSEADDR", "SO_ERROR", "SO_SNDBUF", "SO_RCVBUF", "SO_KEEPALIVE",
            "SO_LINGER", "SO_REUSEPORT", "SO_TIMESTAMPING", "SO_ZEROCOPY", "SO_MAX_PACING_RATE", "SO_RCVLOWAT",
            "SO_SNDLOWAT", "SO_PRIORITY", "SO_MARK", "SO_BINDTODEVICE", "TCP_NODELAY", "TCP_MAXSEG", "TCP_CORK",
            "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_SYNCNT", "TCP_LINGER2", "TCP_DEFER_ACCEPT",
            "TCP_WINDOW_CLAMP", "TCP_INFO", "TCP_QUICKACK", "TCP_CONGESTION", "TCP_MD5SIG", "TCP_USER_TIMEOUT",
            "TCP_FASTOPEN", "TCP_NOTSENT_LOWAT", "TCP_CC_INFO", "TCP_FASTOPEN_CONNECT", "TCP_INQ",
            "TCP_ZEROCOPY_RECEIVE", "TCP_TX_DELAY", "TCP_FASTOPEN_KEY", "TCP_FASTOPEN_NO_COOKIE", "TCP_SAVE_SYN",
            "TCP_SAVED_SYN", "TCP_ULP", "TCP_REPAIR", "TCP_TIMESTAMP", "TCP_THIN_LINEAR_TIMEOUTS",
            "TCP_THIN_DUPACK", "IP_TOS", "IP_TTL", "IP_MTU_DISCOVER", "IP_RECVERR", "IP_MTU", "IP_FREEBIND")) {
            if (candidate.startsWith(prefix) && Linux.symbol(candidate) == name) {
                return candidate;
            }
        }
        return "level " + level + " option " + name;
    }

    private Call setsockopt(ScriptSocket sock, int level, int name, Expr value) {
        String why = optionUnsupported("setsockopt", level, name, value);
        if (why != null) {
            throw new ScriptSkip(why);
        }
        return () -> {
            int errno = setOption(sock, level, name, value);
            return errno == 0 ? Outcome.ok(0) : Outcome.error(errno);
        };
    }

    /** Applies a socket option; returns 0 or the errno Linux fails the call with. */
    private int setOption(ScriptSocket sock, int level, int name, Expr value) {
        TcpConnection c = sock.connection;
        if (level == Linux.SOL_IP) {
            run.note("setsockopt(" + optionName(level, name) + ") accepted but not applied: packetdrill checks no IP"
                + " header field it changes unless a packet line asks");
            return 0;
        }
        if (level == Linux.SOL_SOCKET && name == Linux.SO_LINGER) {
            long[] linger = linger(value);
            if (linger[0] != 0 && linger[1] != 0) {
                throw new ScriptSkip("SO_LINGER with a timeout (blocking close) is not supported by the bypass runner");
            }
            sock.lingerAbort = linger[0] != 0;
            return 0;
        }
        if (level == Linux.SOL_TCP && name == Linux.TCP_CONGESTION) {
            if (!(value instanceof Expr.Str str)) {
                throw new CallException("TCP_CONGESTION needs a string");
            }
            if (!str.value().equals("reno") && !str.value().equals("cubic")) {
                throw new ScriptSkip("TCP_CONGESTION \"" + str.value() + "\": bypass has reno and cubic");
            }
            if (c != null) {
                throw new ScriptSkip("TCP_CONGESTION on an open connection: bypass sets it at open only");
            }
            sock.options.congestionControl(str.value());
            applyToListener(sock);
            return 0;
        }
        long v = bracketed(value);
        if (level == Linux.SOL_SOCKET) {
            switch (name) {
                case Linux.SO_REUSEADDR, Linux.SO_REUSEPORT -> sock.reuseAddress = v != 0;
                case Linux.SO_KEEPALIVE -> {
                    sock.options.keepAlive(v != 0);
                    if (c != null) {
                        c.keepAlive(v != 0);
                    }
                    applyToListener(sock);
                }
                case Linux.SO_SNDBUF -> {
                    // Linux keeps twice the value asked (sk_sndbuf), which getsockopt reports; bypass limits the
                    // connection's queue to it (at connect or accept if the socket is not open yet).
                    sock.sendBuffer = (int) Math.max(2 * Math.min(v, WMEM_MAX), 4608);
                    if (c != null) {
                        c.sendBufferBytes(sock.sendBuffer);
                    }
                }
                case Linux.SO_RCVBUF -> {
                    sock.receiveBuffer = (int) Math.max(2 * Math.min(v, RMEM_MAX), 2304);
                    // Linux doubles the value for overhead and advertises about half: the window is ~v.
                    int window = (int) Math.max(Math.min(v, RMEM_MAX), 1152);
                    if (c != null) {
                        c.receiveBufferBytes(window);
                    } else {
                        sock.options.receiveBufferBytes(window);
                        applyToListener(sock);
                    }
                }
                default -> throw new IllegalStateException("option " + name);
            }
            return 0;
        }
        switch (name) {
            case Linux.TCP_NODELAY -> {
                sock.options.noDelay(v != 0);
                if (c != null) {
                    c.noDelay(v != 0);
                }
                applyToListener(sock);
            }
            case Linux.TCP_CORK -> {
                // Linux: accepted sockets inherit it from the listener (as TCP_NODELAY).
                sock.options.cork(v != 0);
                if (c != null) {
                    c.cork(v != 0);
                }
                applyToListener(sock);
            }
            case Linux.TCP_MAXSEG -> {
                if (c != null) {
                    throw new ScriptSkip("TCP_MAXSEG on an open connection: bypass clamps the MSS at open only");
                }
                if (v < 88 || v > 32767) {
                    throw new ScriptSkip("TCP_MAXSEG " + v + ": Linux refuses it with EINVAL; not modelled");
                }
                sock.options.maxSegmentSize((int) v);
                applyToListener(sock);
            }
            case Linux.TCP_KEEPIDLE, Linux.TCP_KEEPINTVL -> {
                if (v < 1 || v > TcpConnection.MAX_KEEPALIVE_SECONDS) {
                    return Linux.EINVAL;
                }
                long ns = v * 1_000_000_000L;
                if (name == Linux.TCP_KEEPIDLE) {
                    sock.options.keepAliveIdleNs(ns);
                    if (c != null) {
                        c.keepAliveIdleNs(ns);
                    }
                } else {
                    sock.options.keepAliveIntervalNs(ns);
                    if (c != null) {
                        c.keepAliveIntervalNs(ns);
                    }
                }
                applyToListener(sock);
            }
            case Linux.TCP_KEEPCNT -> {
                if (v < 1 || v > TcpConnection.MAX_KEEPALIVE_PROBES) {
                    return Linux.EINVAL;
                }
                sock.options.keepAliveProbes((int) v);
                if (c != null) {
                    c.keepAliveProbes((int) v);
                }
                applyToListener(sock);
            }
            case Linux.TCP_SYNCNT -> {
                if (c != null) {
                    throw new ScriptSkip("TCP_SYNCNT on an open connection is not modelled");
                }
                sock.synCount = (int) v;
            }
            default -> throw new IllegalStateException("option " + name);
        }
        return 0;
    }

    /** Options set on a listening socket apply to the connections it accepts from now on (Linux: at SYN). */
    private void applyToListener(ScriptSocket sock) {
        if (sock.listener != null) {
            sock.listener.options(listenConfig(sock));
        }
    }

    private Call getsockopt(ScriptSocket sock, int level, int name, Expr value, int optlen) {
        String why = optionUnsupported("getsockopt", level, name, value);
        if (why != null) {
            throw new ScriptSkip(why);
        }
        return () -> {
            TcpConnection c = sock.connection;
            if (level == Linux.SOL_TCP && name == Linux.TCP_CONGESTION) {
                String actual = c != null ? c.info(new TcpInfo()).congestionControl : sock.options.build()
                    .congestionControl();
                String expected = value instanceof Expr.Str str ? str.value() : String.valueOf(value);
                return new Outcome(0, 0, expected.equals(actual) ? null
                    : "Bad getsockopt optval: expected: '" + expected + "' actual: '" + actual + "'");
            }
            if (level == Linux.SOL_SOCKET && name == Linux.SO_LINGER) {
                throw new ScriptSkip("getsockopt(SO_LINGER) is not supported by the bypass runner");
            }
            long actual;
            if (level == Linux.SOL_SOCKET) {
                actual = switch (name) {
                    case Linux.SO_REUSEADDR, Linux.SO_REUSEPORT -> sock.reuseAddress ? 1 : 0;
                    case Linux.SO_KEEPALIVE -> (c != null ? c.keepAlive() : sock.options.build().keepAlive()) ? 1 : 0;
                    case Linux.SO_SNDBUF -> {
                        if (sock.sendBuffer == 0) {
                            throw new ScriptSkip("getsockopt(SO_SNDBUF) before setsockopt: Linux's autotuned size is"
                                + " not modelled");
                        }
                        yield sock.sendBuffer;
                    }
                    case Linux.SO_RCVBUF -> {
                        if (sock.receiveBuffer == 0) {
                            throw new ScriptSkip("getsockopt(SO_RCVBUF) before setsockopt: Linux's autotuned size is"
                                + " not modelled");
                        }
                        yield sock.receiveBuffer;
                    }
                    case Linux.SO_ERROR -> {
                        int error = sock.pendingError();
                        if (error != 0) {
                            sock.errorReported = true;
                        }
                        yield error;
                    }
                    default -> throw new IllegalStateException("option " + name);
                };
            } else {
                actual = switch (name) {
                    case Linux.TCP_NODELAY -> (c != null ? c.noDelay() : sock.options.build().noDelay()) ? 1 : 0;
                    case Linux.TCP_CORK -> (c != null ? c.cork() : sock.options.build().cork()) ? 1 : 0;
                    case Linux.TCP_MAXSEG -> maxSegment(sock);
                    case Linux.TCP_KEEPIDLE -> (c != null ? c.keepAliveIdleNs() : sock.options.build()
                        .keepAliveIdleNs()) / 1_000_000_000L;
                    case Linux.TCP_KEEPINTVL -> (c != null ? c.keepAliveIntervalNs() : sock.options.build()
                        .keepAliveIntervalNs()) / 1_000_000_000L;
                    case Linux.TCP_KEEPCNT -> c != null ? c.keepAliveProbes() : sock.options.build().keepAliveProbes();
                    case Linux.TCP_SYNCNT -> sock.synCount > 0 ? sock.synCount : run.profile().synRetries();
                    case Linux.TCP_INFO -> tcpInfoHead(c);
                    default -> throw new IllegalStateException("option " + name);
                };
            }
            String mismatch = null;
            if (optlen != 4) {
                mismatch = "Bad getsockopt optlen: expected: " + optlen + " actual: 4";
            } else {
                long expected = bracketed(value);
                if (expected != actual) {
                    mismatch = "Bad getsockopt optval: expected: " + expected + " actual: " + actual;
                }
            }
            return new Outcome(0, 0, mismatch);
        };
    }

    /**
     * The first four bytes of Linux's struct tcp_info as an int, which is what packetdrill compares for
     * {@code getsockopt(fd, SOL_TCP, TCP_INFO, [v], [4])}: state, ca_state, retransmits, probes.
     */
    private static long tcpInfoHead(TcpConnection c) {
        if (c == null) {
            return 7; // TCP_CLOSE
        }
        TcpInfo info = c.info(new TcpInfo());
        return (info.field("tcpi_state") & 0xFF) | (info.field("tcpi_ca_state") & 0xFF) << 8
            | (info.field("tcpi_retransmits") & 0xFF) << 16 | (info.field("tcpi_probes") & 0xFF) << 24;
    }

    /** Linux's TCP_MAXSEG: the user's clamp on an unconnected or listening socket, else the send MSS. */
    private long maxSegment(ScriptSocket sock) {
        TcpConnection c = sock.connection;
        if (c != null && c.state().isSynchronized()) {
            return c.info(new TcpInfo()).sendMss;
        }
        int clamp = sock.options.build().maxSegmentSize();
        return clamp > 0 ? clamp : Linux.TCP_MSS_DEFAULT;
    }

    // ------------------------------------------------------------------------------------------- poll

    private Call poll(SyscallSpec s, List<Expr> a) {
        args(s, 3);
        if (!(a.get(0) instanceof Expr.Bracket list)) {
            throw new CallException("poll needs an array of pollfd structs, got " + a.get(0));
        }
        List<long[]> polls = new ArrayList<>(); // fd, events, expected revents
        for (Expr e : list.elements()) {
            Map<String, Expr> fields = fields(e, "pollfd");
            if (!fields.containsKey("fd") || !fields.containsKey("events")) {
                throw new CallException("pollfd needs fd= and events=");
            }
            polls.add(new long[] {scalar(fields.get("fd")), scalar(fields.get("events")),
                fields.containsKey("revents") ? scalar(fields.get("revents")) : 0});
        }
        long nfds = scalar(a.get(1));
        if (nfds != polls.size()) {
            throw new CallException("nfds " + nfds + " does not match " + polls.size() + "-element pollfd array");
        }
        long timeoutMs = scalar(a.get(2));
        long deadlineNs = timeoutMs < 0 ? Long.MAX_VALUE : run.nowNs() + timeoutMs * 1_000_000L;
        return new Call() {
            @Override
            public Outcome attempt() {
                long[] revents = new long[polls.size()];
                int ready = 0;
                for (int i = 0; i < polls.size(); i++) {
                    long[] p = polls.get(i);
                    ScriptSocket sock = fds.get((int) p[0]);
                    long mask = sock == null ? Linux.POLLNVAL : pollMask(sock);
                    revents[i] = mask & (p[1] | Linux.POLLERR | Linux.POLLHUP | Linux.POLLNVAL);
                    if (revents[i] != 0) {
                        ready++;
                    }
                }
                if (ready == 0 && run.nowNs() - deadlineNs < 0) {
                    return null;
                }
                String mismatch = null;
                for (int i = 0; i < polls.size() && mismatch == null; i++) {
                    if (revents[i] != polls.get(i)[2]) {
                        mismatch = "Expected revents of " + pollNames(polls.get(i)[2]) + " but got "
                            + pollNames(revents[i]) + " for pollfd " + i;
                    }
                }
                return new Outcome(ready, 0, mismatch);
            }

            @Override
            public long wakeAtNs() {
                return deadlineNs;
            }
        };
    }

    /** Linux's tcp_poll() for this socket. */
    private static long pollMask(ScriptSocket sock) {
        if (sock.listener != null) {
            return sock.listener.pending() > 0 ? Linux.POLLIN | Linux.POLLRDNORM : 0;
        }
        TcpConnection c = sock.connection;
        if (c == null) {
            return Linux.POLLOUT | Linux.POLLWRNORM | Linux.POLLHUP; // TCP_CLOSE, never connected
        }
        TcpState state = c.state();
        boolean receiveShut = c.peerClosed() || sock.shutRead || state == TcpState.CLOSED;
        boolean sendShut = sock.shutWrite || state == TcpState.CLOSED || !canStillSend(c) && state.isSynchronized();
        long mask = 0;
        if ((receiveShut && sendShut) || state == TcpState.CLOSED) {
            mask |= Linux.POLLHUP;
        }
        if (receiveShut) {
            mask |= Linux.POLLIN | Linux.POLLRDNORM | Linux.POLLRDHUP;
        }
        if (state != TcpState.SYN_SENT && state != TcpState.SYN_RECEIVED) {
            if (c.readableBytes() > 0) {
                mask |= Linux.POLLIN | Linux.POLLRDNORM;
            }
            if (sendShut || c.writable()) {
                mask |= Linux.POLLOUT | Linux.POLLWRNORM;
            }
        }
        if (sock.pendingError() != 0) {
            mask |= Linux.POLLERR;
        }
        return mask;
    }

    private static String pollNames(long mask) {
        if (mask == 0) {
            return "0";
        }
        List<String> names = new ArrayList<>();
        for (String n : List.of("POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLNVAL", "POLLRDNORM",
            "POLLRDBAND", "POLLWRNORM", "POLLWRBAND", "POLLMSG", "POLLRDHUP")) {
            long v = Linux.symbol(n);
            if ((mask & v) != 0) {
                names.add(n);
            }
        }
        return String.join("|", names);
    }

    // ------------------------------------------------------------------------------------- arguments

    private ScriptSocket fd(Expr e) {
        long fd = scalar(e);
        ScriptSocket sock = fds.get((int) fd);
        if (sock == null) {
            throw new CallException("unable to find socket with script fd " + fd);
        }
        return sock;
    }

    private static void args(SyscallSpec s, int n) {
        if (s.args().size() != n) {
            throw new CallException(s.name() + " expected " + n + " args but got " + s.args().size());
        }
    }

    private static void argsAtLeast(SyscallSpec s, int n) {
        if (s.args().size() < n) {
            throw new CallException(s.name() + " expected " + n + " args but got " + s.args().size());
        }
    }

    /** An integer argument: a number, a constant, or constants or-ed together. */
    static long scalar(Expr e) {
        return switch (e) {
            case Expr.Int i -> i.value();
            case Expr.Word w -> {
                Long v = Linux.symbol(w.name());
                if (v == null) {
                    throw new ScriptSkip("symbol " + w.name() + " not known to the bypass runner");
                }
                yield v;
            }
            case Expr.Or or -> scalar(or.left()) | scalar(or.right());
            case Expr.Bracket b when b.elements().size() == 1 -> scalar(b.elements().get(0));
            default -> throw new CallException("expected an integer, got " + e);
        };
    }

    /** {@code [value]}: a pointer to an integer. */
    static long bracketed(Expr e) {
        if (e instanceof Expr.Bracket b && b.elements().size() == 1) {
            return scalar(b.elements().get(0));
        }
        throw new CallException("expected [integer], got " + e);
    }

    private static long[] linger(Expr e) {
        Map<String, Expr> f = fields(e, "linger");
        if (!f.containsKey("onoff") || !f.containsKey("linger")) {
            throw new CallException("linger needs onoff= and linger=");
        }
        return new long[] {scalar(f.get("onoff")), scalar(f.get("linger"))};
    }

    /** The {@code name=value} fields of a struct. */
    private static Map<String, Expr> fields(Expr e, String what) {
        if (!(e instanceof Expr.Brace brace)) {
            throw new CallException("expected a " + what + " struct {...}, got " + e);
        }
        Map<String, Expr> out = new HashMap<>();
        for (Expr element : brace.elements()) {
            if (element instanceof Expr.Assign assign) {
                String name = switch (assign.target()) {
                    case Expr.Word w -> w.name();
                    case Expr.Call c -> c.name();
                    default -> throw new CallException("bad field " + assign.target() + " in " + what);
                };
                out.put(name, assign.value());
                if (assign.target() instanceof Expr.Call c && !c.args().isEmpty()) {
                    out.put(name + "#", c.args().get(0));
                }
            } else {
                throw new CallException("expected name=value in " + what + ", got " + element);
            }
        }
        return out;
    }

    /** {@code [{..., 40}, {..., 100}]}: the bytes an iovec array covers. */
    private static int iovecLength(Expr e) {
        if (!(e instanceof Expr.Bracket list)) {
            throw new CallException("expected an iovec array, got " + e);
        }
        long total = 0;
        for (Expr element : list.elements()) {
            if (!(element instanceof Expr.Brace b) || b.elements().size() != 2) {
                throw new CallException("expected {..., length} in an iovec array, got " + element);
            }
            total += scalar(b.elements().get(1));
        }
        return (int) total;
    }

    /** {@code {msg_name(...)=..., msg_iov(1)=[{..., 40}], msg_flags=0}}: the bytes a sendmsg sends. */
    private static int msghdrLength(Expr e) {
        Map<String, Expr> f = fields(e, "msghdr");
        if (f.containsKey("msg_control") && f.get("msg_control") instanceof Expr.Bracket b && !b.elements().isEmpty()) {
            throw new ScriptSkip("sendmsg with control messages is not supported by the bypass runner");
        }
        Expr iov = f.get("msg_iov");
        if (iov == null) {
            throw new CallException("msghdr without msg_iov");
        }
        return iovecLength(iov);
    }
}
