package dev.keychain.operator.chain;

import dev.keychain.core.keyset.EpochRegressionException;
import dev.keychain.core.keyset.InstanceKeyset;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * Writes changes to chain keysets with group commit: every instance of a chain shares one Secret,
 * so concurrent reconciles would otherwise each read, conflict and retry (quadratic in the number
 * of instances). Changes queue per chain; whoever holds the chain's lock applies every queued
 * change to the stored keyset and writes them in one update at its resourceVersion, re-reading and
 * re-applying on a conflict with another writer (a group rotation).
 */
final class KeysetWrites {
  private static final int CONFLICT_ATTEMPTS = 5;

  /** A change to a chain's instance keyset; refuses with the reason if it would lower an epoch. */
  @FunctionalInterface
  interface Change {
    InstanceKeyset apply(InstanceKeyset current) throws EpochRegressionException;
  }

  private record Pending(Change change, CompletableFuture<InstanceKeyset> done) {}

  private static final class Queue {
    final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
  }

  private final ChainSecrets secrets;
  private final Keysets keysets;
  private final Function<KeyChain, Optional<SealedChain>> cached;
  private final ConcurrentHashMap<String, Queue> queues = new ConcurrentHashMap<>();

  /** {@code cached}: this replica's view of a chain Secret (see {@link ChainVault#cached}). */
  KeysetWrites(
      ChainSecrets secrets, Keysets keysets, Function<KeyChain, Optional<SealedChain>> cached) {
    this.secrets = secrets;
    this.keysets = keysets;
    this.cached = cached;
  }

  /**
   * Applies {@code change} to the keyset as stored and returns the keyset written with it.
   *
   * @throws ChainProblem EpochRegression if the change would lower an epoch (it alone is left out),
   *     ChainNotInitialized if the chain has no Secret
   */
  InstanceKeyset store(KeyChain chain, Change change) {
    Queue queue =
        queues.computeIfAbsent(
            chain.getMetadata().getNamespace() + "/" + chain.getMetadata().getName(),
            k -> new Queue());
    Pending mine = new Pending(change, new CompletableFuture<>());
    queue.pending.add(mine);
    synchronized (queue) {
      // A writer before us may have taken ours into its batch already.
      if (!mine.done().isDone()) {
        List<Pending> batch = new ArrayList<>();
        for (Pending p; (p = queue.pending.poll()) != null; ) {
          batch.add(p);
        }
        write(chain, batch);
      }
    }
    try {
      return mine.done().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  private void write(KeyChain chain, List<Pending> batch) {
    try {
      for (int attempt = 1; ; attempt++) {
        // The first attempt trusts this replica's view; a conflict says it was stale: read afresh.
        SealedChain current =
            attempt == 1
                ? cached.apply(chain).orElseThrow(() -> ChainProblem.notInitialized(chain))
                : secrets.require(chain);
        InstanceKeyset next = current.instances();
        // One refused change is left out; the rest of the batch is written.
        List<ChainProblem> refused = new ArrayList<>();
        for (Pending p : batch) {
          try {
            next = p.change().apply(next);
            refused.add(null);
          } catch (EpochRegressionException e) {
            refused.add(
                new ChainProblem(
                    "EpochRegression", "refused to lower an epoch: " + e.getMessage()));
          } catch (ChainProblem e) {
            refused.add(e); // the change's own precondition failed
          }
        }
        InstanceKeyset stored;
        if (next.equals(current.instances())) {
          stored = next;
        } else {
          try {
            SealedChain written = secrets.update(chain, current, next);
            keysets.written(chain, written);
            stored = written.instances();
          } catch (KubernetesClientException e) {
            if (e.getCode() == 409 && attempt < CONFLICT_ATTEMPTS) {
              continue;
            }
            if (e.getCode() == 422 && String.valueOf(e.getMessage()).contains("Too long")) {
              throw new ChainProblem(
                  "KeysetFull",
                  "the keyset of KeyChain "
                      + chain.getMetadata().getName()
                      + " ("
                      + next.instances().size()
                      + " instances) no longer fits its Secret; spread the instances over more"
                      + " chains");
            }
            throw e;
          }
        }
        for (int i = 0; i < batch.size(); i++) {
          if (refused.get(i) == null) {
            batch.get(i).done().complete(stored);
          } else {
            batch.get(i).done().completeExceptionally(refused.get(i));
          }
        }
        return;
      }
    } catch (RuntimeException e) {
      batch.forEach(p -> p.done().completeExceptionally(e));
    }
  }
}
