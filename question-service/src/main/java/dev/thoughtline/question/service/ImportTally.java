package dev.thoughtline.question.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.LineError;
import dev.thoughtline.question.ImportRun;
import dev.thoughtline.question.repository.ImportRunRepository;
import dev.thoughtline.question.repository.QuestionStore;

import java.util.ArrayList;
import java.util.List;

/** The running counts of one import; not thread-safe (one import is driven by one thread at a time). */
final class ImportTally {

    private final int maxErrors;
    long received;
    long imported;
    long duplicates;
    long rejected;
    final List<LineError> errors = new ArrayList<>();
    boolean truncated;

    ImportTally(int maxErrors) {
        this.maxErrors = maxErrors;
    }

    static ImportTally resume(ImportRun run, int maxErrors, ObjectMapper mapper) {
        ImportTally t = new ImportTally(maxErrors);
        t.received = run.received;
        t.imported = run.imported;
        t.duplicates = run.duplicates;
        t.rejected = run.rejected;
        try {
            t.errors.addAll(List.of(mapper.readValue(run.errors, LineError[].class)));
        } catch (JsonProcessingException e) {
            t.truncated = true;
        }
        t.truncated |= t.errors.size() < t.rejected;
        return t;
    }

    void reject(long line, String reason) {
        rejected++;
        if (errors.size() < maxErrors) {
            errors.add(new LineError(line, reason));
        } else {
            truncated = true;
        }
    }

    void add(QuestionStore.BatchResult r) {
        imported += r.imported();
        duplicates += r.duplicates();
    }

    ImportRunRepository.Progress progress(ObjectMapper mapper, String cursor, ImportRun.Status status, String failure) {
        try {
            return new ImportRunRepository.Progress(received, imported, duplicates, rejected,
                    mapper.writeValueAsString(errors), cursor, status, failure);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
