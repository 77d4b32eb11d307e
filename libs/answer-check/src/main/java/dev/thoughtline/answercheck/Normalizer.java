package dev.thoughtline.answercheck;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an extracted answer into the canonical text the parser reads: LaTeX spacing and sizing commands out,
 * {@code \dfrac}/{@code \tfrac} as {@code \frac}, text and unit words out, thousands separators, percent and
 * degree signs, dollar signs, trailing punctuation and an {@code x =} prefix removed. What was removed and
 * matters for comparison (a percent sign) is reported.
 */
final class Normalizer {

    /**
     * The normalised text, whether a percent sign was removed (50% may be meant as 0.5), and whether an {@code x =}
     * prefix was (an equation answer compares with the whole equation).
     */
    record Normalized(String text, boolean percent, boolean prefixed) {
    }

    private static final String[][] REPLACEMENTS = {
            {"\\(", ""}, {"\\)", ""}, {"\\[", ""}, {"\\]", ""}, {"\\left", ""}, {"\\right", ""}, {"\\bigl", ""}, {"\\bigr", ""}, {"\\Bigl", ""}, {"\\Bigr", ""},
            {"\\big", ""}, {"\\Big", ""},
            {"\\displaystyle", ""}, {"\\textstyle", ""}, {"\\!", ""}, {"\\,", ""}, {"\\;", ""}, {"\\:", ""},
            {"\\quad", " "}, {"\\qquad", " "}, {"\\ ", " "}, {"~", " "},
            {"\\dfrac", "\\frac"}, {"\\tfrac", "\\frac"}, {"\\cfrac", "\\frac"}, {"\\dbinom", "\\binom"}, {"\\tbinom", "\\binom"},
            {"\\leqslant", "\\leq"}, {"\\geqslant", "\\geq"}, {"\\leq", "\\leq"}, {"\\le ", "\\leq "}, {"\\ge ", "\\geq "},
            {"\\neq", "\\ne"}, {"\\lt", "<"}, {"\\gt", ">"},
            {"\\cdot", "*"}, {"\\times", "*"}, {"\\ast", "*"}, {"\\div", "/"},
            {"\\lbrace", "\\{"}, {"\\rbrace", "\\}"}, {"\\lvert", "|"}, {"\\rvert", "|"}, {"\\vert", "|"}, {"\\mid", "|"},
            {"\\infinity", "\\infty"}, {"infinity", "\\infty"}, {"\\varnothing", "\\emptyset"}, {"\\o ", "\\emptyset "},
            {"\\%", "%"}, {"\\$", ""}, {"$", ""}, {"\\degree", ""}, {"^\\circ", ""}, {"^{\\circ}", ""}, {"\\circ", ""},
            {"°", ""}, {"−", "-"}, {"–", "-"}, {"×", "*"}, {"·", "*"}, {"÷", "/"}, {"≤", "\\leq "}, {"≥", "\\geq "},
            {"≠", "\\ne "}, {"±", "\\pm "}, {"∓", "\\mp "}, {"π", "\\pi "}, {"∞", "\\infty "}, {"√", "\\sqrt "},
            {"∪", "\\cup "}, {"∅", "\\emptyset "}, {"<=", "\\leq "}, {">=", "\\geq "}, {"!=", "\\ne "},
            {"\\{,\\}", ""}, {"{,}", ""}, {"{, }", ""},
    };

    /** Unit and filler words dropped after a number ("5 cm", "12 dollars", "3 square units"). */
    private static final Set<String> UNIT_WORDS = Set.of(
            "unit", "units", "square", "sq", "cubic", "cm", "mm", "km", "m", "meter", "meters", "metre", "metres",
            "centimeter", "centimeters", "inch", "inches", "in", "foot", "feet", "ft", "yard", "yards", "mile", "miles",
            "mph", "kg", "g", "gram", "grams", "pound", "pounds", "lb", "lbs", "ounce", "ounces", "oz", "liter", "liters",
            "litre", "litres", "ml", "gallon", "gallons", "second", "seconds", "sec", "minute", "minutes", "min", "hour",
            "hours", "hr", "hrs", "day", "days", "week", "weeks", "month", "months", "year", "years", "dollar", "dollars",
            "cent", "cents", "degree", "degrees", "deg", "radian", "radians", "percent", "point", "points", "people",
            "students", "apples", "cookies", "times", "ways", "items", "marbles", "coins", "boxes", "pages", "books",
            "eggs", "cups", "pieces", "questions", "games", "cars", "trees");

