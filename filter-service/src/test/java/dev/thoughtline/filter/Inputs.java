package dev.thoughtline.filter;

import dev.thoughtline.testing.ContractServer;

/** The one contract server that serves every test's input and benchmark datasets (closed when the JVM exits). */
final class Inputs {

    private static ContractServer server;

    private Inputs() {
    }

    static synchronized ContractServer server() {
        if (server == null) {
            ContractServer s = new ContractServer();
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
            server = s;
        }
        return server;
    }
}
