package dev.thoughtline.question.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.OutboundPolicy;
import dev.thoughtline.support.Outbound;
import dev.thoughtline.support.OutboundConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.net.http.HttpClient;
import java.time.Duration;

/** The contract's dataset client, configured for imports from DatasetRefs. */
@ApplicationScoped
public class ClientProducer {

    @Produces
    @ApplicationScoped
    DatasetClient datasetClient(ObjectMapper mapper, QuestionConfig config, OutboundPolicy policy, OutboundConfig outbound) {
        QuestionConfig.Imports imports = config.imports();
        DatasetClient.Options options = DatasetClient.Options.defaults()
                .withPageSize(imports.datasetPageSize())
                .withRetries(imports.datasetAttempts(), imports.datasetBackoff(), imports.datasetBackoff().multipliedBy(20));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        return new DatasetClient(http, mapper, Outbound.datasetOptions(options, policy, outbound));
    }
}
