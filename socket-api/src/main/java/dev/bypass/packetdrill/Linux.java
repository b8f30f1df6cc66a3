package dev.bypass.packetdrill;

import java.util.HashMap;
import java.util.Map;

/**
 * The Linux constants scripts name ({@code SOCK_STREAM}, {@code SO_REUSEADDR}, {@code EAGAIN}), with
 * their x86-64 values, and errno's messages as {@code strerror} prints them.
 */
final class Linux {
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 04000;
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    static final int SOL_SOCKET = 1;
    static final int SOL_IP = 0;
    static final int SOL_TCP = 6;
    static final int SO_REUSEADDR = 2;
    static final int SO_ERROR = 4;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_KEEPALIVE = 9;
    static final int SO_LINGER = 13;
    static final int SO_REUSEPORT = 15;
    static final int IP_TOS = 1;
    static final int IP_MTU_DISCOVER = 10;
    static final int TCP_NODELAY = 1;
    static final int TCP_MAXSEG = 2;
    static final int TCP_CORK = 3;
    static final int TCP_KEEPIDLE = 4;
    static final int TCP_KEEPINTVL = 5;
    static final int TCP_KEEPCNT = 6;
    static final int TCP_SYNCNT = 7;
    static final int TCP_INFO = 11;
    static final int TCP_QUICKACK = 12;
    static final int TCP_CONGESTION = 13;

    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 04000;

    static final int SHUT_RD = 0;
    static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;

    static final int POLLIN = 0x1;
    static final int POLLPRI = 0x2;
    static final int POLLOUT = 0x4;
    static final int POLLERR = 0x8;
    static final int POLLHUP = 0x10;
    static final int POLLNVAL = 0x20;
    static final int POLLRDNORM = 0x40;
    static final int POLLWRNORM = 0x100;
    static final int POLLRDHUP = 0x2000;

    static final int MSG_PEEK = 0x2;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_MORE = 0x8000;

    static final int SIOCINQ = 0x541B;
    static final int SIOCOUTQ = 0x5411;

    static final int TCP_MSS_DEFAULT = 536;

    // errno
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EINVAL = 22;
    static final int EPIPE = 32;
    static final int ENOPROTOOPT = 92;
    static final int EOPNOTSUPP = 95;
    static final int EADDRINUSE = 98;
    static final int ECONNABORTED = 103;
    static final int ECONNRESET = 104;
    static final int EISCONN = 106;
    static final int ENOTCONN = 107;
    static final int ETIMEDOUT = 110;
    static final int ECONNREFUSED = 111;
    static final int EHOSTUNREACH = 113;
    static final int EALREADY = 114;
    static final int EINPROGRESS = 115;

    private static final Map<String, Long> SYMBOLS = new HashMap<>();
    private static final Map<Integer, String[]> ERRNO = new HashMap<>();

