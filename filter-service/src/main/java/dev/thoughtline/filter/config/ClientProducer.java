package dev.thoughtline.filter.config;

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

/** The contract's dataset client, which reads runs' inputs and benchmark datasets. */
@ApplicationScoped
public class ClientProducer {

    /** The embedder of the embedding step: the configured endpoint, else the model in process (loaded on first use). */
    @Produces
    @Singleton
    dev.thoughtline.filter.service.embedding.Embedder embedder(FilterConfig config, ObjectMapper mapper) {
        FilterConfig.Embeddings e = config.embeddings();
        if (e.url().isPresent()) {
            String key = e.apiKeyEnv().map(System::getenv).orElse(null);
            return new dev.thoughtline.filter.service.embedding.RemoteEmbedder(e.url().get(), e.model(), key, e.batch(), mapper,
                    e.retry());
        }
        return new dev.thoughtline.filter.service.embedding.LocalEmbedder(e.batch());
    }

    @Produces
    @Singleton
    DatasetClient datasetClient(ObjectMapper mapper, FilterConfig config, OutboundPolicy policy, OutboundConfig outbound) {
        FilterConfig.Runs runs = config.runs();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        DatasetClient.Options options = DatasetClient.Options.defaults()
                .withPageSize(runs.inputPageSize())
                .withRetries(runs.inputAttempts(), runs.inputBackoff(), runs.inputBackoff().multipliedBy(20));
        return new DatasetClient(http, mapper, Outbound.datasetOptions(options, policy, outbound));
    }
}
