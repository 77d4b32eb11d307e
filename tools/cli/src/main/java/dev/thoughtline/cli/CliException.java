package dev.thoughtline.cli;

/** Something the user can act on went wrong: printed as one line, with exit code 1. */
public class CliException extends RuntimeException {

    public CliException(String message) {
        super(message);
    }
}