    static {
        symbols("SOCK_STREAM", SOCK_STREAM, "SOCK_DGRAM", SOCK_DGRAM, "SOCK_NONBLOCK", SOCK_NONBLOCK,
            "IPPROTO_IP", IPPROTO_IP, "IPPROTO_TCP", IPPROTO_TCP, "IPPROTO_UDP", IPPROTO_UDP, "AF_INET", AF_INET,
            "AF_INET6", AF_INET6, "AF_UNSPEC", 0, "PF_INET", AF_INET, "PF_INET6", AF_INET6);
        symbols("SOL_SOCKET", SOL_SOCKET, "SOL_IP", SOL_IP, "SOL_TCP", SOL_TCP, "IPPROTO_IPV6", 41, "SOL_IPV6", 41,
            "SOL_UDP", 17);
        symbols("SO_DEBUG", 1, "SO_REUSEADDR", SO_REUSEADDR, "SO_TYPE", 3, "SO_ERROR", SO_ERROR, "SO_DONTROUTE", 5,
            "SO_BROADCAST", 6, "SO_SNDBUF", SO_SNDBUF, "SO_RCVBUF", SO_RCVBUF, "SO_KEEPALIVE", SO_KEEPALIVE,
            "SO_OOBINLINE", 10, "SO_NO_CHECK", 11, "SO_PRIORITY", 12, "SO_LINGER", SO_LINGER, "SO_BSDCOMPAT", 14,
            "SO_REUSEPORT", SO_REUSEPORT, "SO_RCVLOWAT", 18, "SO_SNDLOWAT", 19, "SO_RCVTIMEO", 20, "SO_SNDTIMEO", 21,
            "SO_BINDTODEVICE", 25, "SO_TIMESTAMP", 29, "SO_ACCEPTCONN", 30, "SO_MARK", 36, "SO_TIMESTAMPING", 37,
            "SO_MAX_PACING_RATE", 47, "SO_ZEROCOPY", 60);
        symbols("IP_TOS", IP_TOS, "IP_TTL", 2, "IP_MTU_DISCOVER", IP_MTU_DISCOVER, "IP_RECVERR", 11, "IP_MTU", 14,
            "IP_FREEBIND", 15, "IP_PMTUDISC_DONT", 0, "IP_PMTUDISC_WANT", 1, "IP_PMTUDISC_DO", 2,
            "IP_PMTUDISC_PROBE", 3);
        symbols("TCP_NODELAY", TCP_NODELAY, "TCP_MAXSEG", TCP_MAXSEG, "TCP_CORK", TCP_CORK, "TCP_KEEPIDLE",
            TCP_KEEPIDLE, "TCP_KEEPINTVL", TCP_KEEPINTVL, "TCP_KEEPCNT", TCP_KEEPCNT, "TCP_SYNCNT", TCP_SYNCNT,
            "TCP_LINGER2", 8, "TCP_DEFER_ACCEPT", 9, "TCP_WINDOW_CLAMP", 10, "TCP_INFO", TCP_INFO,
            "TCP_QUICKACK", TCP_QUICKACK, "TCP_CONGESTION", TCP_CONGESTION, "TCP_MD5SIG", 14,
            "TCP_THIN_LINEAR_TIMEOUTS", 16, "TCP_THIN_DUPACK", 17, "TCP_USER_TIMEOUT", 18, "TCP_REPAIR", 19,
            "TCP_FASTOPEN", 23, "TCP_TIMESTAMP", 24, "TCP_NOTSENT_LOWAT", 25, "TCP_CC_INFO", 26,
            "TCP_SAVE_SYN", 27, "TCP_SAVED_SYN", 28, "TCP_FASTOPEN_CONNECT", 30, "TCP_ULP", 31,
            "TCP_FASTOPEN_KEY", 33, "TCP_FASTOPEN_NO_COOKIE", 34, "TCP_ZEROCOPY_RECEIVE", 35, "TCP_INQ", 36,
            "TCP_TX_DELAY", 37);
        symbols("O_RDONLY", 0, "O_WRONLY", 1, "O_RDWR", O_RDWR, "O_NONBLOCK", O_NONBLOCK, "F_GETFD", 1, "F_SETFD", 2,
            "F_GETFL", F_GETFL, "F_SETFL", F_SETFL, "FD_CLOEXEC", 1);
        symbols("SHUT_RD", SHUT_RD, "SHUT_WR", SHUT_WR, "SHUT_RDWR", SHUT_RDWR);
        symbols("POLLIN", POLLIN, "POLLPRI", POLLPRI, "POLLOUT", POLLOUT, "POLLERR", POLLERR, "POLLHUP", POLLHUP,
            "POLLNVAL", POLLNVAL, "POLLRDNORM", POLLRDNORM, "POLLRDBAND", 0x80, "POLLWRNORM", POLLWRNORM,
            "POLLWRBAND", 0x200, "POLLMSG", 0x400, "POLLRDHUP", POLLRDHUP);
        symbols("MSG_OOB", 0x1, "MSG_PEEK", MSG_PEEK, "MSG_DONTROUTE", 0x4, "MSG_TRUNC", 0x20,
            "MSG_DONTWAIT", MSG_DONTWAIT, "MSG_EOR", 0x80, "MSG_WAITALL", 0x100, "MSG_ERRQUEUE", 0x2000,
            "MSG_NOSIGNAL", MSG_NOSIGNAL, "MSG_MORE", MSG_MORE, "MSG_FASTOPEN", 0x20000000, "MSG_ZEROCOPY", 0x4000000);
        symbols("SIOCINQ", SIOCINQ, "FIONREAD", SIOCINQ, "SIOCOUTQ", SIOCOUTQ, "TIOCOUTQ", SIOCOUTQ,
            "SIOCOUTQNSD", 0x894B);
        errno(1, "EPERM", "Operation not permitted");
        errno(2, "ENOENT", "No such file or directory");
        errno(4, "EINTR", "Interrupted system call");
        errno(5, "EIO", "Input/output error");
        errno(EBADF, "EBADF", "Bad file descriptor");
        errno(EAGAIN, "EAGAIN", "Resource temporarily unavailable");
        errno(12, "ENOMEM", "Cannot allocate memory");
        errno(13, "EACCES", "Permission denied");
        errno(14, "EFAULT", "Bad address");
        errno(16, "EBUSY", "Device or resource busy");
        errno(17, "EEXIST", "File exists");
        errno(EINVAL, "EINVAL", "Invalid argument");
        errno(EPIPE, "EPIPE", "Broken pipe");
        errno(88, "ENOTSOCK", "Socket operation on non-socket");
        errno(89, "EDESTADDRREQ", "Destination address required");
        errno(90, "EMSGSIZE", "Message too long");
        errno(ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available");
        errno(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        errno(EADDRINUSE, "EADDRINUSE", "Address already in use");
        errno(99, "EADDRNOTAVAIL", "Cannot assign requested address");
        errno(101, "ENETUNREACH", "Network is unreachable");
        errno(ECONNABORTED, "ECONNABORTED", "Software caused connection abort");
        errno(ECONNRESET, "ECONNRESET", "Connection reset by peer");
        errno(105, "ENOBUFS", "No buffer space available");
        errno(EISCONN, "EISCONN", "Transport endpoint is already connected");
        errno(ENOTCONN, "ENOTCONN", "Transport endpoint is not connected");
        errno(ETIMEDOUT, "ETIMEDOUT", "Connection timed out");
        errno(ECONNREFUSED, "ECONNREFUSED", "Connection refused");
        errno(EHOSTUNREACH, "EHOSTUNREACH", "No route to host");
        errno(EALREADY, "EALREADY", "Operation already in progress");
        errno(EINPROGRESS, "EINPROGRESS", "Operation now in progress");
        SYMBOLS.put("EWOULDBLOCK", (long) EAGAIN);
    }

    private Linux() {
    }

    private static void symbols(Object... nameValue) {
        for (int i = 0; i < nameValue.length; i += 2) {
            SYMBOLS.put((String) nameValue[i], ((Number) nameValue[i + 1]).longValue());
        }
    }

    private static void errno(int value, String name, String message) {
        SYMBOLS.put(name, (long) value);
        ERRNO.put(value, new String[] {name, message});
    }

    /** The value of a constant, or null if the runner does not know it. */
    static Long symbol(String name) {
        return SYMBOLS.get(name);
    }

    /** {@code strerror(errno)}. */
    static String strerror(int errno) {
        if (errno == 0) {
            return "Success";
        }
        String[] e = ERRNO.get(errno);
        return e == null ? "Unknown error " + errno : e[1];
    }

    /** {@code "11 (Resource temporarily unavailable)"}, as packetdrill prints an errno. */
    static String describeErrno(int errno) {
        return errno + " (" + strerror(errno) + ")";
    }
}
