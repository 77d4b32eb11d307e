package dev.thoughtline.answercheck;

/** A complex number in doubles, for numeric evaluation; a real answer stays real where the math allows. */
record Complex(double re, double im) {

    static final Complex NAN = new Complex(Double.NaN, 0);

    static Complex real(double re) {
        return new Complex(re, 0);
    }

    boolean isReal() {
        return Math.abs(im) <= 1e-12 * Math.max(1, Math.abs(re));
    }

    boolean isFinite() {
        return Double.isFinite(re) && Double.isFinite(im);
    }

    boolean isNaN() {
        return Double.isNaN(re) || Double.isNaN(im);
    }

    double abs() {
        return Math.hypot(re, im);
    }

    Complex add(Complex o) {
        return new Complex(re + o.re, im + o.im);
    }

    Complex sub(Complex o) {
        return new Complex(re - o.re, im - o.im);
    }

    Complex mul(Complex o) {
        if (im == 0 && o.im == 0) {
            return real(re * o.re);
        }
        return new Complex(re * o.re - im * o.im, re * o.im + im * o.re);
    }

    Complex div(Complex o) {
        if (im == 0 && o.im == 0) {
            return o.re == 0 ? NAN : real(re / o.re);
        }
        double d = o.re * o.re + o.im * o.im;
        if (d == 0) {
            return NAN;
        }
        return new Complex((re * o.re + im * o.im) / d, (im * o.re - re * o.im) / d);
    }

    Complex neg() {
        return new Complex(-re, -im);
    }

    Complex exp() {
        double m = Math.exp(re);
        return im == 0 ? real(m) : new Complex(m * Math.cos(im), m * Math.sin(im));
    }

    /** The principal logarithm. */
    Complex log() {
        if (im == 0 && re > 0) {
            return real(Math.log(re));
        }
        return new Complex(Math.log(abs()), Math.atan2(im, re));
    }

    Complex pow(Complex e) {
        if (im == 0 && e.im == 0) {
            double r = Math.pow(re, e.re);
            if (!Double.isNaN(r)) {
                return real(r);
            }
        }
        if (re == 0 && im == 0) {
            return e.re > 0 ? real(0) : NAN;
        }
        return log().mul(e).exp();
    }

    /** The real k-th root of a real number where one exists (the cube root of -8 is -2), else the principal root. */
    Complex root(double k) {
        if (im == 0 && re < 0 && k == Math.rint(k) && ((long) k) % 2 == 1) {
            return real(-Math.pow(-re, 1 / k));
        }
        if (im == 0 && re >= 0) {
            return real(k == 2 ? Math.sqrt(re) : Math.pow(re, 1 / k));
        }
        return pow(real(1 / k));
    }
}
