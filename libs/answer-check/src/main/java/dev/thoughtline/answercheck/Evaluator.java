package dev.thoughtline.answercheck;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Values of parsed expressions: exact rationals where the expression allows (sums, products, integer and
 * rational powers with exact roots, factorials, binomials), complex doubles otherwise. Every evaluation runs on
 * a {@link Budget} of steps, so no input makes a check slow.
 */
final class Evaluator {

    /** Thrown when a check has used up its steps: the verdict is then "unknown". */
    static final class Exhausted extends RuntimeException {
        Exhausted() {
            super("step budget exhausted", null, false, false);
        }
    }

    /** Steps left for one check. */
    static final class Budget {
        private int left;

        Budget(int steps) {
            this.left = steps;
        }

        void step() {
            if (--left < 0) {
                throw new Exhausted();
            }
        }
    }

    private static final int MAX_FACTORIAL = 1000;
    private static final int MAX_EXPONENT = 10_000;

    private Evaluator() {
    }

    /** The exact value, or null when the expression has variables, irrational parts, or would be too large. */
    static Rational exact(Node n, Budget b) {
        b.step();
        if (n instanceof Node.Num num) {
            return num.value();
        }
        if (n instanceof Node.Neg neg) {
            Rational a = exact(neg.a(), b);
            return a == null ? null : a.negate();
        }
        if (n instanceof Node.Op op) {
            Rational x = exact(op.a(), b);
            if (x == null) {
                return null;
            }
            Rational y = exact(op.b(), b);
            if (y == null) {
                return null;
            }
            switch (op.op()) {
                case '+':
                    return x.add(y);
                case '-':
                    return x.subtract(y);
                case '*':
                    return x.multiply(y);
                case '/':
                    return x.divide(y);
                default:
                    return power(x, y);
            }
        }
        if (n instanceof Node.Fn fn) {
            if (fn.name().equals("sqrt")) {
                Rational a = exact(fn.arg(), b);
                Rational k = fn.base() == null ? Rational.of(2) : exact(fn.base(), b);
                if (a == null || k == null || !k.isInteger() || k.num.bitLength() > 16) {
                    return null;
                }
                return a.root(k.num.intValue());
            }
            if (fn.name().equals("abs")) {
                Rational a = exact(fn.arg(), b);
                return a == null ? null : a.signum() < 0 ? a.negate() : a;
            }
            return null;
        }
        if (n instanceof Node.Factorial f) {
            Rational a = exact(f.a(), b);
            if (a == null || !a.isInteger() || a.signum() < 0 || a.num.bitLength() > 11 || a.num.intValue() > MAX_FACTORIAL) {
                return null;
            }
            BigInteger r = BigInteger.ONE;
            for (int i = 2; i <= a.num.intValue(); i++) {
                b.step();
                r = r.multiply(BigInteger.valueOf(i));
                if (r.bitLength() > Rational.MAX_BITS) {
                    return null;
                }
            }
            return Rational.of(r, BigInteger.ONE);
        }
        if (n instanceof Node.Binom bin) {
            Rational nn = exact(bin.n(), b);
            Rational kk = exact(bin.k(), b);
            if (nn == null || kk == null || !nn.isInteger() || !kk.isInteger() || nn.num.bitLength() > 20 || kk.num.bitLength() > 20) {
                return null;
            }
            int top = nn.num.intValue();
            int k = kk.num.intValue();
            if (k < 0 || top < 0 || k > top) {
                return top >= 0 ? Rational.ZERO : null;
            }
            k = Math.min(k, top - k);
            BigInteger r = BigInteger.ONE;
            for (int i = 1; i <= k; i++) {
                b.step();
                r = r.multiply(BigInteger.valueOf(top - k + i)).divide(BigInteger.valueOf(i));
                if (r.bitLength() > Rational.MAX_BITS) {
                    return null;
                }
            }
            return Rational.of(r, BigInteger.ONE);
        }
        return null;
    }

