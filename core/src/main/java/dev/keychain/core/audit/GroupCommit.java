package dev.keychain.core.audit;

import java.util.List;
import java.util.function.Supplier;

/**
 * Group commit for appenders that must not return before their record is durable: each appender
 * takes a ticket under the appenders' lock after appending, then waits; one waiter at a time (the
 * leader) flushes everything appended so far under that lock and forces it outside the lock, which
 * makes every ticket up to that point durable at once. Under concurrent load one fsync covers many
 * records; alone, an appender pays exactly one fsync, as before.
 */
public final class GroupCommit {
  private final Object appendLock;
  private final Supplier<List<Runnable>> flush;
  private long issued; // guarded by appendLock
  private long durable; // guarded by this
  private boolean syncing; // guarded by this
  private long syncs; // guarded by this

  /**
   * @param appendLock the lock appenders hold while appending (and taking tickets)
   * @param flush called under {@code appendLock}: writes what was appended and returns the force
   *     steps that make it durable
   */
  public GroupCommit(Object appendLock, Supplier<List<Runnable>> flush) {
    this.appendLock = appendLock;
    this.flush = flush;
  }

  /** A ticket for what the caller just appended; call while holding the append lock. */
  public long ticket() {
    if (!Thread.holdsLock(appendLock)) {
      throw new IllegalStateException("tickets are taken under the append lock");
    }
    return ++issued;
  }

  /** Returns once everything up to {@code ticket} is durable. */
  public void awaitDurable(long ticket) {
    synchronized (this) {
      while (durable < ticket) {
        if (!syncing) {
          syncing = true;
          break;
        }
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AuditLogException(
              AuditLogException.Kind.IO, "interrupted while waiting for the audit log sync", e);
        }
      }
      if (durable >= ticket) {
        return;
      }
    }
    // Leader: what is durable advances only if the flush and every force succeeded; otherwise
    // the leader's caller gets the error and the next waiter tries again.
    long covered = 0;
    boolean succeeded = false;
    try {
      List<Runnable> forces;
      synchronized (appendLock) {
        covered = issued;
        forces = flush.get();
      }
      // every log is forced even if one fails (a full disk there), then the first failure tells
      RuntimeException failure = null;
      for (Runnable force : forces) {
        try {
          force.run();
        } catch (RuntimeException e) {
          failure = failure == null ? e : failure;
        }
      }
      if (failure != null) {
        throw failure;
      }
      succeeded = true;
    } finally {
      synchronized (this) {
        if (succeeded && covered > durable) {
          durable = covered;
        }
        syncing = false;
        syncs++;
        notifyAll();
      }
    }
  }

  /** How many syncs ran (each covering one or more tickets). */
  public synchronized long syncs() {
    return syncs;
  }
}
