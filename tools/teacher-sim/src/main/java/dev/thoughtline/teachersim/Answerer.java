package dev.thoughtline.teachersim;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * Decides what the teacher answers: a difficulty rating (1-10, a function of the question alone) for a
 * rating prompt, the value of the last arithmetic expression in the question (right with probability
 * {@code accuracy}), or else a number the question's hash picks.
 */
final class Answerer {

    private static final Pattern RATING = Pattern.compile("(?is)\\bdifficulty\\b.*\\b(1\\s*(-|to|–)\\s*10)\\b");
    /** Longer expressions are not evaluated: a simulator must answer in microseconds, whatever it is sent. */
    private static final int MAX_EXPRESSION = 200;
    private static final int MAX_BITS = 4096;

    private Answerer() {
    }

    /** What the teacher will conclude, and whether it is the true value. */
    record Answer(String value, boolean solved) {
    }

    static Answer answer(String question, double accuracy, SplittableRandom rng) {
        if (RATING.matcher(question).find()) {
            return new Answer(Integer.toString(1 + (int) Long.remainderUnsigned(hash(question), 10)), true);
        }
        Answer verdict = judge(question);
        if (verdict != null) {
            return verdict;
        }
        String expr = lastExpression(question);
        if (expr != null) {
            try {
                BigInteger[] v = new Evaluator(expr).evaluate();
                String truth = format(v);
                if (rng.nextDouble() < accuracy) {
                    return new Answer(truth, true);
                }
                BigInteger wrong = v[0].divide(v[1]).add(BigInteger.valueOf(1 + rng.nextInt(9)));
                return new Answer(wrong.toString(), true);
            } catch (ArithmeticException | IllegalArgumentException notEvaluable) {
                // falls through to a guess
            }
        }
        return new Answer(Long.toString(Long.remainderUnsigned(hash(question), 1000)), false);
    }

    /**
     * A judging prompt (it asks for {@code \\boxed{yes}} or {@code \\boxed{no}}) about a "Question:" holding an
     * arithmetic expression and a "Response:" ending in a box: yes when the boxed value is the expression's value, else
     * no. Null when it cannot judge (no such labels, no expression, no box): then the prompt gets the usual answer.
     */
    static Answer judge(String prompt) {
        if (!prompt.contains("\\boxed{yes}") || !prompt.contains("\\boxed{no}")) {
            return null;
        }
        int q = prompt.indexOf("Question:");
        int r = prompt.indexOf("Response:", q + 1);
        int end = prompt.lastIndexOf("\\boxed{yes}");
        if (q < 0 || r < 0 || end < r) {
            return null;
        }
        String expr = lastExpression(prompt.substring(q, r));
        String response = prompt.substring(r, end);
        int box = response.lastIndexOf("\\boxed{");
        int close = -1;
        for (int i = box + 7, depth = 1; box >= 0 && i < response.length(); i++) {
            char c = response.charAt(i);
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (depth == 0) {
                close = i;
                break;
            }
        }
        if (expr == null || close < 0) {
            return null;
        }
        try {
            String truth = format(new Evaluator(expr).evaluate());
            String given = response.substring(box + 7, close).strip();
            return new Answer(truth.equals(given) ? "yes" : "no", true);
        } catch (ArithmeticException | IllegalArgumentException notEvaluable) {
            return null;
        }
    }

