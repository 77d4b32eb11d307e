package dev.thoughtline.eval.config;

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

/** The HTTP clients: the contract's dataset client (traces, lineage) and one JDK client for the rest. */
@ApplicationScoped
public class ClientProducer {

    @Produces
    @Singleton
    HttpClient http() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Produces
    @Singleton
    DatasetClient datasetClient(ObjectMapper mapper, HttpClient http, OutboundPolicy policy, OutboundConfig outbound) {
        return new DatasetClient(http, mapper, Outbound.datasetOptions(DatasetClient.Options.defaults(), policy, outbound));
    }
}
