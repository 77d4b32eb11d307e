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
        if (boxed != null) {
            return boxed;
        }
        Extraction phrase = afterPhrase(s, from, PHRASES, Extraction.Source.FINAL_ANSWER_PHRASE);
        if (phrase != null) {
            return phrase;
        }
        Extraction label = afterPhrase(s, from, LABELS, Extraction.Source.ANSWER_LABEL);
        if (label != null) {
            return label;
        }
        Extraction math = lastMathSpan(s, from);
        if (math != null) {
            return math;
        }
        if (from == 0 && isBareAnswer(s)) {
            return new Extraction(s.strip(), Extraction.Source.WHOLE, 0);
        }
        Extraction number = lastNumber(s, from);
        return number != null ? number : Extraction.NONE;
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
        int at = Math.max(s.lastIndexOf("\\boxed"), s.lastIndexOf("\\fbox"));
        while (at >= from) {
            String inner = boxedContent(s, at);
            if (inner != null && !inner.isBlank()) {
                Extraction.Source source = s.startsWith("\\fbox", at) ? Extraction.Source.FBOX : Extraction.Source.BOXED;
                return new Extraction(inner.strip(), source, at);
            }
            at = Math.max(s.lastIndexOf("\\boxed", at - 1), s.lastIndexOf("\\fbox", at - 1));
        }
        return null;
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
            if (tail.find()) {
                answer = tail.group(1);
            } else {
                Extraction math = lastMathSpan(answer, 0);
                if (math != null) {
                    answer = math.answer();
                }
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
