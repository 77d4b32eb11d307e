package dev.thoughtline.generation.config;

import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.LineError;
import dev.thoughtline.contracts.Problem;
import dev.thoughtline.contracts.TraceItem;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Types bound by Jackson outside REST signatures (the dataset client, problems); native images need them listed. */
@RegisterForReflection(targets = {DatasetInfo.class, DatasetRef.class, LineError.class, LineError[].class, Problem.class, TraceItem.class})
public class NativeReflection {
}
