package dev.thoughtline.eval.config;

import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.LineError;
import dev.thoughtline.contracts.Problem;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Types bound by Jackson outside REST signatures (the dataset client reading lineage, problems); native images need them listed. */
@RegisterForReflection(targets = {DatasetInfo.class, DatasetRef.class, LineError.class, LineError[].class, Problem.class})
public class NativeReflection {
}
