package dev.thoughtline.answercheck;

import java.util.List;

/** A parsed answer: scalar expressions, and the structures answers come in (tuples, intervals, sets, ...). */
sealed interface Node {

    /** A number as written; {@code places} is the count of decimals of a decimal literal, -1 for an integer. */
    record Num(Rational value, int places) implements Node {
    }

    record Var(String name) implements Node {
    }

    /** pi, e, i, or infinity. */
    record Const(String name) implements Node {
    }

    /** A binary operation: one of + - * / ^. */
    record Op(char op, Node a, Node b) implements Node {
    }

    record Neg(Node a) implements Node {
    }

    /** A function of one argument (sin, ln, sqrt, ...); {@code base} is a log's base or a root's index, else null. */
    record Fn(String name, Node arg, Node base) implements Node {
    }

    record Factorial(Node a) implements Node {
    }

    record Binom(Node n, Node k) implements Node {
    }

    /** {@code a \pm b}: two values. */
    record PlusMinus(Node a, Node b) implements Node {
    }

    /** A bracketed sequence of two or more items: a tuple, a point, or an interval, by its brackets. */
    record Seq(char open, char close, List<Node> items) implements Node {
    }

    /** A set in braces, or a bare list of answers separated by commas: order does not matter. */
    record SetOf(List<Node> items, boolean braces) implements Node {
    }

    /** A union of intervals or sets. */
    record Union(List<Node> parts) implements Node {
    }

    record Matrix(List<List<Node>> rows) implements Node {
    }

    /** An equation, inequality or chain of them: {@code sides} has one more element than {@code ops}. */
    record Relation(List<Node> sides, List<String> ops) implements Node {
    }

    /** An answer in words, compared as normalised text. */
    record Text(String text) implements Node {
    }
}
