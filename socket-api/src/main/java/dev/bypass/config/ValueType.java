package dev.bypass.config;

import dev.bypass.stack.Ipv4Route;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The type of a configuration key: what it accepts (from a file, where TOML gives the value a type, and from
 * the command line, where everything arrives as text) and how it says what is allowed.
 */
public abstract class ValueType {
    /** The rule shown after a bad value and in the reference: "must be 1..64". */
    public abstract String allowed();

    /** The value as the program uses it; {@link Invalid} with {@link #allowed()} otherwise. */
    abstract Object convert(Toml.Value v) throws Invalid;

    /** Converts text given on the command line ({@code --set k=v}, a named flag, an environment variable). */
    Object convertText(String text) throws Invalid {
        return convert(new Toml.Str(text));
    }

    /** A value the type refuses: {@code why} completes "KEY = VALUE: ...". */
    static final class Invalid extends Exception {
        Invalid(String why) {
            super(why);
        }
    }

    Invalid invalid() {
        return new Invalid(allowed());
    }

    // ------------------------------------------------------------------------------------------- types

    /** An integer in {@code [min, max]}. */
    static ValueType integer(long min, long max) {
        return new ValueType() {
            @Override
            public String allowed() {
                return "must be an integer " + min + ".." + max;
            }

            @Override
            Object convert(Toml.Value v) throws Invalid {
                long n;
                if (v instanceof Toml.Int i) {
                    n = i.value();
                } else if (v instanceof Toml.Str s && s.value().strip().matches("[+-]?\\d{1,18}")) {
                    n = Long.parseLong(s.value().strip());
                } else {
                    throw invalid();
                }
                if (n < min || n > max) {
                    throw new Invalid("must be " + min + ".." + max);
                }
                return n;
            }
        };
    }

