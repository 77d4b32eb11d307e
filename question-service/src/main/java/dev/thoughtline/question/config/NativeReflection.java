package dev.thoughtline.question.config;

import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.LineError;
import dev.thoughtline.contracts.Problem;
import dev.thoughtline.contracts.QuestionItem;
import dev.thoughtline.question.rest.DatasetImportRequest;
import dev.thoughtline.question.rest.HuggingFaceImportRequest;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Types bound by Jackson outside REST signatures (stored JSON, the dataset client); native images need them listed. */
@RegisterForReflection(targets = {DatasetInfo.class, DatasetRef.class, LineError.class, LineError[].class, Problem.class,
        QuestionItem.class, HuggingFaceImportRequest.class, DatasetImportRequest.class})
public class NativeReflection {
}
