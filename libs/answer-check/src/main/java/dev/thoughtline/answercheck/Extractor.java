package dev.thoughtline.answercheck;

import java.util.regex.Pattern;

/**
 * Finds the final answer in a model's response: the last {@code \boxed{...}} or {@code \fbox{...}} (nested
 * braces included), else "the final answer is ...", else "Answer: ...", else the last math span ({@code $...$},
 * {@code \\[...\\]}, ...), else the last number. Text after a closing {@code </think>} is searched first; a short
 * one-line response that is not prose is itself the answer: a reasoning trace may box intermediate results.
 *
 * <p>Responses are untrusted (huge, repeating, adversarial), so every step is a single pass over the text or a
 * bounded look around one position: boxes and their braces are matched in one forward pass, phrases are found in
 * one backward pass, math spans in one forward pass that looks each closing delimiter up at most once. Extraction
 * is linear in the response's length.
 */
public final class Extractor {

    private static final String[] PHRASES = {"final answer is", "final answer:", "final answer"};
    private static final String[] LABELS = {"answer is", "answer:"};

    private Extractor() {
    }

    /** The final answer of {@code response}, or {@link Extraction#NONE}. */
    public static Extraction extract(String response) {
        if (response == null || response.isEmpty()) {
            return Extraction.NONE;
        }
        int think = response.lastIndexOf("</think>");
        if (think >= 0) {
            Extraction after = extractFrom(response, think + 8);
            if (after.found()) {
                return after;
            }
        }
        return extractFrom(response, 0);
    }

    private static Extraction extractFrom(String s, int from) {
        Extraction boxed = lastBoxed(s, from);
        // only a phrase after the last box can beat it: search there alone
        Extraction phrase = afterPhrase(s, boxed == null ? from : boxed.offset() + 1, PHRASES, Extraction.Source.FINAL_ANSWER_PHRASE);
        // a box and a "final answer is" both count; the later one ends the response ("\boxed{200} ... so the final
        // answer is $10,455$")
        if (boxed != null && (phrase == null || boxed.offset() > phrase.offset())) {
            return boxed;
        }
        if (phrase != null) {
            return phrase;
        }
        Extraction label = afterPhrase(s, from, LABELS, Extraction.Source.ANSWER_LABEL);
        if (label != null) {
            return label;
        }
        MathSpan math = lastMathSpan(s, from);
        if (math != null) {
            // a number in the prose after the last math span is where the response ends ("... increases by 100%.")
            Extraction number = lastNumber(s, from);
            return number != null && number.offset() >= math.end() ? number
                    : new Extraction(math.answer(), Extraction.Source.MATH_SPAN, math.start());
        }
        if (from == 0 && isBareAnswer(s)) {
            return new Extraction(s.strip(), Extraction.Source.WHOLE, 0);
        }
        Extraction number = lastNumber(s, from);
        return number != null ? number : Extraction.NONE;
    }

    /** A math span's content (stripped) and where the span starts and ends. */
    private record MathSpan(String answer, int start, int end) {
    }

