package dev.thoughtline.generation.service;

import java.util.Arrays;

/**
 * The final answer stored with a trace: the last {@code \boxed{...}} (or {@code \fbox{...}}), braces nested,
 * of the content, else of the reasoning. Full answer checking (normalisation, equivalence) is
 * libs/answer-check's job in filter-service and eval-service; this only records what the teacher boxed.
 *
 * <p>A teacher's text is untrusted (huge, repeating) and this runs on the event loop, so it is read in one pass,
 * linear in its length.
 */
public final class FinalAnswer {

    private FinalAnswer() {
    }

    public static String of(String content, String reasoning) {
        String a = lastBoxed(content);
        return a != null ? a : lastBoxed(reasoning);
    }

    /**
     * The content of the last box that closes: {@code \boxed} or {@code \fbox}, then whitespace only, then a brace
     * and its match (a backslash escapes the character after it); null when no box closes. One forward pass counts
     * the braces and keeps a stack of the boxes still open. A box's brace follows a letter or whitespace, never a
     * backslash, so the pass reads it as a brace just as a scan started there would.
     */
    static String lastBoxed(String text) {
        if (text == null || text.indexOf("\\boxed") < 0 && text.indexOf("\\fbox") < 0) {
            return null;
        }
        int n = text.length();
        // the brace of the last box command seen, until the pass reaches it
        int pending = -1;
        int depth = 0;
        // the braces of the boxes still open, each with the depth it opened at
        int[] open = new int[8];
        int boxes = 0;
        // the last box is the one whose brace comes last
        int bestOpen = -1;
        int bestClose = -1;
        // the next backslash and braces, found with indexOf: the text between them is skipped, not read char by char
        int backslash = nextOf(text, '\\', 0);
        int opening = nextOf(text, '{', 0);
        int closing = nextOf(text, '}', 0);
        while (true) {
            int i = Math.min(backslash, Math.min(opening, closing));
            if (i >= n) {
                break;
            }
            char c = text.charAt(i);
            if (c == '\\') {
                // a command may also start at the backslash this one escapes
                for (int at = i; at <= i + 1 && at < n && text.charAt(at) == '\\'; at++) {
                    int brace = text.startsWith("\\boxed", at) ? at + 6 : text.startsWith("\\fbox", at) ? at + 5 : -1;
                    if (brace < 0) {
                        continue;
                    }
                    while (brace < n && Character.isWhitespace(text.charAt(brace))) {
                        brace++;
                    }
                    if (brace < n && text.charAt(brace) == '{') {
                        pending = brace;
                    }
                }
                // the character after a backslash is escaped
                int after = Math.min(i + 2, n);
                backslash = nextOf(text, '\\', after);
                if (opening < after) {
                    opening = nextOf(text, '{', after);
                }
                if (closing < after) {
                    closing = nextOf(text, '}', after);
                }
            } else if (c == '{') {
                if (i == pending) {
                    if (boxes + 2 > open.length) {
                        open = Arrays.copyOf(open, open.length * 2);
                    }
                    open[boxes++] = i;
                    open[boxes++] = depth;
                }
                depth++;
                opening = nextOf(text, '{', i + 1);
            } else {
                if (depth > 0) {
                    depth--;
                    if (boxes > 0 && open[boxes - 1] == depth) {
                        int brace = open[boxes - 2];
                        boxes -= 2;
                        if (brace > bestOpen) {
                            bestOpen = brace;
                            bestClose = i;
                        }
                    }
                }
                closing = nextOf(text, '}', i + 1);
            }
        }
        return bestOpen < 0 ? null : text.substring(bestOpen + 1, bestClose).strip();
    }

    /** The first {@code c} at or after {@code from}, or {@code text.length()}. */
    private static int nextOf(String text, char c, int from) {
        int i = text.indexOf(c, from);
        return i < 0 ? text.length() : i;
    }
}