    /** The last run of arithmetic characters holding a digit, an operator and another digit; one pass. */
    static String lastExpression(String text) {
        String last = null;
        int i = 0;
        while (i < text.length()) {
            if (!arithmetic(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < text.length() && arithmetic(text.charAt(i))) {
                i++;
            }
            String run = text.substring(start, i).trim();
            // a trailing '.' ends the sentence, not a number
            while (run.endsWith(".") || run.endsWith("?")) {
                run = run.substring(0, run.length() - 1).trim();
            }
            if (run.length() <= MAX_EXPRESSION && hasOperatorBetweenDigits(run)) {
                last = run;
            }
        }
        return last;
    }

    private static boolean arithmetic(char c) {
        return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == '(' || c == ')'
                || c == '.' || c == ' ';
    }

    private static boolean hasOperatorBetweenDigits(String run) {
        int firstDigit = -1;
        int lastDigit = -1;
        for (int k = 0; k < run.length(); k++) {
            if (Character.isDigit(run.charAt(k))) {
                firstDigit = firstDigit < 0 ? k : firstDigit;
                lastDigit = k;
            }
        }
        for (int k = firstDigit + 1; firstDigit >= 0 && k < lastDigit; k++) {
            char c = run.charAt(k);
            if (c == '+' || c == '-' || c == '*' || c == '/' || c == '^') {
                return true;
            }
        }
        return false;
    }

    static long hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (d[i] & 0xFF);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String format(BigInteger[] frac) {
        BigInteger g = frac[0].gcd(frac[1]);
        BigInteger n = frac[0].divide(g);
        BigInteger d = frac[1].divide(g);
        if (d.signum() < 0) {
            n = n.negate();
            d = d.negate();
        }
        return d.equals(BigInteger.ONE) ? n.toString() : "\\frac{" + n + "}{" + d + "}";
    }

    /** Exact rational arithmetic over + - * / ^ and parentheses: {numerator, denominator}. */
    static final class Evaluator {
        private final String s;
        private int i;
        private int depth;

        Evaluator(String s) {
            this.s = s.replaceAll("\\s+", "");
        }

        BigInteger[] evaluate() {
            BigInteger[] v = sum();
            if (i != s.length()) {
                throw new IllegalArgumentException("unexpected '" + s.charAt(i) + "'");
            }
            return v;
        }

        private BigInteger[] sum() {
            BigInteger[] v = product();
            while (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                char op = s.charAt(i++);
                BigInteger[] r = product();
                v = new BigInteger[] {v[0].multiply(r[1]).add((op == '+' ? r[0] : r[0].negate()).multiply(v[1])), v[1].multiply(r[1])};
            }
            return v;
        }

        private BigInteger[] product() {
            BigInteger[] v = power();
            while (i < s.length() && (s.charAt(i) == '*' || s.charAt(i) == '/')) {
                char op = s.charAt(i++);
                BigInteger[] r = power();
                if (op == '*') {
                    v = new BigInteger[] {v[0].multiply(r[0]), v[1].multiply(r[1])};
                } else {
                    if (r[0].signum() == 0) {
                        throw new ArithmeticException("division by zero");
                    }
                    v = new BigInteger[] {v[0].multiply(r[1]), v[1].multiply(r[0])};
                }
            }
            return v;
        }

        private BigInteger[] power() {
            BigInteger[] base = unary();
            if (i < s.length() && s.charAt(i) == '^') {
                i++;
                BigInteger[] exp = power();
                if (!exp[1].equals(BigInteger.ONE) || exp[0].bitLength() > 10 || exp[0].signum() < 0) {
                    throw new IllegalArgumentException("exponent out of range");
                }
                int e = exp[0].intValueExact();
                if ((long) Math.max(base[0].bitLength(), base[1].bitLength()) * e > MAX_BITS) {
                    throw new IllegalArgumentException("power too large");
                }
                return new BigInteger[] {base[0].pow(e), base[1].pow(e)};
            }
            return base;
        }

        private BigInteger[] unary() {
            if (i < s.length() && s.charAt(i) == '-') {
                i++;
                BigInteger[] v = unary();
                return new BigInteger[] {v[0].negate(), v[1]};
            }
            if (i < s.length() && s.charAt(i) == '(') {
                if (++depth > 50) {
                    throw new IllegalArgumentException("nested too deep");
                }
                i++;
                BigInteger[] v = sum();
                if (i >= s.length() || s.charAt(i) != ')') {
                    throw new IllegalArgumentException("missing )");
                }
                i++;
                depth--;
                return v;
            }
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("a number was expected at " + start);
            }
            String num = s.substring(start, i);
            int dot = num.indexOf('.');
            if (dot < 0) {
                return new BigInteger[] {new BigInteger(num), BigInteger.ONE};
            }
            String digits = num.substring(0, dot) + num.substring(dot + 1);
            return new BigInteger[] {new BigInteger(digits.isEmpty() ? "0" : digits), BigInteger.TEN.pow(num.length() - dot - 1)};
        }
    }
}
