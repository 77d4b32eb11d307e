package dev.thoughtline.answercheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A recursive-descent parser for normalised answers, LaTeX and plain notation alike: fractions, roots,
 * powers, trig/log/exp, pi, e, i, factorials, binomials, plus-minus, implicit multiplication, and the
 * structures around them (tuples, intervals, sets, unions, matrices, equations and inequalities). Input size
 * and nesting are bounded; anything it does not understand is a {@link ParseException}, never a wrong tree.
 */
final class Parser {

    /** An answer longer than this is not parsed. */
    static final int MAX_LENGTH = 1000;
    private static final int MAX_DEPTH = 120;

    static final class ParseException extends Exception {
        ParseException(String message) {
            super(message, null, false, false);
        }
    }

    private enum Kind { NUM, LETTER, CMD, CH, EOF }

    private record Token(Kind kind, String text) {
        boolean is(char c) {
            return kind == Kind.CH && text.length() == 1 && text.charAt(0) == c;
        }

        boolean cmd(String name) {
            return kind == Kind.CMD && text.equals(name);
        }
    }

    static final Set<String> FUNCTIONS = Set.of("sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan",
            "sinh", "cosh", "tanh", "ln", "log", "exp", "lg");
    /** Plain-text words read as commands: "sqrt(2)", "pi", "sin x". Longest first. */
    private static final String[] WORDS = {"arcsin", "arccos", "arctan", "sqrt", "sinh", "cosh", "tanh", "sin", "cos", "tan",
            "sec", "csc", "cot", "log", "exp", "ln", "pi", "inf"};

    private final List<Token> tokens;
    private int pos;
    private int depth;
    private int absDepth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static Node parse(String s) throws ParseException {
        if (s.length() > MAX_LENGTH) {
            throw new ParseException("too long");
        }
        Parser p = new Parser(lex(s));
        Node n = p.top();
        if (p.peek().kind != Kind.EOF) {
            throw new ParseException("unexpected " + p.peek().text);
        }
        return n;
    }

    // --- lexing