    /** A percent sign in words, longest first. */
    private static final String[] PERCENT_WORDS = {"percentage", "percent", "pct"};
    private static final Pattern TEXT_CMD = Pattern.compile("\\\\(?:text|textbf|textit|textnormal|textrm|textsf|texttt|textup|emph|mathrm|mathbf|mathit|mathsf|mbox|operatorname|rm|bf)\\s*\\{([^{}]*)}");
    private static final Pattern WHOLE_THOUSANDS = Pattern.compile("-?[1-9]\\d{0,2}(?:,\\d{3})+(?:\\.\\d+)?");
    private static final Pattern SPACED_THOUSANDS = Pattern.compile("-?\\d{1,3}(?: \\d{3})+(?:\\.\\d+)?");
    private static final Pattern PREFIX = Pattern.compile("^\\s*([a-zA-Z](?:_\\{?[a-zA-Z0-9]+}?)?|\\\\[a-zA-Z]+)\\s*(?:=|\\\\approx|\\\\in(?![a-zA-Z]))\\s*");

    private Normalizer() {
    }

    static Normalized normalize(String raw) {
        return normalize(raw, true);
    }

    static Normalized normalize(String raw, boolean dropPrefix) {
        String s = raw.strip();
        boolean prefixed = false;
        if (s.startsWith("\\boxed") || s.startsWith("\\fbox")) {
            String inner = Extractor.boxedContent(s, 0);
            if (inner != null) {
                s = inner;
            }
        }
        if (s.contains("\\\\") && !s.contains("\\begin")) {
            // "\\frac" written with its backslash escaped twice (JSON or Python source pasted as LaTeX); outside a
            // matrix, a double backslash before a command name is that, not a row break
            s = s.replaceAll("\\\\\\\\(?=[A-Za-z])", "\\\\");
        }
        if (s.contains(",\\!")) {
            // 11,\! 111,\! 100: LaTeX's thousands separator
            s = s.replaceAll(",\\\\!\\s*", ",");
        }
        // a matrix's row separator \\ must not be read as "\ " (a space) by the replacements below
        boolean rows = s.contains("\\\\");
        if (rows) {
            s = s.replace("\\\\", "\n");
        }
        for (String[] r : REPLACEMENTS) {
            if (s.contains(r[0])) {
                s = s.replace(r[0], r[1]);
            }
        }
        if (rows) {
            s = s.replace("\n", " \\\\ ");
        }
        s = unwrapText(s);
        boolean percent = false;
        if (s.contains("%")) {
            percent = true;
            s = s.replace("%", "");
        }
        long pct = percentWord(s);
        if (pct >= 0) {
            // "28 percent", "28 pct": a percent sign in words
            percent = true;
            s = s.substring(0, (int) (pct >>> 32)) + s.substring((int) pct);
        }
        s = s.strip();
        // "x = 1/3 \\approx 0.33": the value, not its rounding
        int approx = s.indexOf("\\approx");
        if (approx > 0 && s.substring(0, approx).contains("=")) {
            s = s.substring(0, approx).strip();
        }
        // "is 5.", "5;", "\\frac{1}{3}," : punctuation closing a sentence, not part of the answer
        while (!s.isEmpty() && ".;:,".indexOf(s.charAt(s.length() - 1)) >= 0 && !s.endsWith("\\.") && !s.endsWith("...")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        s = dropUnits(s);
        Matcher prefix = PREFIX.matcher(s);
        // "x = 5" is the answer 5; "x = 2y + 1" stays an equation only when the right side names the left's variable
        if (dropPrefix && prefix.find() && !s.substring(prefix.end()).contains("=") && !s.substring(prefix.end()).isBlank()
                && !isRelationChain(s.substring(prefix.end()))) {
            String left = prefix.group(1);
            String right = s.substring(prefix.end());
            if (!right.contains(left) || left.length() > 1 && left.startsWith("\\")) {
                s = right;
                prefixed = true;
            }
        }
        s = thousands(s.strip());
        if (s.contains(" ")) {
            s = s.replaceAll("\\s+", " ").strip();
        }
        return new Normalized(s, percent, prefixed);
    }

    private static boolean isRelationChain(String s) {
        return s.contains("<") || s.contains(">") || s.contains("\\leq") || s.contains("\\geq");
    }

    /** {@code \text{cm}} after a number goes; {@code \text{(B)}} or {@code \text{Evelyn}} keeps its words. */
    private static String unwrapText(String s) {
        for (int guard = 0; guard < 20 && s.indexOf('\\') >= 0; guard++) {
            Matcher m = TEXT_CMD.matcher(s);
            if (!m.find()) {
                break;
            }
            String inner = m.group(1);
            String before = s.substring(0, m.start());
            boolean afterValue = !before.isBlank();
            String word = inner.strip().toLowerCase(Locale.ROOT);
            String replacement = afterValue && isUnitPhrase(word) ? "" : " " + inner + " ";
            s = before + replacement + s.substring(m.end());
        }
        return s.strip();
    }

    private static boolean isUnitPhrase(String words) {
        if (words.isEmpty()) {
            return true;
        }
        for (String w : words.replace("^2", "").replace("^3", "").split("[\\s.]+")) {
            if (!w.isEmpty() && !UNIT_WORDS.contains(w)) {
                return false;
            }
        }
        return true;
    }

    /** Drops unit words that trail a number: "15 cm", "3 square units", "24 dollars". */
    private static String dropUnits(String s) {
        for (int guard = 0; guard < 4; guard++) {
            int end = contentEnd(s);
            int wordEnd = end > 0 && s.charAt(end - 1) == '.' ? end - 1 : end;
            int word = wordEnd;
            while (word > 0 && isAsciiLetter(s.charAt(word - 1))) {
                word--;
            }
            // a word after spacing, then at most a period: what "\\s+([a-zA-Z]+)\\.?\\s*$" finds
            if (word == wordEnd || word == 0 || !isRegexSpace(s.charAt(word - 1))
                    || !UNIT_WORDS.contains(s.substring(word, wordEnd).toLowerCase(Locale.ROOT))) {
                return s;
            }
            String rest = s.substring(0, spaceBefore(s, word)).strip();
            if (rest.isEmpty() || !(Character.isDigit(rest.charAt(rest.length() - 1)) || rest.endsWith("}")
                    || UNIT_WORDS.contains(lastWord(rest)))) {
                return s;
            }
            s = rest;
        }
        return s;
    }

    /**
     * "28 percent", "5 pct.": where the expression <code>(?&lt;=[\d&#125;\s])\s*(?:percentage|percent|pct)\.?\s*$</code>
     * (ASCII case ignored) first matches, as {@code start << 32 | end}; -1 when it does not. Read from the end: that
     * expression, retried from every position of a run of spaces, would take time quadratic in the run.
     */
    private static long percentWord(String s) {
        int end = contentEnd(s);
        int wordEnd = end > 0 && s.charAt(end - 1) == '.' ? end - 1 : end;
        int word = -1;
        for (String w : PERCENT_WORDS) {
            if (wordEnd >= w.length() && endsWithIgnoringAsciiCase(s, wordEnd, w)) {
                word = wordEnd - w.length();
                break;
            }
        }
        if (word < 0) {
            return -1;
        }
        int spaces = spaceBefore(s, word);
        int start;
        if (spaces > 0 && (s.charAt(spaces - 1) >= '0' && s.charAt(spaces - 1) <= '9' || s.charAt(spaces - 1) == '}')) {
            start = spaces;
        } else if (spaces < word) {
            start = spaces + 1;
        } else {
            return -1;
        }
        int to = s.length();
        if (to > 0 && isFinalTerminator(s.charAt(to - 1))) {
            to--;
        }
        return (long) start << 32 | to;
    }

    /**
     * Where {@code \s*$} begins to match at the end of {@code s}: before the trailing regex spacing, and before a
     * last line terminator that {@code \s} does not cover but {@code $} stops at (NEL, LS, PS).
     */
    private static int contentEnd(String s) {
        int end = s.length();
        if (end > 0 && isFinalTerminator(s.charAt(end - 1))) {
            end--;
        }
        while (end > 0 && isRegexSpace(s.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static boolean isFinalTerminator(char c) {
        return c == '\u0085' || c == '\u2028' || c == '\u2029';
    }

    /** Where the run of regex spacing that ends at {@code i} begins. */
    private static int spaceBefore(String s, int i) {
        while (i > 0 && isRegexSpace(s.charAt(i - 1))) {
            i--;
        }
        return i;
    }

    /** {@code \s} of a regex: ASCII spacing only. */
    private static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    /** Whether {@code s[..end)} ends with the lower-case {@code word}, ASCII letters compared without case. */
    private static boolean endsWithIgnoringAsciiCase(String s, int end, String word) {
        int from = end - word.length();
        for (int i = 0; i < word.length(); i++) {
            char c = s.charAt(from + i);
            if (c != word.charAt(i) && !(c >= 'A' && c <= 'Z' && c + 32 == word.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String lastWord(String s) {
        int i = s.length();
        while (i > 0 && Character.isLetter(s.charAt(i - 1))) {
            i--;
        }
        return s.substring(i).toLowerCase(Locale.ROOT);
    }

    /**
     * 1,000,000 and 1 000 000 as one number, when the number is the whole answer: "(0,100)" is an interval and
     * "1, 2" a list, and both keep their commas.
     */
    private static String thousands(String s) {
        if (s.indexOf(',') >= 0 && WHOLE_THOUSANDS.matcher(s).matches()) {
            return s.replace(",", "");
        }
        if (s.indexOf(' ') >= 0 && SPACED_THOUSANDS.matcher(s).matches()) {
            return s.replace(" ", "");
        }
        return s;
    }
}