    /**
     * The last math span of {@code s[from..]} with content that is not blank: "so the answer is $x = 5$" gives
     * "x = 5". The spans are those that {@code \$\$(.+?)\$\$|\\\[(.+?)\\\]|(?<![\\$])\$((?:\\\$|[^$\n])+?)(?<!\\)\$|\\\(([^\n]+?)\\\)}
     * (DOTALL) finds one after the other: {@code $$...$$} and {@code \[...\]} across lines, {@code $...$} (an
     * escaped {@code \$} inside, not after a backslash or a dollar) and {@code \(...\)} on one line. Run with
     * {@code find()}, that expression would scan to the end of the text again from every unclosed opening; here each
     * opening looks its closing up in {@link Next}, whose searches only move forward.
     */
    private static MathSpan lastMathSpan(String s, int from) {
        int n = s.length();
        Next doubleDollar = Next.pair(s, '$', '$');
        Next closeBracket = Next.pair(s, '\\', ']');
        Next closeParen = Next.pair(s, '\\', ')');
        Next dollar = Next.unescaped(s, '$');
        Next newline = Next.of(s, '\n');
        int lastStart = -1;
        int lastEnd = -1;
        int contentStart = -1;
        int contentEnd = -1;
        int p = from;
        while (p < n) {
            char c = s.charAt(p);
            int open = -1;
            int close = -1;
            int end = -1;
            if (c == '$') {
                if (p + 1 < n && s.charAt(p + 1) == '$' && (close = doubleDollar.at(p + 3)) < n) {
                    open = p + 2;
                    end = close + 2;
                } else if ((p == from || s.charAt(p - 1) != '\\' && s.charAt(p - 1) != '$') && p + 1 < n
                        && s.charAt(p + 1) != '$' && s.charAt(p + 1) != '\n') {
                    // the first dollar not after a backslash closes, when no line ends before it
                    int q = dollar.at(p + 2);
                    if (q < n && newline.at(p + 1) > q) {
                        open = p + 1;
                        close = q;
                        end = q + 1;
                    }
                }
            } else if (c == '\\' && p + 1 < n) {
                char d = s.charAt(p + 1);
                if (d == '[' && (close = closeBracket.at(p + 3)) < n) {
                    open = p + 2;
                    end = close + 2;
                } else if (d == '(' && (close = closeParen.at(p + 3)) < n && newline.at(p + 2) > close) {
                    open = p + 2;
                    end = close + 2;
                }
            }
            if (end < 0) {
                p++;
                continue;
            }
            if (!isBlank(s, open, close)) {
                lastStart = p;
                lastEnd = end;
                contentStart = open;
                contentEnd = close;
            }
            p = end;
        }
        return lastStart < 0 ? null : new MathSpan(s.substring(contentStart, contentEnd).strip(), lastStart, lastEnd);
    }

    /**
     * Where a delimiter next occurs at or after a position: one character, two in a row, or a dollar sign that no
     * backslash escapes; {@code s.length()} when it does not. Asked at positions that never decrease, as the scan
     * of {@link #lastMathSpan} asks, it reads every character at most once.
     */
    private static final class Next {
        private final String s;
        private final char first;
        private final char second;
        private final boolean unescaped;
        private int askedFrom = Integer.MAX_VALUE;
        private int found;

        private Next(String s, char first, char second, boolean unescaped) {
            this.s = s;
            this.first = first;
            this.second = second;
            this.unescaped = unescaped;
        }

        static Next of(String s, char c) {
            return new Next(s, c, (char) 0, false);
        }

        static Next pair(String s, char first, char second) {
            return new Next(s, first, second, false);
        }

        /** A {@code c} not right after a backslash; asked only at positions from 1 on. */
        static Next unescaped(String s, char c) {
            return new Next(s, c, (char) 0, true);
        }

        int at(int from) {
            // nothing between the last position asked and what was found then
            if (from >= askedFrom && from <= found) {
                return found;
            }
            int n = s.length();
            int i = from;
            while ((i = s.indexOf(first, i)) >= 0 && !occursAt(i, n)) {
                i++;
            }
            askedFrom = from;
            found = i < 0 ? n : i;
            return found;
        }

        private boolean occursAt(int i, int n) {
            if (second != 0) {
                return i + 1 < n && s.charAt(i + 1) == second;
            }
            return !unescaped || s.charAt(i - 1) != '\\';
        }
    }

