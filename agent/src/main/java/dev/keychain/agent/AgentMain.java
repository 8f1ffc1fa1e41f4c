package dev.keychain.agent;

import java.time.Clock;

/**
 * {@code keychain-agent enrol|run}: the key-chain agent injected into pods (see {@link Agent}),
 * configured by environment. Exit codes: 0 done, 2 configuration, 3 authentication failure (the
 * operator or the agent's token could not be verified), 4 keys revoked.
 */
public final class AgentMain {
  private AgentMain() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(args));
  }

  static int run(String[] args) throws InterruptedException {
    if (args.length != 1 || !(args[0].equals("enrol") || args[0].equals("run"))) {
      System.err.println(
          "usage: keychain-agent enrol|run (configuration from KEYCHAIN_* variables)");
      return Agent.CONFIGURATION;
    }
    AgentConfig config;
    OperatorClient operator;
    try {
      config = AgentConfig.fromEnvironment(System.getenv());
      operator = new OperatorClient(config, Clock.systemUTC());
    } catch (IllegalArgumentException e) {
      System.err.println("keychain-agent: configuration error: " + e.getMessage());
      return Agent.CONFIGURATION;
    }
    Agent agent = new Agent(config, operator, Clock.systemUTC(), System.err);
    return args[0].equals("enrol") ? agent.enrol() : agent.run();
  }
}
