package dev.thoughtline.answercheck;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether a response's final answer equals a reference answer. Thread-safe and allocation-light;
 * every check is bounded by the answer's length ({@link Parser#MAX_LENGTH}) and a budget of evaluation steps,
 * so a pathological input is "unknown" in well under a millisecond instead of hanging.
 *
 * <p>Equivalence: exact rational arithmetic where the expressions allow it; otherwise numeric evaluation at
 * several points for the free variables; a tolerance for decimals against exact values (a decimal equals a
 * value it rounds from); tuples in order and intervals with their brackets; sets, bare lists and plus-minus
 * values in any order; matrices element by element; equations up to a nonzero factor and inequalities up to a
 * positive one ({@code x \le 5} equals {@code 5 \ge x} and the interval {@code (-\infty, 5]}); multiple-choice
 * letters; answers in words as normalised text.
 */
public final class AnswerChecker {

    /** A verdict with the answer extracted from the response. */
    public record Result(Verdict verdict, Extraction extraction) {
    }

    private static final int STEPS = 20_000;
    private static final int POINTS = 6;
    private static final Set<String> MATH_WORDS = Set.of("sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos",
            "arctan", "sinh", "cosh", "tanh", "sqrt", "log", "exp", "pi", "inf", "infty", "cup");

    private AnswerChecker() {
    }

    /** Checks a whole response (its final answer is extracted) against the reference answer {@code gold}. */
    public static Result check(String gold, String response, AnswerType type) {
        Extraction e = Extractor.extract(response);
        if (!e.found()) {
            return new Result(Verdict.UNKNOWN, e);
        }
        return new Result(equivalent(gold, e.answer(), type), e);
    }

    /** Whether two final answers are equal, the gold's type decided from the answers. */
    public static Verdict equivalent(String gold, String predicted) {
        return equivalent(gold, predicted, AnswerType.AUTO);
    }

    /** Whether two final answers (already extracted) are equal. A boxed gold is unboxed first. */
    public static Verdict equivalent(String gold, String predicted, AnswerType type) {
        if (gold == null || predicted == null) {
            return Verdict.UNKNOWN;
        }
        if (gold.contains("\\boxed") || gold.contains("\\fbox")) {
            Extraction g = Extractor.extract(gold);
            if (g.found()) {
                gold = g.answer();
            }
        }
        if (type == AnswerType.AUTO && isLetter(gold)) {
            String p = Extractor.choiceLetter(predicted);
            if (p != null) {
                type = AnswerType.CHOICE;
            }
        }
        if (type == AnswerType.CHOICE) {
            String g = Extractor.choiceLetter(gold);
            String p = Extractor.choiceLetter(predicted);
            if (g == null || p == null) {
                return Verdict.UNKNOWN;
            }
            return g.equals(p) ? Verdict.EQUAL : Verdict.DIFFERENT;
        }
        if (gold.length() > 4 * Parser.MAX_LENGTH || predicted.length() > 4 * Parser.MAX_LENGTH) {
            return gold.strip().equals(predicted.strip()) ? Verdict.EQUAL : Verdict.UNKNOWN;
        }
        Normalizer.Normalized g = Normalizer.normalize(gold);
        Normalizer.Normalized p = Normalizer.normalize(predicted);
        if (g.text().equals(p.text()) || squash(g.text()).equals(squash(p.text())) || decimalComma(g.text(), p.text())) {
            return Verdict.EQUAL;
        }
        Node gn = parseOrText(g.text());
        Node pn = parseOrText(p.text());
        if (gn == null || pn == null) {
            return Verdict.UNKNOWN;
        }
        Context ctx = new Context(new Evaluator.Budget(STEPS), type == AnswerType.INTEGER);
        try {
            Verdict v = compare(gn, pn, ctx);
            if (v != Verdict.EQUAL && (g.prefixed() && isEquation(pn) || p.prefixed() && isEquation(gn))) {
                // "2x + 4y - 3 = 0" against "y = -x/2 + 3/4": the whole equations, not the right side of one
                Node gWhole = g.prefixed() ? parseOrText(Normalizer.normalize(gold, false).text()) : gn;
                Node pWhole = p.prefixed() ? parseOrText(Normalizer.normalize(predicted, false).text()) : pn;
                if (gWhole != null && pWhole != null && compare(gWhole, pWhole, ctx) == Verdict.EQUAL) {
                    return Verdict.EQUAL;
                }
            }
            if (v != Verdict.EQUAL && (g.percent() || p.percent())) {
                // "50%" and "0.5" are the same answer
                Node gAlt = g.percent() ? percentOf(gn) : gn;
                Node pAlt = p.percent() ? percentOf(pn) : pn;
                if (compare(gAlt, pAlt, ctx) == Verdict.EQUAL) {
                    return Verdict.EQUAL;
                }
            }
            return v;
        } catch (Evaluator.Exhausted e) {
            return Verdict.UNKNOWN;
        }
    }

