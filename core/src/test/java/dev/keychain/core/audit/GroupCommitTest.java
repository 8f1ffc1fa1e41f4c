package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
  /** A fake log: appended and durable positions, a force that takes a while. */
  private static final class FakeLog {
    long appended;
    final AtomicLong written = new AtomicLong();
    final AtomicLong durable = new AtomicLong();
    volatile boolean failNext;

    List<Runnable> flush() {
      long upTo = appended;
      written.set(upTo);
      return List.of(
          () -> {
            if (failNext) {
              failNext = false;
              throw new AuditLogException(AuditLogException.Kind.IO, "disk full");
            }
            try {
              Thread.sleep(2);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            durable.accumulateAndGet(upTo, Math::max);
          });
    }
  }

  @Test
  void neverReturnsBeforeTheCallersRecordIsDurable() throws Exception {
    FakeLog log = new FakeLog();
    Object lock = new Object();
    GroupCommit commit = new GroupCommit(lock, log::flush);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      futures.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 100; i++) {
                  long position;
                  long ticket;
                  synchronized (lock) {
                    position = ++log.appended;
                    ticket = commit.ticket();
                  }
                  commit.awaitDurable(ticket);
                  assertTrue(
                      log.durable.get() >= position,
                      "record " + position + " acknowledged before it was durable");
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    assertEquals(800, log.durable.get());
  }

  @Test
  void aFailedSyncIsReportedAndRetriedByTheNextWaiter() {
    FakeLog log = new FakeLog();
    Object lock = new Object();
    GroupCommit commit = new GroupCommit(lock, log::flush);
    long ticket;
    synchronized (lock) {
      log.appended++;
      ticket = commit.ticket();
    }
    log.failNext = true;
    assertThrows(AuditLogException.class, () -> commit.awaitDurable(ticket));
    assertEquals(0, log.durable.get());
    commit.awaitDurable(ticket); // not durable yet: this waiter syncs again
    assertEquals(1, log.durable.get());
  }

  @Test
  void aLogThatFailsToSyncDoesNotKeepTheOthersFromBeingForced() {
    FakeLog full = new FakeLog();
    FakeLog healthy = new FakeLog();
    Object lock = new Object();
    GroupCommit commit =
        new GroupCommit(
            lock,
            () -> {
              List<Runnable> forces = new ArrayList<>(full.flush());
              forces.addAll(healthy.flush());
              return forces;
            });
    long ticket;
    synchronized (lock) {
      full.appended++;
      healthy.appended++;
      ticket = commit.ticket();
    }
    full.failNext = true;
    AuditLogException e = assertThrows(AuditLogException.class, () -> commit.awaitDurable(ticket));
    assertTrue(e.getMessage().contains("disk full"), e.getMessage());
    assertEquals(1, healthy.durable.get(), "the healthy log was not forced");
  }

  @Test
  void ticketsAreTakenUnderTheAppendLock() {
    GroupCommit commit = new GroupCommit(new Object(), List::of);
    assertThrows(IllegalStateException.class, commit::ticket);
  }
}
