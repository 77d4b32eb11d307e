package dev.thoughtline.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress lines: on a terminal one line per stage redrawn in place ({@code [#####.....] done/total ...}); otherwise
 * (a log, a pipe) a line at most every few seconds and one when the stage ends.
 */
final class Progress {

    private final PrintStream out;
    private final boolean terminal = System.console() != null;
    private long lastPrinted;
    private String lastLine = "";

    Progress(PrintStream out) {
        this.out = out;
    }

    void update(String stage, long done, long total, String extra) {
        String line = String.format(Locale.ROOT, "%-28s %s %,d/%,d%s", stage, bar(done, total), done, total, extra.isEmpty() ? "" : "  " + extra);
        long now = System.nanoTime();
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLine.length() - line.length())));
            out.flush();
        } else if (now - lastPrinted > 3_000_000_000L && !line.equals(lastLine)) {
            out.println(line);
            lastPrinted = now;
        }
        lastLine = line;
    }

    void status(String stage, String status) {
        String line = String.format(Locale.ROOT, "%-28s %s", stage, status);
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLine.length() - line.length())));
            out.flush();
        }
        lastLine = line;
    }

    /** Ends the stage's line with its final state. */
    void done(String line) {
        if (terminal) {
            out.print("\r" + " ".repeat(lastLine.length()) + "\r");
        }
        out.println(line);
        lastLine = "";
        lastPrinted = 0;
    }

    static String bar(long done, long total) {
        int width = 20;
        int full = total <= 0 ? 0 : (int) Math.min(width, done * width / total);
        return "[" + "#".repeat(full) + ".".repeat(width - full) + "]";
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
