package dev.thoughtline.generation.service;

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

    static String lastBoxed(String text) {
        if (text == null) {
            return null;
        }
        int at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
        while (at >= 0) {
            int open = text.indexOf('{', at);
            int end = open < 0 ? -1 : closing(text, open);
            if (end > 0 && onlySpaceBetween(text, at + (text.startsWith("\\boxed", at) ? 6 : 5), open)) {
                return text.substring(open + 1, end).strip();
            }
            int before = at - 1;
            at = before < 0 ? -1 : Math.max(text.lastIndexOf("\\boxed", before), text.lastIndexOf("\\fbox", before));
        }
        return null;
    }

    /** Whether text[from, to) is blank: the command and its brace may be apart, by whitespace only. */
    private static boolean onlySpaceBetween(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(text.charAt(i))) {
                return false;
            }
        }
        return true;
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
