package dev.thoughtline.generation.service;

import java.util.Arrays;

/**
 * The final answer stored with a trace: the last {@code \boxed{...}} (or {@code \fbox{...}}), braces nested,
 * of the content, else of the reasoning. Full answer checking (normalisation, equivalence) is
 * libs/answer-check's job in filter-service and eval-service; this only records what the teacher boxed.
 */
public final class FinalAnswer {

    private FinalAnswer() {
    }

    public static String of(String content, String reasoning) {
        String a = lastBoxed(content);
        return a != null ? a : lastBoxed(reasoning);
    }

    /**
     * The last box whose braces close. Linear in the text, whatever it holds (a teacher's answer may be a megabyte
     * of unclosed boxes): the braces that never close are found in one pass, so each candidate, from the last,
     * costs a lookup, and only the winner's closing brace is searched for.
     */
    static String lastBoxed(String text) {
        if (text == null) {
            return null;
        }
        int[] unclosed = unclosedBraces(text);
        int boxed = text.lastIndexOf("\\boxed");
        int fbox = text.lastIndexOf("\\fbox");
        while (boxed >= 0 || fbox >= 0) {
            boolean isBoxed = boxed > fbox;
            int at = isBoxed ? boxed : fbox;
            // the command and its brace may be apart, by whitespace only
            int open = at + (isBoxed ? 6 : 5);
            while (open < text.length() && Character.isWhitespace(text.charAt(open))) {
                open++;
            }
            if (open < text.length() && text.charAt(open) == '{' && Arrays.binarySearch(unclosed, open) < 0) {
                return text.substring(open + 1, closing(text, open)).strip();
            }
            if (isBoxed) {
                boxed = at == 0 ? -1 : text.lastIndexOf("\\boxed", at - 1);
            } else {
                fbox = at == 0 ? -1 : text.lastIndexOf("\\fbox", at - 1);
            }
        }
        return null;
    }

    /**
     * The positions of the opening braces no closing brace matches, in ascending order; a backslash escapes the
     * next character, as in {@link #closing}. A box's brace is never escaped (a letter or whitespace precedes it), so
     * the scan from the start agrees with {@link #closing} from the brace on.
     */
    private static int[] unclosedBraces(String text) {
        int[] open = new int[16];
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                if (depth == open.length) {
                    open = Arrays.copyOf(open, depth * 2);
                }
                open[depth++] = i;
            } else if (c == '}' && depth > 0) {
                depth--;
            }
        }
        return Arrays.copyOf(open, depth);
    }

    private static int closing(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                i++;
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }
}
