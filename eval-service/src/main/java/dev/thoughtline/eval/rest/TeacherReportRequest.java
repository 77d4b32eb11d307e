package dev.thoughtline.eval.rest;

import java.util.List;

/** Candidate teachers on one benchmark of verifiable questions: one eval run per teacher, named {@code name-teacher}. */
public record TeacherReportRequest(String name, String benchmark, List<String> teachers, Integer repeats, Double temperature,
                                   Integer maxTokens, Long seed) {
}
