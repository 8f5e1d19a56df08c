package org.soapstack.interop.cxf;

import java.io.PrintStream;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The CXF server's protocol complaints for the Go harness: every java.util.logging record at
 * WARNING or above becomes one stderr line "PEERLOG LEVEL logger: message (exception)", and the
 * harness fails the go-to-peer case during which it appeared (as for the Metro peer's
 * PeerLog). CXF's own handlers still print the records as before. Records that say nothing
 * about a case are left out: CXF's reliable-messaging endpoint finding no JMX server, and its
 * RM out-interceptor skipping the acknowledgement request of a message outside a sequence
 * (every CreateSequenceResponse and the plain status endpoint's replies).
 */
final class ServerComplaints extends Handler {
    private final PrintStream err;

    private ServerComplaints(PrintStream err) {
        this.err = err;
        setFormatter(new SimpleFormatter());
        setLevel(Level.WARNING);
    }

    /** Adds the handler to the root logger. */
    static void install(PrintStream err) {
        Logger.getLogger("").addHandler(new ServerComplaints(err));
    }

    static boolean benign(String msg) {
        return msg.contains("MBeanServer not available")
            || msg.contains("sequence not set for outbound message, skipped acknowledgement request");
    }

    @Override
    public void publish(LogRecord r) {
        if (r.getLevel().intValue() < Level.WARNING.intValue()) {
            return;
        }
        String msg = r.getLevel() + " " + r.getLoggerName() + ": " + oneLine(getFormatter().formatMessage(r));
        if (r.getThrown() != null) {
            msg += " (" + oneLine(String.valueOf(r.getThrown())) + ")";
        }
        if (benign(msg)) {
            return;
        }
        synchronized (err) {
            err.println("PEERLOG " + msg);
            err.flush();
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    @Override
    public void flush() {
        err.flush();
    }

    @Override
    public void close() {
    }
}