    /** x^y exactly: integer exponents, and rational ones whose root is exact (8^(2/3) = 4). */
    private static Rational power(Rational x, Rational y) {
        if (y.num.bitLength() > 20 || y.den.bitLength() > 20) {
            return null;
        }
        int p = y.num.intValue();
        int q = y.den.intValue();
        if (Math.abs(p) > MAX_EXPONENT || (x.signum() == 0 && p < 0)) {
            return null;
        }
        Rational base = x;
        if (q != 1) {
            base = x.root(q);
            if (base == null) {
                return null;
            }
        }
        return base.pow(p);
    }

    /** The value with {@code env} giving the variables; NaN where it is undefined there. */
    static Complex numeric(Node n, Map<String, Complex> env, Budget b) {
        b.step();
        if (n instanceof Node.Num num) {
            return Complex.real(num.value().toDouble());
        }
        if (n instanceof Node.Var v) {
            Complex c = env.get(v.name());
            return c == null ? Complex.NAN : c;
        }
        if (n instanceof Node.Const c) {
            switch (c.name()) {
                case "pi":
                    return Complex.real(Math.PI);
                case "e":
                    return Complex.real(Math.E);
                case "i":
                    return new Complex(0, 1);
                default:
                    return Complex.real(Double.POSITIVE_INFINITY);
            }
        }
        if (n instanceof Node.Neg neg) {
            return numeric(neg.a(), env, b).neg();
        }
        if (n instanceof Node.Op op) {
            Complex x = numeric(op.a(), env, b);
            Complex y = numeric(op.b(), env, b);
            switch (op.op()) {
                case '+':
                    return x.add(y);
                case '-':
                    return x.sub(y);
                case '*':
                    return x.mul(y);
                case '/':
                    return x.div(y);
                default:
                    // an odd root of a negative number is real: (-8)^(1/3) is -2 in an answer, not 1 + 1.7i
                    Rational e = exact(op.b(), b);
                    if (e != null && !e.isInteger() && x.im() == 0 && x.re() < 0 && e.den.testBit(0) && e.den.bitLength() < 20) {
                        return x.root(e.den.intValue()).pow(Complex.real(e.num.doubleValue()));
                    }
                    return x.pow(y);
            }
        }
        if (n instanceof Node.Fn fn) {
            return function(fn, env, b);
        }
        if (n instanceof Node.Factorial || n instanceof Node.Binom) {
            Rational r = exact(n, b);
            if (r != null) {
                return Complex.real(r.toDouble());
            }
            if (n instanceof Node.Factorial f) {
                Complex a = numeric(f.a(), env, b);
                // a factorial too large to be exact is not a value two answers can be told apart by
                return a.isReal() && a.re() >= 0 && a.re() == Math.rint(a.re()) && a.re() <= 170 ? Complex.real(factorial((int) a.re())) : Complex.NAN;
            }
            // C(n, k) for a whole k and any n: n(n-1)...(n-k+1)/k!
            Node.Binom bin = (Node.Binom) n;
            Rational k = exact(bin.k(), b);
            if (k == null || !k.isInteger() || k.signum() < 0 || k.num.bitLength() > 10) {
                return Complex.NAN;
            }
            Complex top = numeric(bin.n(), env, b);
            Complex c = Complex.real(1);
            for (int i = 0; i < k.num.intValue(); i++) {
                b.step();
                c = c.mul(top.sub(Complex.real(i))).div(Complex.real(i + 1));
            }
            return c;
        }
        return Complex.NAN;
    }

    private static double factorial(int n) {
        double r = 1;
        for (int i = 2; i <= n; i++) {
            r *= i;
        }
        return r;
    }

