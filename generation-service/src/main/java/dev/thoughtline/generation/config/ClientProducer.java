package dev.thoughtline.generation.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.OutboundPolicy;
import dev.thoughtline.support.Outbound;
import dev.thoughtline.support.OutboundConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.net.http.HttpClient;
import java.time.Duration;

/** The contract's dataset client, which reads jobs' inputs, and the HTTP client that probes teachers. */
@ApplicationScoped
public class ClientProducer {

    @Produces
    @Singleton
    DatasetClient datasetClient(ObjectMapper mapper, GenerationConfig config, HttpClient http, OutboundPolicy policy,
                                OutboundConfig outbound) {
        GenerationConfig.Jobs jobs = config.jobs();
        DatasetClient.Options options = DatasetClient.Options.defaults()
                .withPageSize(jobs.inputPageSize())
                .withRetries(jobs.inputAttempts(), jobs.inputBackoff(), jobs.inputBackoff().multipliedBy(20));
        return new DatasetClient(http, mapper, Outbound.datasetOptions(options, policy, outbound));
    }

    @Produces
    @Singleton
    HttpClient httpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }
}