    private static List<Token> lex(String s) throws ParseException {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(s.charAt(i + 1)))) {
                int j = i;
                while (j < n && isDigit(s.charAt(j))) {
                    j++;
                }
                if (j < n && s.charAt(j) == '.' && j + 1 < n && isDigit(s.charAt(j + 1))) {
                    j++;
                    while (j < n && isDigit(s.charAt(j))) {
                        j++;
                    }
                }
                out.add(new Token(Kind.NUM, s.substring(i, j)));
                i = j;
            } else if (c == '\\') {
                int j = i + 1;
                while (j < n && Character.isLetter(s.charAt(j))) {
                    j++;
                }
                if (j > i + 1) {
                    out.add(new Token(Kind.CMD, s.substring(i + 1, j)));
                    i = j;
                } else if (j < n && (s.charAt(j) == '{' || s.charAt(j) == '}' || s.charAt(j) == '\\')) {
                    out.add(new Token(Kind.CMD, String.valueOf(s.charAt(j))));
                    i = j + 1;
                } else {
                    i = j + 1;
                }
            } else if (Character.isLetter(c)) {
                String word = null;
                for (String w : WORDS) {
                    if (s.regionMatches(true, i, w, 0, w.length())) {
                        word = w;
                        break;
                    }
                }
                if (word != null) {
                    out.add(new Token(Kind.CMD, word.equals("inf") ? "infty" : word.toLowerCase(Locale.ROOT)));
                    i += word.length();
                } else {
                    if (c > 127) {
                        throw new ParseException("unknown letter " + c);
                    }
                    out.add(new Token(Kind.LETTER, String.valueOf(c)));
                    i++;
                }
            } else if ("+-*/^_()[]{},=<>!|&'".indexOf(c) >= 0) {
                out.add(new Token(Kind.CH, String.valueOf(c)));
                i++;
            } else {
                throw new ParseException("unexpected character " + c);
            }
        }
        out.add(new Token(Kind.EOF, ""));
        return out;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind != Kind.EOF) {
            pos++;
        }
        return t;
    }

    private void expect(char c) throws ParseException {
        if (!next().is(c)) {
            throw new ParseException("expected " + c);
        }
    }

    private void enter() throws ParseException {
        if (++depth > MAX_DEPTH) {
            throw new ParseException("nested too deeply");
        }
    }

    // --- grammar

    private Node top() throws ParseException {
        List<Node> items = new ArrayList<>();
        items.add(union());
        while (peek().is(',')) {
            next();
            items.add(union());
        }
        return items.size() == 1 ? items.get(0) : new Node.SetOf(items, false);
    }

    private Node union() throws ParseException {
        Node first = relation();
        if (!peek().cmd("cup") && !(peek().kind == Kind.LETTER && peek().text.equals("U"))) {
            return first;
        }
        List<Node> parts = new ArrayList<>(List.of(first));
        while (peek().cmd("cup") || (peek().kind == Kind.LETTER && peek().text.equals("U"))) {
            next();
            parts.add(relation());
        }
        return new Node.Union(parts);
    }

    private static String relop(Token t) {
        if (t.kind == Kind.CH) {
            return switch (t.text) {
                case "=" -> "=";
                case "<" -> "<";
                case ">" -> ">";
                default -> null;
            };
        }
        if (t.kind == Kind.CMD) {
            return switch (t.text) {
                case "leq", "le" -> "<=";
                case "geq", "ge" -> ">=";
                case "ne", "neq" -> "!=";
                case "approx", "equiv" -> "=";
                default -> null;
            };
        }
        return null;
    }

    private Node relation() throws ParseException {
        Node first = expr();
        String op = relop(peek());
        if (op == null) {
            return first;
        }
        List<Node> sides = new ArrayList<>(List.of(first));
        List<String> ops = new ArrayList<>();
        while ((op = relop(peek())) != null) {
            next();
            // "<=" written as two characters
            if ((op.equals("<") || op.equals(">")) && peek().is('=')) {
                next();
                op = op + "=";
            }
            ops.add(op);
            sides.add(expr());
        }
        return new Node.Relation(sides, ops);
    }

    private Node expr() throws ParseException {
        enter();
        Node left = term();
        while (true) {
            Token t = peek();
            if (t.is('+')) {
                next();
                left = new Node.Op('+', left, term());
            } else if (t.is('-')) {
                next();
                left = new Node.Op('-', left, term());
            } else if (t.cmd("pm") || t.cmd("mp")) {
                next();
                Node b = term();
                left = new Node.PlusMinus(left, t.cmd("pm") ? b : new Node.Neg(b));
            } else {
                depth--;
                return left;
            }
        }
    }

    private Node term() throws ParseException {
        Node left = unary();
        while (true) {
            Token t = peek();
            if (t.is('*')) {
                next();
                left = new Node.Op('*', left, unary());
            } else if (t.is('/')) {
                next();
                left = new Node.Op('/', left, unary());
            } else if (startsPrimary(t)) {
                Node right = power();
                // 2\frac{1}{2} is a mixed number, two and a half, not a product
                left = isWholeNumber(left) && t.cmd("frac") && isSimpleFraction(right)
                        ? (left instanceof Node.Neg neg ? new Node.Neg(new Node.Op('+', neg.a(), right)) : new Node.Op('+', left, right))
                        : new Node.Op('*', left, right);
            } else {
                return left;
            }
        }
    }

    private static boolean isWholeNumber(Node n) {
        Node x = n instanceof Node.Neg neg ? neg.a() : n;
        return x instanceof Node.Num num && num.places() < 0;
    }

    private static boolean isSimpleFraction(Node n) {
        return n instanceof Node.Op op && op.op() == '/' && isWholeNumber(op.a()) && !(op.a() instanceof Node.Neg)
                && op.b() instanceof Node.Num d && d.places() < 0;
    }

    private boolean startsPrimary(Token t) {
        switch (t.kind) {
            case NUM:
            case LETTER:
                return true;
            case CH:
                return t.is('(') || t.is('{') || (t.is('|') && absDepth == 0);
            case CMD:
                return t.text.equals("frac") || t.text.equals("sqrt") || t.text.equals("pi") || t.text.equals("binom")
                        || t.text.equals("infty") || t.text.equals("{") || FUNCTIONS.contains(t.text) || t.text.equals("begin")
                        || isSymbol(t.text);
            default:
                return false;
        }
    }

    private Node unary() throws ParseException {
        Token t = peek();
        if (t.is('-')) {
            next();
            return new Node.Neg(unary());
        }
        if (t.is('+')) {
            next();
            return unary();
        }
        if (t.cmd("pm") || t.cmd("mp")) {
            next();
            return new Node.PlusMinus(new Node.Num(Rational.ZERO, -1), unary());
        }
        return power();
    }

    private Node power() throws ParseException {
        Node base = postfix();
        if (peek().is('^')) {
            next();
            return new Node.Op('^', base, exponent());
        }
        return base;
    }

    private Node exponent() throws ParseException {
        enter();
        Node e;
        if (peek().is('{')) {
            e = group();
        } else if (peek().is('-')) {
            next();
            e = new Node.Neg(postfix());
        } else {
            e = postfix();
        }
        if (peek().is('^')) {
            next();
            e = new Node.Op('^', e, exponent());
        }
        depth--;
        return e;
    }

    private Node postfix() throws ParseException {
        Node p = primary();
        while (peek().is('!') || peek().is('\'')) {
            if (next().is('\'')) {
                throw new ParseException("derivative marks are not an answer");
            }
            p = new Node.Factorial(p);
        }
        return p;
    }

    private Node group() throws ParseException {
        expect('{');
        Node n = top();
        expect('}');
        return n;
    }

    /** A LaTeX argument: a braced group, or a single token ({@code \frac12} is 1/2). */
    private Node argument() throws ParseException {
        Token t = peek();
        if (t.is('{')) {
            return group();
        }
        if (t.kind == Kind.NUM && t.text.length() > 1 && t.text.indexOf('.') < 0) {
            tokens.set(pos, new Token(Kind.NUM, t.text.substring(1)));
            return number(t.text.substring(0, 1));
        }
        return postfix();
    }

    private Node number(String text) {
        int dot = text.indexOf('.');
        return new Node.Num(Rational.parseDecimal(text), dot < 0 ? -1 : text.length() - dot - 1);
    }

    private Node primary() throws ParseException {
        enter();
        Node n = primaryInner();
        depth--;
        return n;
    }

    private Node primaryInner() throws ParseException {
        Token t = next();
        switch (t.kind) {
            case NUM: {
                Node num = number(t.text);
                if (((Node.Num) num).value() == null) {
                    throw new ParseException("number too long");
                }
                return num;
            }
            case LETTER: {
                String name = t.text;
                if (peek().is('_')) {
                    next();
                    name = name + "_" + subscript();
                } else if (name.equals("e")) {
                    return new Node.Const("e");
                } else if (name.equals("i")) {
                    return new Node.Const("i");
                }
                return new Node.Var(name);
            }
            case CH:
                if (t.is('(') || t.is('[')) {
                    return bracket(t.text.charAt(0));
                }
                if (t.is('{')) {
                    pos--;
                    return group();
                }
                if (t.is('|')) {
                    absDepth++;
                    Node inner = expr();
                    absDepth--;
                    expect('|');
                    return new Node.Fn("abs", inner, null);
                }
                throw new ParseException("unexpected " + t.text);
            case CMD:
                return command(t.text);
            default:
                throw new ParseException("unexpected end");
        }
    }

    private String subscript() throws ParseException {
        if (peek().is('{')) {
            next();
            StringBuilder b = new StringBuilder();
            while (!peek().is('}')) {
                Token s = next();
                if (s.kind == Kind.EOF) {
                    throw new ParseException("unclosed subscript");
                }
                b.append(s.text);
            }
            next();
            return b.toString();
        }
        Token s = next();
        if (s.kind != Kind.NUM && s.kind != Kind.LETTER) {
            throw new ParseException("bad subscript");
        }
        return s.text;
    }

    private Node bracket(char open) throws ParseException {
        List<Node> items = new ArrayList<>();
        if (!(peek().is(')') || peek().is(']'))) {
            items.add(relation());
            while (peek().is(',')) {
                next();
                items.add(relation());
            }
        }
        Token close = next();
        if (!close.is(')') && !close.is(']')) {
            throw new ParseException("unclosed bracket");
        }
        char c = close.text.charAt(0);
        if (items.size() == 1) {
            if ((open == '(' && c == ')') || (open == '[' && c == ']')) {
                return items.get(0);
            }
            throw new ParseException("mismatched brackets");
        }
        if (items.isEmpty()) {
            throw new ParseException("empty brackets");
        }
        return new Node.Seq(open, c, items);
    }

    private Node command(String name) throws ParseException {
        switch (name) {
            case "frac":
                return new Node.Op('/', argument(), argument());
            case "sqrt": {
                Node index = null;
                if (peek().is('[')) {
                    next();
                    index = expr();
                    expect(']');
                }
                return new Node.Fn("sqrt", argument(), index);
            }
            case "binom":
                return new Node.Binom(argument(), argument());
            case "pi":
                return new Node.Const("pi");
            case "infty":
                return new Node.Const("inf");
            case "emptyset":
                return new Node.SetOf(List.of(), true);
            case "{": {
                List<Node> items = new ArrayList<>();
                if (!peek().cmd("}")) {
                    items.add(relation());
                    while (peek().is(',')) {
                        next();
                        items.add(relation());
                    }
                }
                if (!next().cmd("}")) {
                    throw new ParseException("unclosed set");
                }
                return new Node.SetOf(items, true);
            }
            case "begin":
                return matrix();
            default:
                if (FUNCTIONS.contains(name)) {
                    return function(name);
                }
                if (isSymbol(name)) {
                    // \\alpha, \\theta, \\lambda, any other command that names a quantity: a variable
                    return new Node.Var("\\" + name);
                }
                throw new ParseException("unknown command \\" + name);
        }
    }

    /** Commands that are punctuation, logic, arrows or layout, never a quantity. */
    private static final Set<String> NOT_SYMBOLS = Set.of("dots", "ldots", "cdots", "vdots", "ddots", "implies", "iff", "to",
            "rightarrow", "Rightarrow", "leftarrow", "Leftarrow", "leftrightarrow", "mapsto", "land", "lor", "wedge", "vee",
            "forall", "exists", "neg", "not", "cap", "cup", "setminus", "subset", "subseteq", "supset", "supseteq", "in",
            "notin", "ni", "end", "hline", "quad", "qquad", "text", "mathrm", "mathbf", "boxed", "fbox", "left", "right",
            "over", "choose", "approx", "sim", "equiv", "cong", "propto", "pm", "mp", "le", "leq", "ge", "geq", "ne",
            "neq", "lt", "gt", "times", "cdot", "div", "circ", "prime", "frac", "sqrt", "binom", "begin", "mid", "parallel", "perp",
            "angle", "triangle", "square", "overline", "underline", "hat", "bar", "vec", "dot", "tilde", "limits", "sum",
            "prod", "int", "lim", "max", "min");

    private static boolean isSymbol(String name) {
        if (name.length() < 2 || NOT_SYMBOLS.contains(name) || FUNCTIONS.contains(name)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isLetter(name.charAt(i)) || name.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }

    private Node function(String name) throws ParseException {
        Node base = null;
        Node power = null;
        if (name.equals("log") && peek().is('_')) {
            next();
            base = argument();
        }
        if (peek().is('^')) {
            next();
            power = exponent();
        }
        Node arg;
        if (peek().is('(')) {
            next();
            arg = expr();
            expect(')');
        } else if (peek().is('{')) {
            arg = group();
        } else {
            // "\sin 2x" is sin(2x): the argument runs while factors follow without an operator
            arg = power();
            while (startsPrimary(peek()) && !(peek().kind == Kind.CMD && FUNCTIONS.contains(peek().text))) {
                arg = new Node.Op('*', arg, power());
            }
        }
        String fn = name.equals("lg") ? "log" : name;
        Node f = new Node.Fn(fn, arg, base);
        return power == null ? f : new Node.Op('^', f, power);
    }

    private Node matrix() throws ParseException {
        String env = environment();
        if (!env.endsWith("matrix") && !env.equals("array")) {
            throw new ParseException("unknown environment " + env);
        }
        if (env.equals("array") && peek().is('{')) {
            // column spec: {cc}
            while (!next().is('}')) {
                if (peek().kind == Kind.EOF) {
                    throw new ParseException("unclosed column spec");
                }
            }
        }
        List<List<Node>> rows = new ArrayList<>();
        List<Node> row = new ArrayList<>();
        while (true) {
            if (peek().cmd("end")) {
                next();
                environment();
                if (!row.isEmpty()) {
                    rows.add(row);
                }
                break;
            }
            row.add(expr());
            Token t = next();
            if (t.is('&')) {
                continue;
            }
            if (t.cmd("\\")) {
                rows.add(row);
                row = new ArrayList<>();
                continue;
            }
            if (t.cmd("end")) {
                environment();
                rows.add(row);
                break;
            }
            throw new ParseException("bad matrix");
        }
        if (rows.isEmpty()) {
            throw new ParseException("empty matrix");
        }
        return new Node.Matrix(rows);
    }

    private String environment() throws ParseException {
        expect('{');
        StringBuilder b = new StringBuilder();
        while (peek().kind == Kind.LETTER || peek().is('*')) {
            b.append(next().text);
        }
        expect('}');
        return b.toString();
    }
}
