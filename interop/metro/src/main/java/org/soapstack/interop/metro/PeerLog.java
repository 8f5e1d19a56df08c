package org.soapstack.interop.metro;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Metro's own complaints. Metro logs protocol trouble it does not throw (e.g. a failed
 * Cancel when a port closes) through java.util.logging; this handler keeps every record at
 * WARNING or above, so a case can fail on them, and copies it to stderr with the prefix
 * {@code PEERLOG} (the Go harness reads those lines from the server's stderr).
 */
public final class PeerLog extends Handler {
    private final List<String> records = new ArrayList<>();
    private final PrintStream err;
    private final boolean verbose;

    private PeerLog(PrintStream err, boolean verbose) {
        this.err = err;
        this.verbose = verbose;
        setFormatter(new SimpleFormatter());
    }

    /** Replaces the root handlers with one PeerLog. */
    public static PeerLog install(PrintStream err, boolean verbose) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        PeerLog h = new PeerLog(err, verbose);
        root.addHandler(h);
        root.setLevel(verbose ? Level.INFO : Level.WARNING);
        return h;
    }

    @Override
    public synchronized void publish(LogRecord r) {
        if (r.getLevel().intValue() < Level.WARNING.intValue()) {
            if (verbose) {
                err.print(getFormatter().format(r));
            }
            return;
        }
        String msg = r.getLevel() + " " + r.getLoggerName() + ": " + oneLine(getFormatter().formatMessage(r));
        if (r.getThrown() != null) {
            msg += " (" + oneLine(String.valueOf(r.getThrown())) + ")";
        }
        if (benign(msg)) {
            err.println("PEERNOTE " + msg);
            err.flush();
            return;
        }
        records.add(msg);
        err.println("PEERLOG " + msg);
        err.flush();
    }

    /**
     * Warnings that say nothing about a case: WSS1542 (no servlet container; Metro runs on the
     * JDK HTTP server) and SP0100 for mssp:MustNotSendCancel (Metro 4 does not know the
     * assertion and ignores it; the wire check of the client catches a Cancel it then sends).
     */
    static boolean benign(String msg) {
        return msg.contains("WSS1542:") || (msg.contains("SP0100:") && msg.contains("MustNotSendCancel"));
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    /** Returns and forgets the records since the last call. */
    public synchronized List<String> drain() {
        List<String> out = new ArrayList<>(records);
        records.clear();
        return out;
    }

    @Override
    public void flush() {
        err.flush();
    }

    @Override
    public void close() {
    }
}
