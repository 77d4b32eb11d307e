package dev.thoughtline.answercheck;

import java.math.BigInteger;

/**
 * An exact rational number in lowest terms, with a bound on its size: an operation whose result would need
 * more than {@link #MAX_BITS} bits answers null, and the caller falls back to floating point. Immutable.
 */
final class Rational {

    /** Numerators and denominators stay below this many bits: 2^4096 is far past any answer's precision. */
    static final int MAX_BITS = 4096;

    static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
    static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);

    final BigInteger num;
    final BigInteger den;

    private Rational(BigInteger num, BigInteger den) {
        this.num = num;
        this.den = den;
    }

    static Rational of(long n) {
        return new Rational(BigInteger.valueOf(n), BigInteger.ONE);
    }

    /** n/d in lowest terms with a positive denominator; null for a zero denominator or an oversized value. */
    static Rational of(BigInteger n, BigInteger d) {
        if (d.signum() == 0 || n.bitLength() > MAX_BITS || d.bitLength() > MAX_BITS) {
            return null;
        }
        if (d.signum() < 0) {
            n = n.negate();
            d = d.negate();
        }
        BigInteger g = n.gcd(d);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
            n = n.divide(g);
            d = d.divide(g);
        }
        return new Rational(n, d);
    }

    /** A decimal literal such as {@code 12.50} exactly; null when it is too long to be a number worth keeping exact. */
    static Rational parseDecimal(String s) {
        if (s.length() > 400) {
            return null;
        }
        int dot = s.indexOf('.');
        if (dot < 0) {
            return of(new BigInteger(s), BigInteger.ONE);
        }
        String digits = s.substring(0, dot) + s.substring(dot + 1);
        if (digits.isEmpty()) {
            return null;
        }
        return of(new BigInteger(digits), BigInteger.TEN.pow(s.length() - dot - 1));
    }

    Rational add(Rational o) {
        return of(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
    }

    Rational subtract(Rational o) {
        return of(num.multiply(o.den).subtract(o.num.multiply(den)), den.multiply(o.den));
    }

    Rational multiply(Rational o) {
        return of(num.multiply(o.num), den.multiply(o.den));
    }

    Rational divide(Rational o) {
        return o.num.signum() == 0 ? null : of(num.multiply(o.den), den.multiply(o.num));
    }

    Rational negate() {
        return new Rational(num.negate(), den);
    }

    /** This to an integer power, or null when the result would be oversized (checked before computing it). */
    Rational pow(int e) {
        if (e == 0) {
            return num.signum() == 0 ? null : ONE;
        }
        long bits = (long) Math.max(num.bitLength(), den.bitLength()) * Math.abs((long) e);
        if (bits > MAX_BITS) {
            return null;
        }
        Rational r = of(num.pow(Math.abs(e)), den.pow(Math.abs(e)));
        return r == null ? null : e > 0 ? r : ONE.divide(r);
    }

    /** The exact k-th root when there is one (4/9 has the square root 2/3), else null. */
    Rational root(int k) {
        if (k <= 0 || (num.signum() < 0 && k % 2 == 0)) {
            return null;
        }
        BigInteger n = exactRoot(num.abs(), k);
        BigInteger d = exactRoot(den, k);
        if (n == null || d == null) {
            return null;
        }
        return of(num.signum() < 0 ? n.negate() : n, d);
    }

    private static BigInteger exactRoot(BigInteger x, int k) {
        if (x.signum() == 0 || x.equals(BigInteger.ONE)) {
            return x;
        }
        if (k == 2) {
            BigInteger r = x.sqrt();
            return r.multiply(r).equals(x) ? r : null;
        }
        double guess = Math.pow(x.doubleValue(), 1.0 / k);
        if (Double.isInfinite(guess) || Double.isNaN(guess)) {
            return null;
        }
        BigInteger g = BigInteger.valueOf(Math.round(guess));
        for (int delta = -1; delta <= 1; delta++) {
            BigInteger c = g.add(BigInteger.valueOf(delta));
            if (c.signum() > 0 && c.pow(k).equals(x)) {
                return c;
            }
        }
        return null;
    }

    boolean isInteger() {
        return den.equals(BigInteger.ONE);
    }

    int signum() {
        return num.signum();
    }

    double toDouble() {
        double d = num.doubleValue() / den.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            // both parts overflow a double: scale them down together
            int shift = Math.max(num.bitLength(), den.bitLength()) - 1000;
            d = num.shiftRight(shift).doubleValue() / den.shiftRight(shift).doubleValue();
        }
        return d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rational r && num.equals(r.num) && den.equals(r.den);
    }

    @Override
    public int hashCode() {
        return num.hashCode() * 31 + den.hashCode();
    }

    @Override
    public String toString() {
        return isInteger() ? num.toString() : num + "/" + den;
    }
}
