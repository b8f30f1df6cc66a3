package dev.bypass.socket;

import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;

/**
 * The java.nio exceptions a misuse gets, with a message naming the problem and the socket (java.nio's own
 * carry none: "ClosedChannelException: null" helps nobody).
 */
final class SocketErrors {
    private SocketErrors() {
    }

    static ClosedChannelException closed(String message) {
        return new Closed(message);
    }

    static AsynchronousCloseException asyncClosed(String message) {
        return new AsyncClosed(message);
    }

    static NotYetConnectedException notConnected(String message) {
        return new NotConnected(message);
    }

    static AlreadyBoundException alreadyBound(String message) {
        return new AlreadyBound(message);
    }

    static NotYetBoundException notBound(String message) {
        return new NotBound(message);
    }

    private static final class Closed extends ClosedChannelException {
        private final String message;

        Closed(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    private static final class AsyncClosed extends AsynchronousCloseException {
        private final String message;

        AsyncClosed(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    private static final class NotConnected extends NotYetConnectedException {
        private final String message;

        NotConnected(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    private static final class AlreadyBound extends AlreadyBoundException {
        private final String message;

        AlreadyBound(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    private static final class NotBound extends NotYetBoundException {
        private final String message;

        NotBound(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }
}