    /** A number of bytes in {@code [min, max]}: an integer, or a string with k, m or g (powers of 1024). */
    static ValueType size(long min, long max) {
        return new ValueType() {
            @Override
            public String allowed() {
                return "must be a size " + human(min) + ".." + human(max) + " (bytes, or with k/m/g: \"256k\")";
            }

            @Override
            Object convert(Toml.Value v) throws Invalid {
                long n;
                if (v instanceof Toml.Int i) {
                    n = i.value();
                } else if (v instanceof Toml.Str s) {
                    n = parseSize(s.value());
                } else {
                    throw invalid();
                }
                if (n < min || n > max) {
                    throw invalid();
                }
                return n;
            }

            private long parseSize(String text) throws Invalid {
                String t = text.strip().toLowerCase(Locale.ROOT);
                if (t.endsWith("ib")) {
                    t = t.substring(0, t.length() - 2);
                } else if (t.endsWith("b")) {
                    t = t.substring(0, t.length() - 1);
                }
                long unit = 1;
                if (!t.isEmpty()) {
                    switch (t.charAt(t.length() - 1)) {
                        case 'k' -> unit = 1L << 10;
                        case 'm' -> unit = 1L << 20;
                        case 'g' -> unit = 1L << 30;
                        default -> unit = 1;
                    }
                    if (unit != 1) {
                        t = t.substring(0, t.length() - 1);
                    }
                }
                if (!t.matches("\\d{1,12}")) {
                    throw invalid();
                }
                return Long.parseLong(t) * unit;
            }
        };
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "g";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "m";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "k";
        }
        return Long.toString(bytes);
    }

    static final ValueType BOOLEAN = new ValueType() {
        @Override
        public String allowed() {
            return "must be true or false";
        }

        @Override
        Object convert(Toml.Value v) throws Invalid {
            if (v instanceof Toml.Bool b) {
                return b.value();
            }
            if (v instanceof Toml.Str s && (s.value().equals("true") || s.value().equals("false"))) {
                return Boolean.parseBoolean(s.value());
            }
            throw invalid();
        }
    };

    /** A string matching {@code pattern}, described as {@code what}. */
    static ValueType string(String pattern, String what) {
        Pattern p = Pattern.compile(pattern);
        return new ValueType() {
            @Override
            public String allowed() {
                return "must be " + what;
            }

            @Override
            Object convert(Toml.Value v) throws Invalid {
                if (v instanceof Toml.Str s && p.matcher(s.value()).matches()) {
                    return s.value();
                }
                throw invalid();
            }
        };
    }

    /** One of {@code values}. */
    static ValueType oneOf(String... values) {
        Set<String> set = Set.of(values);
        return new ValueType() {
            @Override
            public String allowed() {
                return "must be one of " + String.join(", ", values);
            }

            @Override
            Object convert(Toml.Value v) throws Invalid {
                if (v instanceof Toml.Str s && set.contains(s.value())) {
                    return s.value();
                }
                throw invalid();
            }
        };
    }

    /** An IPv4 address a.b.c.d, as an int. */
    static final ValueType IPV4 = new ValueType() {
        @Override
        public String allowed() {
            return "must be an IPv4 address a.b.c.d";
        }

        @Override
        Object convert(Toml.Value v) throws Invalid {
            if (v instanceof Toml.Str s) {
                return parseIpv4(s.value(), this);
            }
            throw invalid();
        }
    };

    static int parseIpv4(String text, ValueType type) throws Invalid {
        if (!text.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            throw type.invalid();
        }
        try {
            return IpAddress.parse(text).v4();
        } catch (RuntimeException e) {
            throw type.invalid();
        }
    }

    /** An address with its prefix, a.b.c.d/n: {address, prefix length}. */
    static final ValueType CIDR = new ValueType() {
        @Override
        public String allowed() {
            return "must be an IPv4 address with its prefix length, a.b.c.d/n (n 1..32)";
        }

        @Override
        Object convert(Toml.Value v) throws Invalid {
            if (v instanceof Toml.Str s) {
                String t = s.value();
                int slash = t.indexOf('/');
                if (slash > 0 && t.substring(slash + 1).matches("\\d{1,2}")) {
                    int length = Integer.parseInt(t.substring(slash + 1));
                    if (length >= 1 && length <= 32) {
                        return new int[] {parseIpv4(t.substring(0, slash), this), length};
                    }
                }
            }
            throw invalid();
        }
    };

    static final ValueType MAC = new ValueType() {
        @Override
        public String allowed() {
            return "must be a unicast MAC address aa:bb:cc:dd:ee:ff";
        }

        @Override
        Object convert(Toml.Value v) throws Invalid {
            if (v instanceof Toml.Str s) {
                try {
                    MacAddress mac = MacAddress.parse(s.value());
                    if (!MacAddress.isMulticast(mac.bits()) && mac.bits() != 0) {
                        return mac;
                    }
                } catch (IllegalArgumentException e) {
                    throw invalid();
                }
            }
            throw invalid();
        }
    };

    /** A list of strings; on the command line, comma-separated (or a TOML array). */
    static final ValueType STRINGS = new ValueType() {
        @Override
        public String allowed() {
            return "must be an array of strings [\"a\", \"b\"]";
        }

        @Override
        Object convert(Toml.Value v) throws Invalid {
            if (v instanceof Toml.Arr a) {
                List<String> out = new ArrayList<>();
                for (Toml.Value e : a.values()) {
                    if (!(e instanceof Toml.Str s)) {
                        throw invalid();
                    }
                    out.add(s.value());
                }
                return List.copyOf(out);
            }
            throw invalid();
        }

        @Override
        Object convertText(String text) throws Invalid {
            String t = text.strip();
            if (t.startsWith("[")) {
                try {
                    return convert(Toml.parseValue(t));
                } catch (Toml.SyntaxException e) {
                    throw new Invalid(allowed() + " (" + e.detail() + ")");
                }
            }
            List<String> out = new ArrayList<>();
            for (String part : t.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
            return List.copyOf(out);
        }
    };

    /** Routes: "a.b.c.d/n via g.h.i.j", or "a.b.c.d/n" for an on-link prefix. */
    static final ValueType ROUTES = new ValueType() {
        @Override
        public String allowed() {
            return "must be an array of routes [\"a.b.c.d/n via g.h.i.j\", \"a.b.c.d/n\" (on-link)]";
        }

        @Override
        Object convert(Toml.Value v) throws Invalid {
            @SuppressWarnings("unchecked")
            List<String> texts = (List<String>) STRINGS.convert(v);
            return routes(texts);
        }

        @Override
        Object convertText(String text) throws Invalid {
            @SuppressWarnings("unchecked")
            List<String> texts = (List<String>) STRINGS.convertText(text);
            return routes(texts);
        }

        private List<Ipv4Route> routes(List<String> texts) throws Invalid {
            List<Ipv4Route> routes = new ArrayList<>();
            for (String t : texts) {
                String[] words = t.strip().split("\\s+");
                if (words.length != 1 && !(words.length == 3 && words[1].equals("via"))) {
                    throw new Invalid(allowed() + "; '" + t + "' is not one");
                }
                if (words[0].endsWith("/0")) {
                    throw new Invalid("a default route (" + words[0] + ") is set with the gateway key, not in routes");
                }
                int[] cidr;
                try {
                    cidr = (int[]) CIDR.convert(new Toml.Str(words[0]));
                } catch (Invalid e) {
                    throw new Invalid(allowed() + "; '" + words[0] + "' is not a.b.c.d/n");
                }
                int gateway = words.length == 3 ? parseIpv4(words[2], this) : 0;
                routes.add(new Ipv4Route(cidr[0] & Ipv4Route.mask(cidr[1]), cidr[1], gateway));
            }
            return List.copyOf(routes);
        }
    };

    /** busy-spin, yield, backoff, sleep or sleep:NS. */
    static final ValueType IDLE = new ValueType() {
        @Override
        public String allowed() {
            return "must be busy-spin, yield, backoff, sleep or sleep:NS (nanoseconds 1..1000000000)";
        }

        @Override
        Object convert(Toml.Value v) throws Invalid {
            if (v instanceof Toml.Str s) {
                try {
                    return IdleSpec.parse(s.value());
                } catch (IllegalArgumentException e) {
                    throw invalid();
                }
            }
            throw invalid();
        }
    };

    /** A path, or "none". */
    static final ValueType PATH = string("[^\\x00]+", "a path (or \"none\")");
}