    private static Complex function(Node.Fn fn, Map<String, Complex> env, Budget b) {
        Complex a = numeric(fn.arg(), env, b);
        switch (fn.name()) {
            case "sqrt": {
                double k = 2;
                if (fn.base() != null) {
                    Complex kc = numeric(fn.base(), env, b);
                    if (!kc.isReal() || kc.re() == 0) {
                        return Complex.NAN;
                    }
                    k = kc.re();
                }
                return a.root(k);
            }
            case "abs":
                return Complex.real(a.abs());
            case "exp":
                return a.exp();
            case "ln":
                return a.log();
            case "log": {
                Complex base = fn.base() == null ? Complex.real(10) : numeric(fn.base(), env, b);
                return a.log().div(base.log());
            }
            default:
                break;
        }
        if (!a.isReal()) {
            return Complex.NAN;
        }
        double x = a.re();
        double r;
        switch (fn.name()) {
            case "sin" -> r = Math.sin(x);
            case "cos" -> r = Math.cos(x);
            case "tan" -> r = Math.tan(x);
            case "sec" -> r = 1 / Math.cos(x);
            case "csc" -> r = 1 / Math.sin(x);
            case "cot" -> r = 1 / Math.tan(x);
            case "arcsin" -> r = Math.asin(x);
            case "arccos" -> r = Math.acos(x);
            case "arctan" -> r = Math.atan(x);
            case "sinh" -> r = Math.sinh(x);
            case "cosh" -> r = Math.cosh(x);
            case "tanh" -> r = Math.tanh(x);
            default -> r = Double.NaN;
        }
        return Complex.real(r);
    }

    /** Adds the names of the free variables. */
    static void variables(Node n, Set<String> into) {
        if (n instanceof Node.Var v) {
            into.add(v.name());
        } else if (n instanceof Node.Op op) {
            variables(op.a(), into);
            variables(op.b(), into);
        } else if (n instanceof Node.Neg neg) {
            variables(neg.a(), into);
        } else if (n instanceof Node.Fn fn) {
            variables(fn.arg(), into);
            if (fn.base() != null) {
                variables(fn.base(), into);
            }
        } else if (n instanceof Node.Factorial f) {
            variables(f.a(), into);
        } else if (n instanceof Node.Binom bin) {
            variables(bin.n(), into);
            variables(bin.k(), into);
        } else if (n instanceof Node.PlusMinus pm) {
            variables(pm.a(), into);
            variables(pm.b(), into);
        }
    }

    /** The most decimals of any decimal literal in the expression; -1 when it has none. */
    static int decimals(Node n) {
        if (n instanceof Node.Num num) {
            return num.places();
        }
        if (n instanceof Node.Op op) {
            return Math.max(decimals(op.a()), decimals(op.b()));
        }
        if (n instanceof Node.Neg neg) {
            return decimals(neg.a());
        }
        if (n instanceof Node.Fn fn) {
            return decimals(fn.arg());
        }
        return -1;
    }

    static boolean hasInfinity(Node n) {
        if (n instanceof Node.Const c) {
            return c.name().equals("inf");
        }
        if (n instanceof Node.Op op) {
            return hasInfinity(op.a()) || hasInfinity(op.b());
        }
        if (n instanceof Node.Neg neg) {
            return hasInfinity(neg.a());
        }
        return false;
    }

    /** The values a plus-minus expression stands for: {@code 1 \pm \sqrt 2} is two; at most 16. */
    static List<Node> expand(Node n) {
        if (n instanceof Node.PlusMinus pm) {
            List<Node> out = new ArrayList<>();
            for (Node a : expand(pm.a())) {
                for (Node c : expand(pm.b())) {
                    out.add(new Node.Op('+', a, c));
                    out.add(new Node.Op('-', a, c));
                }
            }
            return out.size() > 16 ? out.subList(0, 16) : out;
        }
        if (n instanceof Node.Op op && (containsPm(op.a()) || containsPm(op.b()))) {
            List<Node> out = new ArrayList<>();
            for (Node a : expand(op.a())) {
                for (Node c : expand(op.b())) {
                    out.add(new Node.Op(op.op(), a, c));
                }
            }
            return out.size() > 16 ? out.subList(0, 16) : out;
        }
        if (n instanceof Node.Neg neg && containsPm(neg.a())) {
            return expand(neg.a()).stream().map(a -> (Node) new Node.Neg(a)).toList();
        }
        return List.of(n);
    }

    static boolean containsPm(Node n) {
        if (n instanceof Node.PlusMinus) {
            return true;
        }
        if (n instanceof Node.Op op) {
            return containsPm(op.a()) || containsPm(op.b());
        }
        if (n instanceof Node.Neg neg) {
            return containsPm(neg.a());
        }
        return false;
    }
}