    private record Context(Evaluator.Budget budget, boolean integer) {
    }

    private static final java.util.regex.Pattern COMMA_DECIMAL = java.util.regex.Pattern.compile("-?\\d+,\\d+");

    /** "1,22" against "1.22": a decimal comma (as much of Europe writes it) meets the decimal point it stands for. */
    private static boolean decimalComma(String a, String b) {
        if (a.indexOf(',') < 0 && b.indexOf(',') < 0) {
            return false;
        }
        return COMMA_DECIMAL.matcher(a).matches() && b.equals(a.replace(',', '.'))
                || COMMA_DECIMAL.matcher(b).matches() && a.equals(b.replace(',', '.'));
    }

    private static boolean isEquation(Node n) {
        return n instanceof Node.Relation r && r.ops().contains("=");
    }

    private static boolean isLetter(String gold) {
        String s = gold.strip();
        return s.length() == 1 && s.charAt(0) >= 'A' && s.charAt(0) <= 'J'
                || s.length() == 3 && s.charAt(0) == '(' && s.charAt(2) == ')' && s.charAt(1) >= 'A' && s.charAt(1) <= 'J';
    }

    private static Node percentOf(Node n) {
        return n instanceof Node.Text ? n : new Node.Op('/', n, new Node.Num(Rational.of(100), -1));
    }

