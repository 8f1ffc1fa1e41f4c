package dev.keychain.core.chain;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The epochs and revocations of one chain, without key material: which epoch each node (root,
 * group, agent) is at and whether it is revoked. Immutable; every operation returns a new tree.
 *
 * <p>Rules that keep old keys from coming back: epochs only grow; revoking a node revokes its
 * subtree (nothing below it can be derived); reinstating a revoked node moves it to a new epoch, so
 * the keys it had before the revocation are never derived again.
 */
public final class KeyTree {
  /** One node's state. */
  public record Node(long epoch, boolean revoked, Instant changedAt) {}

  /** An agent's place: its group and identity. */
  public record AgentRef(String group, String agent) {}

  private final Node root;
  private final Map<String, Node> groups;
  private final Map<AgentRef, Node> agents;

  private KeyTree(Node root, Map<String, Node> groups, Map<AgentRef, Node> agents) {
    this.root = root;
    this.groups = Map.copyOf(groups);
    this.agents = Map.copyOf(agents);
  }

  public static KeyTree create(Instant now) {
    return new KeyTree(new Node(0, false, now), Map.of(), Map.of());
  }

  public Node root() {
    return root;
  }

  public Map<String, Node> groups() {
    return groups;
  }

  public Map<AgentRef, Node> agents() {
    return agents;
  }

  public Optional<Node> group(String name) {
    return Optional.ofNullable(groups.get(name));
  }

  public Optional<Node> agent(String group, String agent) {
    return Optional.ofNullable(agents.get(new AgentRef(group, agent)));
  }

  /** Adds a group at epoch 0, or returns this tree if it exists. */
  public KeyTree addGroup(String group, Instant now) {
    if (groups.containsKey(group)) {
      return this;
    }
    Map<String, Node> next = new HashMap<>(groups);
    next.put(group, new Node(0, false, now));
    return new KeyTree(root, next, agents);
  }

  /** Adds an agent to a group at epoch 0, or returns this tree if it exists. */
  public KeyTree addAgent(String group, String agent, Instant now) {
    requireGroup(group);
    AgentRef ref = new AgentRef(group, agent);
    if (agents.containsKey(ref)) {
      return this;
    }
    Map<AgentRef, Node> next = new HashMap<>(agents);
    next.put(ref, new Node(0, false, now));
    return new KeyTree(root, groups, next);
  }

  /** New root epoch: every group and sub key changes. */
  public KeyTree rotateRoot(Instant now) {
    requireLive("chain root", root);
    return new KeyTree(new Node(root.epoch() + 1, false, now), groups, agents);
  }

  /** New group epoch: every sub key of the group changes. */
  public KeyTree rotateGroup(String group, Instant now) {
    Node node = requireGroup(group);
    requireLive("group " + group, node);
    return withGroup(group, new Node(node.epoch() + 1, false, now));
  }

  /** New agent epoch. */
  public KeyTree rotateAgent(String group, String agent, Instant now) {
    Node node = requireAgent(group, agent);
    requireLive("agent " + agent + " of group " + group, node);
    return withAgent(new AgentRef(group, agent), new Node(node.epoch() + 1, false, now));
  }

  /** Revokes a group and, through it, every agent below it. */
  public KeyTree revokeGroup(String group, Instant now) {
    Node node = requireGroup(group);
    return node.revoked() ? this : withGroup(group, new Node(node.epoch(), true, now));
  }

  public KeyTree revokeAgent(String group, String agent, Instant now) {
    Node node = requireAgent(group, agent);
    return node.revoked()
        ? this
        : withAgent(new AgentRef(group, agent), new Node(node.epoch(), true, now));
  }

  /** Revokes the whole chain. */
  public KeyTree revokeRoot(Instant now) {
    return root.revoked() ? this : new KeyTree(new Node(root.epoch(), true, now), groups, agents);
  }

  /** Brings a revoked group back at a new epoch (its old keys stay dead). */
  public KeyTree reinstateGroup(String group, Instant now) {
    Node node = requireGroup(group);
    return node.revoked() ? withGroup(group, new Node(node.epoch() + 1, false, now)) : this;
  }

  /** Brings a revoked agent back at a new epoch (its old keys stay dead). */
  public KeyTree reinstateAgent(String group, String agent, Instant now) {
    Node node = requireAgent(group, agent);
    return node.revoked()
        ? withAgent(new AgentRef(group, agent), new Node(node.epoch() + 1, false, now))
        : this;
  }

  /**
   * The epochs to derive an agent's current sub key from.
   *
   * @throws KeyRevokedException if the agent, its group or the root is revoked
   */
  public SubKeyEpochs subKeyEpochs(String group, String agent) {
    Node g = requireGroup(group);
    Node a = requireAgent(group, agent);
    if (root.revoked()) {
      throw new KeyRevokedException("the chain root is revoked");
    }
    if (g.revoked()) {
      throw new KeyRevokedException("group " + group + " is revoked");
    }
    if (a.revoked()) {
      throw new KeyRevokedException("agent " + agent + " of group " + group + " is revoked");
    }
    return new SubKeyEpochs(root.epoch(), g.epoch(), a.epoch());
  }

  private KeyTree withGroup(String group, Node node) {
    Map<String, Node> next = new HashMap<>(groups);
    next.put(group, node);
    return new KeyTree(root, next, agents);
  }

  private KeyTree withAgent(AgentRef ref, Node node) {
    Map<AgentRef, Node> next = new HashMap<>(agents);
    next.put(ref, node);
    return new KeyTree(root, groups, next);
  }

  private Node requireGroup(String group) {
    Node node = groups.get(Objects.requireNonNull(group, "group"));
    if (node == null) {
      throw new IllegalArgumentException("no group " + group + " in this chain");
    }
    return node;
  }

  private Node requireAgent(String group, String agent) {
    Node node = agents.get(new AgentRef(group, agent));
    if (node == null) {
      throw new IllegalArgumentException("no agent " + agent + " in group " + group);
    }
    return node;
  }

  private static void requireLive(String what, Node node) {
    if (node.revoked()) {
      throw new KeyRevokedException(what + " is revoked; reinstate it before rotating");
    }
  }
}
