package dev.thoughtline.contracts;

/** Why one line (1-based) of a bulk input was rejected. */
public record LineError(long line, String reason) {
}