    private static String squash(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isWhitespace(c)) {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The parsed answer; a {@link Node.Text} for an answer in words; null when it is neither. */
    private static Node parseOrText(String s) {
        if (isWords(s)) {
            return new Node.Text(words(s));
        }
        try {
            return Parser.parse(s);
        } catch (Parser.ParseException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the answer has a word of three or more letters that is not a math function ("Monday", "no solution"). */
    private static boolean isWords(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\\') {
                // a command name is not a word; \begin{pmatrix} and \end{...} take their argument along
                int j = i + 1;
                while (j < n && Character.isLetter(s.charAt(j))) {
                    j++;
                }
                String cmd = s.substring(i + 1, j);
                if ((cmd.equals("begin") || cmd.equals("end")) && j < n && s.charAt(j) == '{') {
                    int close = s.indexOf('}', j);
                    j = close < 0 ? n : close + 1;
                }
                i = Math.max(j, i + 1);
            } else if (c < 128 && Character.isLetter(c)) {
                int j = i;
                while (j < n && s.charAt(j) < 128 && Character.isLetter(s.charAt(j))) {
                    j++;
                }
                if (j - i >= 3 && !MATH_WORDS.contains(s.substring(i, j).toLowerCase(Locale.ROOT))) {
                    return true;
                }
                i = j;
            } else {
                i++;
            }
        }
        return false;
    }

    private static String words(String s) {
        String t = s.replaceAll("\\\\[a-zA-Z]+", " ").replaceAll("[^A-Za-z0-9]+", " ").strip().toLowerCase(Locale.ROOT);
        return t.startsWith("the ") ? t.substring(4) : t;
    }

    // --- structure

    private static Verdict compare(Node g, Node p, Context ctx) {
        ctx.budget().step();
        if (g instanceof Node.Op || g instanceof Node.Neg) {
            g = matrices(g, ctx);
        }
        if (p instanceof Node.Op || p instanceof Node.Neg) {
            p = matrices(p, ctx);
        }
        if (g instanceof Node.Text || p instanceof Node.Text) {
            return g instanceof Node.Text gt && p instanceof Node.Text pt && gt.text().equals(pt.text()) ? Verdict.EQUAL : Verdict.DIFFERENT;
        }
        if (g instanceof Node.SetOf gs) {
            if (p instanceof Node.SetOf ps) {
                return unordered(flatten(gs.items()), flatten(ps.items()), ctx);
            }
            if (gs.items().size() == 1) {
                return compare(gs.items().get(0), p, ctx);
            }
            return isScalar(p) ? unordered(flatten(gs.items()), Evaluator.expand(p), ctx) : Verdict.DIFFERENT;
        }
        if (p instanceof Node.SetOf ps) {
            if (ps.items().size() == 1) {
                return compare(g, ps.items().get(0), ctx);
            }
            return isScalar(g) ? unordered(Evaluator.expand(g), flatten(ps.items()), ctx) : Verdict.DIFFERENT;
        }
        if (p instanceof Node.Relation pr && !(g instanceof Node.Relation) && definition(pr) != null) {
            return compare(g, definition(pr), ctx);
        }
        if (g instanceof Node.Relation gr && !(p instanceof Node.Relation) && definition(gr) != null) {
            return compare(definition(gr), p, ctx);
        }
        if (g instanceof Node.Relation gr && !(p instanceof Node.Relation)) {
            Node asInterval = interval(gr);
            return asInterval == null ? Verdict.DIFFERENT : compare(asInterval, p, ctx);
        }
        if (p instanceof Node.Relation pr && !(g instanceof Node.Relation)) {
            Node asInterval = interval(pr);
            return asInterval == null ? Verdict.DIFFERENT : compare(g, asInterval, ctx);
        }
        if (g instanceof Node.Relation gr) {
            return relations(gr, (Node.Relation) p, ctx);
        }
        if (g instanceof Node.Union gu) {
            if (p instanceof Node.Union pu) {
                return unordered(gu.parts(), pu.parts(), ctx);
            }
            return gu.parts().size() == 1 ? compare(gu.parts().get(0), p, ctx) : Verdict.DIFFERENT;
        }
        if (p instanceof Node.Union pu) {
            return pu.parts().size() == 1 ? compare(g, pu.parts().get(0), ctx) : Verdict.DIFFERENT;
        }
        if (g instanceof Node.Seq gq) {
            if (!(p instanceof Node.Seq pq) || gq.items().size() != pq.items().size()) {
                return Verdict.DIFFERENT;
            }
            // two items may be an interval: its ends matter; (1,2,3) and [1,2,3] are the same vector
            if (gq.items().size() == 2 && (gq.open() != pq.open() || gq.close() != pq.close())) {
                return Verdict.DIFFERENT;
            }
            return inOrder(gq.items(), pq.items(), ctx);
        }
        if (g instanceof Node.Matrix gm) {
            if (!(p instanceof Node.Matrix pm) || gm.rows().size() != pm.rows().size()) {
                return Verdict.DIFFERENT;
            }
            Verdict all = Verdict.EQUAL;
            for (int r = 0; r < gm.rows().size(); r++) {
                if (gm.rows().get(r).size() != pm.rows().get(r).size()) {
                    return Verdict.DIFFERENT;
                }
                all = worst(all, inOrder(gm.rows().get(r), pm.rows().get(r), ctx));
                if (all == Verdict.DIFFERENT) {
                    return all;
                }
            }
            return all;
        }
        if (!isScalar(p)) {
            return Verdict.DIFFERENT;
        }
        return scalars(g, p, ctx);
    }

    /**
     * Sums, differences and products of matrices (and a matrix times a number) worked out entry by entry, so that
     * "A + B" compares with the matrix it equals; any other node as it is.
     */
    private static Node matrices(Node n, Context ctx) {
        ctx.budget().step();
        if (n instanceof Node.Neg neg) {
            Node a = matrices(neg.a(), ctx);
            return a instanceof Node.Matrix m ? map(m, e -> new Node.Neg(e)) : n;
        }
        if (!(n instanceof Node.Op op) || "+-*".indexOf(op.op()) < 0) {
            return n;
        }
        Node a = matrices(op.a(), ctx);
        Node b = matrices(op.b(), ctx);
        if (a instanceof Node.Matrix ma && b instanceof Node.Matrix mb) {
            if (op.op() == '*') {
                int inner = ma.rows().get(0).size();
                if (mb.rows().size() != inner) {
                    return n;
                }
                List<List<Node>> rows = new ArrayList<>();
                for (List<Node> row : ma.rows()) {
                    if (row.size() != inner) {
                        return n;
                    }
                    List<Node> out = new ArrayList<>();
                    for (int c = 0; c < mb.rows().get(0).size(); c++) {
                        Node sum = null;
                        for (int k = 0; k < inner; k++) {
                            if (mb.rows().get(k).size() <= c) {
                                return n;
                            }
                            Node term = new Node.Op('*', row.get(k), mb.rows().get(k).get(c));
                            sum = sum == null ? term : new Node.Op('+', sum, term);
                        }
                        out.add(sum);
                    }
                    rows.add(out);
                }
                return new Node.Matrix(rows);
            }
            if (ma.rows().size() != mb.rows().size()) {
                return n;
            }
            List<List<Node>> rows = new ArrayList<>();
            for (int r = 0; r < ma.rows().size(); r++) {
                if (ma.rows().get(r).size() != mb.rows().get(r).size()) {
                    return n;
                }
                List<Node> out = new ArrayList<>();
                for (int c = 0; c < ma.rows().get(r).size(); c++) {
                    out.add(new Node.Op(op.op(), ma.rows().get(r).get(c), mb.rows().get(r).get(c)));
                }
                rows.add(out);
            }
            return new Node.Matrix(rows);
        }
        if (op.op() == '*' && a instanceof Node.Matrix m && isScalar(b)) {
            return map(m, e -> new Node.Op('*', e, b));
        }
        if (op.op() == '*' && b instanceof Node.Matrix m && isScalar(a)) {
            return map(m, e -> new Node.Op('*', a, e));
        }
        return n;
    }

    private static Node.Matrix map(Node.Matrix m, java.util.function.UnaryOperator<Node> f) {
        List<List<Node>> rows = new ArrayList<>();
        for (List<Node> row : m.rows()) {
            List<Node> out = new ArrayList<>();
            row.forEach(e -> out.add(f.apply(e)));
            rows.add(out);
        }
        return new Node.Matrix(rows);
    }

    private static boolean isScalar(Node n) {
        return !(n instanceof Node.Seq || n instanceof Node.SetOf || n instanceof Node.Union || n instanceof Node.Matrix
                || n instanceof Node.Relation || n instanceof Node.Text);
    }

    /** Plus-minus items stand for two items each. */
    private static List<Node> flatten(List<Node> items) {
        List<Node> out = new ArrayList<>(items.size());
        for (Node n : items) {
            out.addAll(isScalar(n) ? Evaluator.expand(n) : List.of(n));
        }
        return out;
    }

    private static Verdict worst(Verdict a, Verdict b) {
        if (a == Verdict.DIFFERENT || b == Verdict.DIFFERENT) {
            return Verdict.DIFFERENT;
        }
        return a == Verdict.UNKNOWN || b == Verdict.UNKNOWN ? Verdict.UNKNOWN : Verdict.EQUAL;
    }

    private static Verdict inOrder(List<Node> a, List<Node> b, Context ctx) {
        Verdict all = Verdict.EQUAL;
        for (int i = 0; i < a.size(); i++) {
            all = worst(all, compare(a.get(i), b.get(i), ctx));
            if (all == Verdict.DIFFERENT) {
                return all;
            }
        }
        return all;
    }

    /** A matching of equal items in any order. */
    private static Verdict unordered(List<Node> a, List<Node> b, Context ctx) {
        return matching(a, b, (x, y) -> compare(x, y, ctx));
    }

    /**
     * Whether every item of {@code a} pairs with its own equal item of {@code b} (same sizes), greedily; unknown when
     * an item found no equal but an undecided comparison.
     */
    private static <T> Verdict matching(List<T> a, List<T> b, java.util.function.BiFunction<T, T, Verdict> equal) {
        if (a.size() != b.size()) {
            return Verdict.DIFFERENT;
        }
        boolean[] used = new boolean[b.size()];
        boolean unsure = false;
        for (T x : a) {
            int match = -1;
            for (int j = 0; j < b.size() && match < 0; j++) {
                if (used[j]) {
                    continue;
                }
                Verdict v = equal.apply(x, b.get(j));
                if (v == Verdict.EQUAL) {
                    match = j;
                } else if (v == Verdict.UNKNOWN) {
                    unsure = true;
                }
            }
            if (match < 0) {
                return unsure ? Verdict.UNKNOWN : Verdict.DIFFERENT;
            }
            used[match] = true;
        }
        return Verdict.EQUAL;
    }

    // --- relations

    /** One constraint {@code d kind 0}, kind one of "<", "<=", "=", "!=". */
    private record Constraint(Node d, String kind) {
    }

    private static List<Constraint> constraints(Node.Relation r) {
        List<Constraint> out = new ArrayList<>();
        for (int i = 0; i < r.ops().size(); i++) {
            Node l = r.sides().get(i);
            Node rr = r.sides().get(i + 1);
            String op = r.ops().get(i);
            switch (op) {
                case "<", "<=" -> out.add(new Constraint(new Node.Op('-', l, rr), op));
                case ">" -> out.add(new Constraint(new Node.Op('-', rr, l), "<"));
                case ">=" -> out.add(new Constraint(new Node.Op('-', rr, l), "<="));
                default -> out.add(new Constraint(new Node.Op('-', l, rr), op));
            }
        }
        return out;
    }

    private static Verdict relations(Node.Relation g, Node.Relation p, Context ctx) {
        g = ends(g);
        p = ends(p);
        return matching(constraints(g), constraints(p), (x, y) -> !x.kind().equals(y.kind()) ? Verdict.DIFFERENT
                : proportional(x.d(), y.d(), x.kind().startsWith("<"), ctx));
    }

    /** Whether a = k b for one constant k (k > 0 when {@code positive}), k not zero. */
    private static Verdict proportional(Node a, Node b, boolean positive, Context ctx) {
        Set<String> vars = new TreeSet<>();
        Evaluator.variables(a, vars);
        Evaluator.variables(b, vars);
        Double k = null;
        int valid = 0;
        for (int point = 0; point < POINTS; point++) {
            Map<String, Complex> env = point(vars, point);
            Complex x = Evaluator.numeric(a, env, ctx.budget());
            Complex y = Evaluator.numeric(b, env, ctx.budget());
            if (!x.isFinite() || !y.isFinite() || !x.isReal() || !y.isReal()) {
                continue;
            }
            valid++;
            double scale = Math.max(1, Math.max(Math.abs(x.re()), Math.abs(y.re())));
            if (Math.abs(y.re()) <= 1e-12 * scale) {
                if (Math.abs(x.re()) > 1e-9 * scale) {
                    return Verdict.DIFFERENT;
                }
                continue;
            }
            double ratio = x.re() / y.re();
            if (k == null) {
                if (Math.abs(ratio) < 1e-12 || (positive && ratio < 0)) {
                    return Verdict.DIFFERENT;
                }
                k = ratio;
            } else if (Math.abs(ratio - k) > 1e-7 * Math.max(1, Math.abs(k))) {
                return Verdict.DIFFERENT;
            }
            if (vars.isEmpty()) {
                break;
            }
        }
        return valid >= (vars.isEmpty() ? 1 : 3) ? Verdict.EQUAL : Verdict.UNKNOWN;
    }

    /** A chain of equalities "z = 1 + 1 = 2" states what its ends do: z = 2 (the middle is the working). */
    private static Node.Relation ends(Node.Relation r) {
        if (r.sides().size() <= 2 || !allEqual(r)) {
            return r;
        }
        return new Node.Relation(List.of(r.sides().get(0), r.sides().get(r.sides().size() - 1)), List.of("="));
    }

    private static boolean allEqual(Node.Relation r) {
        for (String op : r.ops()) {
            if (!op.equals("=")) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value an equation assigns, compared with a bare value: "x^2 = y" gives x^2 (the answer, once "y =" is
     * dropped); a chain ending "... = x = 0" gives 0. An equation that assigns nothing ("7 = 11a + c",
     * "a + 3z = 0") is not a value: null.
     */
    private static Node definition(Node.Relation r) {
        if (!allEqual(r)) {
            return null;
        }
        List<Node> s = r.sides();
        if (s.size() == 2 && s.get(1) instanceof Node.Var && !(s.get(0) instanceof Node.Var)) {
            return s.get(0);
        }
        // "k = 1 + 2 = 3" and "... = x = 0" assign their last side; "\\frac{1}{2} = \\frac{10}{9}", a computation without
        // variables, ends with its value
        return s.get(0) instanceof Node.Var || s.get(s.size() - 2) instanceof Node.Var || s.stream().allMatch(AnswerChecker::noVariables)
                ? s.get(s.size() - 1) : null;
    }

    /** {@code x < 5} as (-inf, 5), {@code 1 \le x < 3} as [1, 3); null when the relation is not one of those. */
    private static Node interval(Node.Relation r) {
        List<Node> s = r.sides();
        List<String> ops = r.ops();
        Node inf = new Node.Const("inf");
        Node minusInf = new Node.Neg(inf);
        if (ops.size() == 1 && !ops.get(0).equals("=") && !ops.get(0).equals("!=")) {
            boolean varLeft = s.get(0) instanceof Node.Var && noVariables(s.get(1));
            boolean varRight = s.get(1) instanceof Node.Var && noVariables(s.get(0));
            if (!varLeft && !varRight) {
                return null;
            }
            Node bound = varLeft ? s.get(1) : s.get(0);
            String op = ops.get(0);
            // with the variable on the right, "5 > x" is "x < 5"
            boolean upper = varLeft == op.startsWith("<");
            boolean closed = op.endsWith("=");
            return upper ? new Node.Seq('(', closed ? ']' : ')', List.of(minusInf, bound))
                    : new Node.Seq(closed ? '[' : '(', ')', List.of(bound, inf));
        }
        if (ops.size() == 2 && s.get(1) instanceof Node.Var && noVariables(s.get(0)) && noVariables(s.get(2))
                && ops.get(0).charAt(0) == ops.get(1).charAt(0) && (ops.get(0).startsWith("<") || ops.get(0).startsWith(">"))) {
            boolean ascending = ops.get(0).startsWith("<");
            Node lo = ascending ? s.get(0) : s.get(2);
            Node hi = ascending ? s.get(2) : s.get(0);
            boolean loClosed = (ascending ? ops.get(0) : ops.get(1)).endsWith("=");
            boolean hiClosed = (ascending ? ops.get(1) : ops.get(0)).endsWith("=");
            return new Node.Seq(loClosed ? '[' : '(', hiClosed ? ']' : ')', List.of(lo, hi));
        }
        return null;
    }

    private static boolean noVariables(Node n) {
        Set<String> vars = new TreeSet<>();
        Evaluator.variables(n, vars);
        return vars.isEmpty();
    }

    // --- scalars

    private static Verdict scalars(Node g, Node p, Context ctx) {
        if (Evaluator.containsPm(g) || Evaluator.containsPm(p)) {
            return unordered(Evaluator.expand(g), Evaluator.expand(p), ctx);
        }
        Set<String> vars = new TreeSet<>();
        Evaluator.variables(g, vars);
        Evaluator.variables(p, vars);
        int places = ctx.integer() ? -1 : Math.max(Evaluator.decimals(g), Evaluator.decimals(p));
        if (vars.isEmpty()) {
            Rational x = Evaluator.exact(g, ctx.budget());
            Rational y = x == null ? null : Evaluator.exact(p, ctx.budget());
            if (x != null && y != null) {
                if (x.equals(y)) {
                    return Verdict.EQUAL;
                }
                if (places < 0) {
                    return Verdict.DIFFERENT;
                }
            }
            Complex a = Evaluator.numeric(g, Map.of(), ctx.budget());
            Complex b = Evaluator.numeric(p, Map.of(), ctx.budget());
            return numbers(a, b, places, Evaluator.hasInfinity(g) || Evaluator.hasInfinity(p));
        }
        int valid = 0;
        for (int point = 0; point < POINTS; point++) {
            Map<String, Complex> env = point(vars, point);
            Complex a = Evaluator.numeric(g, env, ctx.budget());
            Complex b = Evaluator.numeric(p, env, ctx.budget());
            if (!a.isFinite() || !b.isFinite()) {
                continue;
            }
            if (!close(a, b, places)) {
                return Verdict.DIFFERENT;
            }
            valid++;
        }
        return valid >= 3 ? Verdict.EQUAL : Verdict.UNKNOWN;
    }

    private static Verdict numbers(Complex a, Complex b, int places, boolean infinity) {
        if (a.isNaN() || b.isNaN()) {
            return Verdict.UNKNOWN;
        }
        if (!a.isFinite() || !b.isFinite()) {
            // an overflow is not infinity: two huge numbers cannot be told apart in doubles
            if (!infinity) {
                return Verdict.UNKNOWN;
            }
            return a.equals(b) ? Verdict.EQUAL : Verdict.DIFFERENT;
        }
        return close(a, b, places) ? Verdict.EQUAL : Verdict.DIFFERENT;
    }

    /**
     * Equal up to floating-point error; with decimals written, also when one rounds to the other at the
     * decimals given (0.33 for 1/3, 3.14 for pi) or agrees to a relative 1e-6.
     */
    private static boolean close(Complex a, Complex b, int places) {
        double diff = a.sub(b).abs();
        double scale = Math.max(a.abs(), b.abs());
        if (diff <= 1e-9 * Math.max(1, scale)) {
            return true;
        }
        if (places < 0) {
            return false;
        }
        return diff <= 1e-6 * scale || (places >= 2 && diff <= 0.5 * Math.pow(10, -places) * (1 + 1e-9));
    }

    /** The values of the variables at one of the test points: deterministic, positive, and unlike each other. */
    private static Map<String, Complex> point(Set<String> vars, int point) {
        Map<String, Complex> env = new HashMap<>();
        int i = 0;
        for (String v : vars) {
            long h = (point + 1) * 0x9E3779B97F4A7C15L + (i + 1) * 0xC2B2AE3D27D4EB4FL;
            h ^= h >>> 29;
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 32;
            double u = (h >>> 11) * 0x1.0p-53;
            env.put(v, Complex.real(0.35 + 2.4 * u));
            i++;
        }
        return env;
    }
}
