package dev.thoughtline.question.service;

/** Why one input line or row cannot become a question; reported per line, never fatal to the import. */
public final class LineRejected extends Exception {

    public LineRejected(String reason) {
        super(reason, null, false, false);
    }
}
