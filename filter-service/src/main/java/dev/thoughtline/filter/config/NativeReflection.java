package dev.thoughtline.filter.config;

import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.LineError;
import dev.thoughtline.contracts.Problem;
import dev.thoughtline.filter.rest.FilterRunRequest;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Types bound by Jackson outside REST signatures (a run's stored steps read back at startup, the dataset client);
 * native images need them listed.
 */
@RegisterForReflection(targets = {DatasetInfo.class, DatasetRef.class, LineError.class, LineError[].class, Problem.class,
        FilterRunRequest.class, FilterRunRequest.Step.class, FilterRunRequest.Step[].class, FilterRunRequest.Keep.class})
public class NativeReflection {
}