    private static boolean isBlank(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** A short one-line response that is not prose ("x^2 + 1", "$\\frac{1}{2}$") is its own answer. */
    private static boolean isBareAnswer(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && Character.isWhitespace(s.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
            to--;
        }
        // measured before it is copied: a whole response is rarely this short
        if (to == from || to - from > 200) {
            return false;
        }
        String t = s.substring(from, to);
        if (t.indexOf('\n') >= 0) {
            return false;
        }
        int words = 0;
        for (int i = 0; i < t.length(); i++) {
            if (Character.isLetter(t.charAt(i)) && (i == 0 || !Character.isLetter(t.charAt(i - 1)) && t.charAt(i - 1) != '\\')) {
                int j = i;
                while (j < t.length() && Character.isLetter(t.charAt(j))) {
                    j++;
                }
                if (j - i >= 3) {
                    words++;
                }
            }
        }
        return words <= 1;
    }

    /**
     * The last box of {@code s[from..]} with an argument that is not blank, and the boxes right before it that answer
     * with it. One forward pass finds the last such box: it matches braces with a counter and keeps a stack of the
     * boxes still open (a backslash escapes the character after it, as in {@link #boxedContent}; a box's opening
     * brace follows a letter or a space, never a backslash, so the pass reads it just as a scan started there would).
     */
    private static Extraction lastBoxed(String s, int from) {
        if (s.indexOf("\\boxed", from) < 0 && s.indexOf("\\fbox", from) < 0) {
            return null;
        }
        int n = s.length();
        int best = -1;
        int bestFrom = -1;
        int bestTo = -1;
        // the brace of the last box seen, until the pass reaches it
        int pendingBrace = -1;
        int depth = 0;
        // the boxes whose brace is open: each brace and the depth it opened at
        int[] open = new int[16];
        int boxes = 0;
        // the next backslash and braces, found with indexOf: prose between them is skipped, not read char by char
        int backslash = nextOf(s, '\\', from);
        int opening = nextOf(s, '{', from);
        int closing = nextOf(s, '}', from);
        while (true) {
            int j = Math.min(backslash, Math.min(opening, closing));
            if (j >= n) {
                break;
            }
            char c = s.charAt(j);
            if (c == '\\') {
                // every backslash starts a candidate, also one that the previous backslash escapes
                for (int at = j; at <= j + 1 && at < n && s.charAt(at) == '\\'; at++) {
                    int command = s.startsWith("\\boxed", at) ? at + 6 : s.startsWith("\\fbox", at) ? at + 5 : -1;
                    if (command < 0) {
                        continue;
                    }
                    int arg = command;
                    while (arg < n && s.charAt(arg) == ' ') {
                        arg++;
                    }
                    if (arg < n && s.charAt(arg) == '{') {
                        pendingBrace = arg;
                    } else if (arg > command && arg < n && !Character.isWhitespace(s.charAt(arg)) && s.charAt(arg) != '$' && at > best) {
                        // \boxed 5: a space, then one token
                        int end = arg;
                        while (end < n && !Character.isWhitespace(s.charAt(end)) && s.charAt(end) != '$') {
                            end++;
                        }
                        best = at;
                        bestFrom = arg;
                        bestTo = end;
                    }
                }
                // the character after a backslash is escaped
                int after = Math.min(j + 2, n);
                backslash = nextOf(s, '\\', after);
                if (opening < after) {
                    opening = nextOf(s, '{', after);
                }
                if (closing < after) {
                    closing = nextOf(s, '}', after);
                }
            } else if (c == '{') {
                if (j == pendingBrace) {
                    if (boxes + 2 > open.length) {
                        open = java.util.Arrays.copyOf(open, open.length * 2);
                    }
                    open[boxes++] = j;
                    open[boxes++] = depth;
                }
                depth++;
                opening = nextOf(s, '{', j + 1);
            } else {
                if (depth > 0) {
                    depth--;
                    if (boxes > 0 && open[boxes - 1] == depth) {
                        int brace = open[boxes - 2];
                        boxes -= 2;
                        int at = boxStart(s, brace);
                        if (at > best && !isBlank(s, brace + 1, j)) {
                            best = at;
                            bestFrom = brace + 1;
                            bestTo = j;
                        }
                    }
                }
                closing = nextOf(s, '}', j + 1);
            }
        }
        if (best < 0) {
            return null;
        }
        Extraction.Source source = s.startsWith("\\fbox", best) ? Extraction.Source.FBOX : Extraction.Source.BOXED;
        // boxes next to each other answer together: "\boxed{-2} and \boxed{1}", "\boxed{1}\boxed{2}"; their arguments
        // are kept as bounds in the text, last first, and copied once
        int[] parts = {bestFrom, bestTo};
        int count = 1;
        int first = best;
        for (int before = adjacentBox(s, first, from); before >= 0; before = adjacentBox(s, first, from)) {
            // read forward only up to the next box: an argument that runs on past its start (a brace escaped one way
            // backwards and another forwards) is not a box beside it, and would repeat the rest of the answer
            long prev = boxedArgument(s, before, first);
            if (prev < 0 || isBlank(s, (int) (prev >>> 32), (int) prev)) {
                break;
            }
            if (2 * count == parts.length) {
                parts = java.util.Arrays.copyOf(parts, parts.length * 2);
            }
            parts[2 * count] = (int) (prev >>> 32);
            parts[2 * count + 1] = (int) prev;
            count++;
            first = before;
        }
        StringBuilder answer = new StringBuilder();
        for (int k = count - 1; k >= 0; k--) {
            int a = parts[2 * k];
            int b = parts[2 * k + 1];
            // stripped as String.strip() would
            while (a < b && Character.isWhitespace(s.charAt(a))) {
                a++;
            }
            while (b > a && Character.isWhitespace(s.charAt(b - 1))) {
                b--;
            }
            answer.append(s, a, b).append(k > 0 ? ", " : "");
        }
        return new Extraction(answer.toString(), source, best);
    }

    /** Where the box whose opening brace is at {@code brace} starts: its command, then spaces, then the brace. */
    private static int boxStart(String s, int brace) {
        int i = brace;
        while (s.charAt(i - 1) == ' ') {
            i--;
        }
        return s.charAt(i - 1) == 'd' ? i - 6 : i - 5;
    }

    /** The first {@code c} at or after {@code from}, or {@code s.length()}. */
    private static int nextOf(String s, char c, int from) {
        int i = s.indexOf(c, from);
        return i < 0 ? s.length() : i;
    }

    /**
     * The start of a box that ends just before the box at {@code box}, with only a {@link #separatesBoxes separator}
     * between them; -1 when there is none. Looks back only over the separator and that box, never over the whole text.
     */
    private static int adjacentBox(String s, int box, int from) {
        for (int j = box - 1; j >= Math.max(from, box - 60); j--) {
            if (s.charAt(j) != '}' || !separatesBoxes(s, j + 1, box)) {
                continue;
            }
            int open = opening(s, j, from);
            if (open < 0) {
                return -1;
            }
            int start = open;
            while (start > from && s.charAt(start - 1) == ' ') {
                start--;
            }
            if (start - 6 >= from && s.startsWith("\\boxed", start - 6)) {
                return start - 6;
            }
            if (start - 5 >= from && s.startsWith("\\fbox", start - 5)) {
                return start - 5;
            }
            // a brace of something else ("\\text{and}"): a box may still end before it
        }
        return -1;
    }

    /**
     * Whether {@code s[from, to)} is what may stand between two boxes that answer together: spacing, commas,
     * semicolons and dollars, with at most four of "and", {@code \quad}, {@code \qquad}, {@code \text{and}},
     * {@code \text{,}} among them. "or" may not: "\\boxed{15.975} or \\boxed{\\frac{639}{40}}" states one answer
     * twice. As {@code [\s,;$]*(?:(?:and|\\q?quad|\\text\{\s*(?:and|,)?\s*})[\s,;$]*){0,4}} would match, read
     * left to right: no two of its parts can begin alike.
     */
    private static boolean separatesBoxes(String s, int from, int to) {
        int i = skipSeparatorSpace(s, from, to);
        for (int words = 0; words < 4 && i < to; words++) {
            int next;
            if (s.startsWith("and", i)) {
                next = i + 3;
            } else if (s.startsWith("\\quad", i)) {
                next = i + 5;
            } else if (s.startsWith("\\qquad", i)) {
                next = i + 6;
            } else if (s.startsWith("\\text{", i)) {
                next = skipRegexSpace(s, i + 6, to);
                if (s.startsWith("and", next)) {
                    next += 3;
                } else if (next < to && s.charAt(next) == ',') {
                    next++;
                }
                next = skipRegexSpace(s, next, to);
                if (next >= to || s.charAt(next) != '}') {
                    return false;
                }
                next++;
            } else {
                return false;
            }
            if (next > to) {
                return false;
            }
            i = skipSeparatorSpace(s, next, to);
        }
        return i == to;
    }

    private static int skipSeparatorSpace(String s, int i, int to) {
        while (i < to && (isRegexSpace(s.charAt(i)) || s.charAt(i) == ',' || s.charAt(i) == ';' || s.charAt(i) == '$')) {
            i++;
        }
        return i;
    }

    private static int skipRegexSpace(String s, int i, int to) {
        while (i < to && isRegexSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** {@code \s} of a regex: ASCII spacing only. */
    private static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** The {@code {} that the {@code }} at {@code close} closes, or -1. */
    private static int opening(String s, int close, int from) {
        int depth = 0;
        for (int k = close; k >= from; k--) {
            char c = s.charAt(k);
            boolean escaped = k > 0 && s.charAt(k - 1) == '\\';
            if (c == '}' && !escaped) {
                depth++;
            } else if (c == '{' && !escaped && --depth == 0) {
                return k;
            }
        }
        return -1;
    }

    /**
     * The content of the box starting at {@code at}: {@code \\boxed{...}} with nested braces, or
     * {@code \\boxed 5}; null when it is unclosed.
     */
    static String boxedContent(String s, int at) {
        long argument = boxedArgument(s, at, s.length());
        return argument < 0 ? null : s.substring((int) (argument >>> 32), (int) argument);
    }

    /**
     * Where the content of the box starting at {@code at} lies, as {@code from << 32 | to}; -1 when it is unclosed,
     * or when its closing brace is not before {@code limit}.
     */
    private static long boxedArgument(String s, int at, int limit) {
        int i;
        if (s.startsWith("\\boxed", at)) {
            i = at + 6;
        } else if (s.startsWith("\\fbox", at)) {
            i = at + 5;
        } else {
            return -1;
        }
        int command = i;
        int n = s.length();
        while (i < n && s.charAt(i) == ' ') {
            i++;
        }
        if (i < n && s.charAt(i) == '{') {
            int depth = 0;
            for (int j = i; j < Math.min(n, limit); j++) {
                char c = s.charAt(j);
                if (c == '\\' && j + 1 < n) {
                    j++;
                    continue;
                }
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    return (long) (i + 1) << 32 | j;
                }
            }
            return -1;
        }
        if (i > command && i < n) {
            // \boxed 5: a space, then one token
            int j = i;
            while (j < n && !Character.isWhitespace(s.charAt(j)) && s.charAt(j) != '$') {
                j++;
            }
            return j > i ? (long) i << 32 | j : -1;
        }
        return -1;
    }

    private static Extraction afterPhrase(String s, int from, String[] phrases, Extraction.Source source) {
        int best = lastPhrase(s, from, phrases);
        if (best < 0) {
            return null;
        }
        int bestEnd = best;
        for (String p : phrases) {
            if (s.regionMatches(true, best, p, 0, p.length())) {
                bestEnd = best + p.length();
                break;
            }
        }
        int i = bestEnd;
        int n = s.length();
        // markdown and punctuation between the phrase and the answer: "**Answer:** $5$", "is: 5"
        while (i < n) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == ':' || c == '*' || c == '$') {
                i++;
            } else if (c == '\\' && i + 1 < n && (s.charAt(i + 1) == '[' || s.charAt(i + 1) == '(')) {
                i += 2;
            } else {
                break;
            }
        }
        int end = i;
        while (end < n && s.charAt(end) != '\n') {
            char c = s.charAt(end);
            // a sentence ends at ". " or at the end of a line; "3.5" does not end one
            if (c == '.' && (end + 1 == n || Character.isWhitespace(s.charAt(end + 1))) && !(end > i && s.charAt(end - 1) == '\\')) {
                break;
            }
            end++;
        }
        String answer = s.substring(i, end).strip();
        answer = trimDelimiters(answer);
        if (answer.isEmpty()) {
            return null;
        }
        if (answer.contains("\\boxed") || answer.contains("\\fbox")) {
            String inner = boxedContent(answer, answer.contains("\\boxed") ? answer.indexOf("\\boxed") : answer.indexOf("\\fbox"));
            if (inner != null) {
                answer = inner.strip();
            }
        } else if (!isBareAnswer(answer)) {
            // "The volume of $ABCD$ is 120": prose around the answer; the number it ends with, else its last math span
            String tail = trailingNumber(answer);
            MathSpan math;
            Extraction number;
            if (tail != null) {
                answer = tail;
            } else if ((math = lastMathSpan(answer, 0)) != null) {
                answer = math.answer();
            } else if ((number = lastNumber(answer, 0)) != null) {
                // "Jane started growing Sphere 3 hours ago"
                answer = number.answer();
            }
        }
        return new Extraction(answer, source, best);
    }

