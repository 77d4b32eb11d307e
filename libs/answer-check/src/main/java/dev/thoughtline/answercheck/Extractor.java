package dev.thoughtline.answercheck;

/**
 * Finds the final answer in a model's response: the last {@code \boxed{...}} or {@code \fbox{...}} (nested
 * braces included), else "the final answer is ...", else "Answer: ...", else the last math span ({@code $...$}, {@code \\[...\\]}, ...), else the last number. Text after a
 * closing {@code </think>} is searched first; a short one-line response that is not prose is itself the answer: a reasoning trace may box intermediate results. Linear in the
 * response's length.
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
        Extraction math = lastMathSpan(s, from);
        if (math != null) {
            // a number in the prose after the last math span is where the response ends ("... increases by 100%.")
            Extraction number = lastNumber(s, from);
            return number != null && number.offset() >= mathEnd(s, math) ? number : math;
        }
        if (from == 0 && isBareAnswer(s)) {
            return new Extraction(s.strip(), Extraction.Source.WHOLE, 0);
        }
        Extraction number = lastNumber(s, from);
        return number != null ? number : Extraction.NONE;
    }

    /** Where the math span an extraction came from ends in {@code s}. */
    private static int mathEnd(String s, Extraction math) {
        java.util.regex.Matcher m = MATH_SPAN.matcher(s);
        return m.find(math.offset()) ? m.end() : s.length();
    }

    private static final java.util.regex.Pattern TRAILING_NUMBER = java.util.regex.Pattern.compile("(-?\\d[\\d,]*(?:\\.\\d+)?)\\s*$");

    /** {@code $$...$$}, {@code \\[...\\]}, or on one line {@code $...$} and {@code \\(...\\)}. */
    private static final java.util.regex.Pattern MATH_SPAN = java.util.regex.Pattern.compile(
            "\\$\\$(.+?)\\$\\$|\\\\\\[(.+?)\\\\\\]|(?<![\\\\$])\\$((?:\\\\\\$|[^$\\n])+?)(?<!\\\\)\\$|\\\\\\(([^\\n]+?)\\\\\\)",
            java.util.regex.Pattern.DOTALL);

    /** The last math span of the text, when it has one: "so the answer is $x = 5$" gives "x = 5". */
    private static Extraction lastMathSpan(String s, int from) {
        if (s.indexOf('$', from) < 0 && s.indexOf("\\[", from) < 0 && s.indexOf("\\(", from) < 0) {
            return null;
        }
        java.util.regex.Matcher m = MATH_SPAN.matcher(s);
        m.region(from, s.length());
        String last = null;
        int at = -1;
        while (m.find()) {
            for (int g = 1; g <= 4; g++) {
                if (m.group(g) != null && !m.group(g).isBlank()) {
                    last = m.group(g).strip();
                    at = m.start();
                }
            }
        }
        return last == null ? null : new Extraction(last, Extraction.Source.MATH_SPAN, at);
    }

    /** A short one-line response that is not prose ("x^2 + 1", "$\\frac{1}{2}$") is its own answer. */
    private static boolean isBareAnswer(String s) {
        String t = s.strip();
        if (t.isEmpty() || t.length() > 200 || t.indexOf('\n') >= 0) {
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

    private static Extraction lastBoxed(String s, int from) {
        int at = previousBox(s, s.length());
        while (at >= from) {
            String inner = boxedContent(s, at);
            if (inner != null && !inner.isBlank()) {
                Extraction.Source source = s.startsWith("\\fbox", at) ? Extraction.Source.FBOX : Extraction.Source.BOXED;
                StringBuilder answer = new StringBuilder(inner.strip());
                // boxes next to each other answer together: "\boxed{-2} and \boxed{1}", "\boxed{1}\boxed{2}"
                int first = at;
                for (int before = adjacentBox(s, first, from); before >= 0; before = adjacentBox(s, first, from)) {
                    String prev = boxedContent(s, before);
                    if (prev == null || prev.isBlank()) {
                        break;
                    }
                    answer.insert(0, prev.strip() + ", ");
                    first = before;
                }
                return new Extraction(answer.toString(), source, at);
            }
            at = previousBox(s, at);
        }
        return null;
    }

    /**
     * What may stand between two boxes that answer together: "and", commas, spacing. "or" may not: "\\boxed{15.975}
     * or \\boxed{\\frac{639}{40}}" states one answer twice.
     */
    private static final java.util.regex.Pattern BETWEEN_BOXES = java.util.regex.Pattern.compile(
            "[\\s,;$]*(?:(?:and|\\\\q?quad|\\\\text\\{\\s*(?:and|,)?\\s*})[\\s,;$]*){0,4}");

    /**
     * The start of a box that ends just before the box at {@code box}, with only {@link #BETWEEN_BOXES} between them;
     * -1 when there is none. Looks back only over the separator and that box, never over the whole text.
     */
    private static int adjacentBox(String s, int box, int from) {
        for (int j = box - 1; j >= Math.max(from, box - 60); j--) {
            if (s.charAt(j) != '}' || !BETWEEN_BOXES.matcher(s.substring(j + 1, box)).matches()) {
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

    private static int previousBox(String s, int before) {
        return Math.max(s.lastIndexOf("\\boxed", before - 1), s.lastIndexOf("\\fbox", before - 1));
    }

    /**
     * The content of the box starting at {@code at}: {@code \boxed{...}} with nested braces, or
     * {@code \boxed 5}; null when it is unclosed.
     */
    static String boxedContent(String s, int at) {
        int i;
        if (s.startsWith("\\boxed", at)) {
            i = at + 6;
        } else if (s.startsWith("\\fbox", at)) {
            i = at + 5;
        } else {
            return null;
        }
        int command = i;
        int n = s.length();
        while (i < n && s.charAt(i) == ' ') {
            i++;
        }
        if (i < n && s.charAt(i) == '{') {
            int depth = 0;
            for (int j = i; j < n; j++) {
                char c = s.charAt(j);
                if (c == '\\' && j + 1 < n) {
                    j++;
                    continue;
                }
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    return s.substring(i + 1, j);
                }
            }
            return null;
        }
        if (i > command && i < n) {
            // \boxed 5: a space, then one token
            int j = i;
            while (j < n && !Character.isWhitespace(s.charAt(j)) && s.charAt(j) != '$') {
                j++;
            }
            return j > i ? s.substring(i, j) : null;
        }
        return null;
    }

    private static Extraction afterPhrase(String s, int from, String[] phrases, Extraction.Source source) {
        int best = -1;
        int bestEnd = -1;
        for (String p : phrases) {
            int at = lastIndexOfIgnoreCase(s, p, from);
            if (at > best) {
                best = at;
                bestEnd = at + p.length();
            }
        }
        if (best < 0) {
            return null;
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
            java.util.regex.Matcher tail = TRAILING_NUMBER.matcher(answer);
            Extraction math;
            Extraction number;
            if (tail.find()) {
                answer = tail.group(1);
            } else if ((math = lastMathSpan(answer, 0)) != null) {
                answer = math.answer();
            } else if ((number = lastNumber(answer, 0)) != null) {
                // "Jane started growing Sphere 3 hours ago"
                answer = number.answer();
            }
        }
        return new Extraction(answer, source, best);
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

    private static int lastIndexOfIgnoreCase(String s, String p, int from) {
        for (int i = s.length() - p.length(); i >= from; i--) {
            if (s.regionMatches(true, i, p, 0, p.length())) {
                return i;
            }
        }
        return -1;
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
        if (number.contains(",") && !number.matches("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?")) {
            number = number.substring(number.lastIndexOf(',') + 1);
            start = end - number.length();
        }
        return new Extraction(number, Extraction.Source.TRAILING_NUMBER, start);
    }

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