    /**
     * The last position at or after {@code from} where one of {@code phrases} starts, ignoring case as
     * {@link String#regionMatches(boolean, int, String, int, int)} does; -1 when none does. Every phrase of a set
     * begins with the same letter, and only the two ASCII cases of "a" or "f" fold to it (beyond ASCII, characters
     * fold only to i, k and s), so the pass steps back from one of them to the previous.
     */
    private static int lastPhrase(String s, int from, String[] phrases) {
        char lower = phrases[0].charAt(0);
        char upper = Character.toUpperCase(lower);
        int lowerAt = s.lastIndexOf(lower);
        int upperAt = s.lastIndexOf(upper);
        while (true) {
            int i = Math.max(lowerAt, upperAt);
            if (i < from) {
                return -1;
            }
            for (String p : phrases) {
                if (startsWithIgnoringCase(s, i, p)) {
                    return i;
                }
            }
            if (i == lowerAt) {
                lowerAt = s.lastIndexOf(lower, i - 1);
            } else {
                upperAt = s.lastIndexOf(upper, i - 1);
            }
        }
    }

    /**
     * {@code s.regionMatches(true, i, phrase, 0, phrase.length())} for a phrase in lower-case ASCII, without its cost
     * per character where the text is ASCII too.
     */
    private static boolean startsWithIgnoringCase(String s, int i, String phrase) {
        if (i + phrase.length() > s.length()) {
            return false;
        }
        for (int k = 0; k < phrase.length(); k++) {
            char c = s.charAt(i + k);
            char p = phrase.charAt(k);
            if (c >= 128) {
                // beyond ASCII, case folding has surprises (a dotless i, a long s)
                return s.regionMatches(true, i, phrase, 0, phrase.length());
            }
            if (c != p && !(p >= 'a' && p <= 'z' && c + 32 == p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The number that ends {@code s}, with its sign, thousands commas and decimals (ASCII digits; whitespace may
     * follow), as the first match of {@code (-?\d[\d,]*(?:\.\d+)?)\s*$}; null when it ends otherwise. One pass:
     * every start inside a run of digits ends the same way, where that expression would read the run again from each.
     */
    private static String trailingNumber(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            int digits;
            if (c == '-' && i + 1 < n && isAsciiDigit(s.charAt(i + 1))) {
                digits = i + 1;
            } else if (isAsciiDigit(c)) {
                digits = i;
            } else {
                i++;
                continue;
            }
            int run = digits + 1;
            while (run < n && (isAsciiDigit(s.charAt(run)) || s.charAt(run) == ',')) {
                run++;
            }
            if (run + 1 < n && s.charAt(run) == '.' && isAsciiDigit(s.charAt(run + 1))) {
                int decimals = run + 2;
                while (decimals < n && isAsciiDigit(s.charAt(decimals))) {
                    decimals++;
                }
                if (onlySpaceToEnd(s, decimals)) {
                    return s.substring(i, decimals);
                }
            } else if (onlySpaceToEnd(s, run)) {
                return s.substring(i, run);
            }
            i = run;
        }
        return null;
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * Whether {@code \s*$} matches at {@code i}: regex whitespace to the end, where {@code $} also matches before a
     * line terminator that ends the text (the ones {@code \s} does not cover: NEL, LS, PS).
     */
    private static boolean onlySpaceToEnd(String s, int i) {
        int n = s.length();
        while (i < n && isRegexSpace(s.charAt(i))) {
            i++;
        }
        return i == n || i == n - 1 && (s.charAt(i) == '\u0085' || s.charAt(i) == '\u2028' || s.charAt(i) == '\u2029');
    }

    private static String trimDelimiters(String a) {
        String s = a;
        for (int guard = 0; guard < 4; guard++) {
            String t = s.strip();
            if (t.endsWith("$") || t.endsWith("*")) {
                t = t.substring(0, t.length() - 1);
            } else if (t.endsWith("\\]") || t.endsWith("\\)")) {
                t = t.substring(0, t.length() - 2);
            }
            if (t.equals(s)) {
                break;
            }
            s = t;
        }
        return s.strip();
    }

    /** The last number: an integer, a decimal, a fraction a/b, with its sign. */
    private static Extraction lastNumber(String s, int from) {
        int end = s.length();
        while (end > from && !Character.isDigit(s.charAt(end - 1))) {
            end--;
        }
        if (end <= from) {
            return null;
        }
        int start = end;
        while (start > from) {
            char c = s.charAt(start - 1);
            if (Character.isDigit(c) || ((c == '.' || c == '/' || c == ',') && start - 1 > from && Character.isDigit(s.charAt(start - 2)))) {
                start--;
            } else {
                break;
            }
        }
        if (start > from && s.charAt(start - 1) == '-') {
            start--;
        }
        String number = s.substring(start, end);
        // "1,000" is a number; "1,2" ends a list: the last item is the number
        if (number.contains(",") && !THOUSANDS.matcher(number).matches()) {
            number = number.substring(number.lastIndexOf(',') + 1);
            start = end - number.length();
        }
        return new Extraction(number, Extraction.Source.TRAILING_NUMBER, start);
    }

    private static final Pattern THOUSANDS = Pattern.compile("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?");

    /**
     * The multiple-choice letter (A-J) an answer names: "B", "(B)", "B)", "\text{(B)}", "B. 42", "option B";
     * null when it names none.
     */
    public static String choiceLetter(String answer) {
        if (answer == null) {
            return null;
        }
        String s = answer.replace("\\textbf", "").replace("\\text", "").replace("\\mathrm", "").replace("\\mathbf", "")
                .replace("{", " ").replace("}", " ").replace("$", " ").replace("*", " ").strip();
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        for (String prefix : new String[]{"option", "choice", "answer"}) {
            if (lower.startsWith(prefix)) {
                s = s.substring(prefix.length()).strip();
                lower = s.toLowerCase(java.util.Locale.ROOT);
            }
        }
        if (s.isEmpty()) {
            return null;
        }
        if (s.length() >= 3 && s.charAt(0) == '(' && s.charAt(2) == ')' && isChoice(s.charAt(1))) {
            return String.valueOf(s.charAt(1));
        }
        if (isChoice(s.charAt(0)) && (s.length() == 1 || ").: ".indexOf(s.charAt(1)) >= 0)) {
            return String.valueOf(s.charAt(0));
        }
        return null;
    }

    private static boolean isChoice(char c) {
        return c >= 'A' && c <= 'J';
    }
}
