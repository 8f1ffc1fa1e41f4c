package dev.keychain.operator.informers;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.function.Consumer;

/**
 * An informer handler for caches that only care whether an object is there: an add and an update
 * are both "seen" (the newer object), a delete is "gone".
 */
public record SeenOrGone<T>(Consumer<T> seen, Consumer<T> gone) implements ResourceEventHandler<T> {
  @Override
  public void onAdd(T object) {
    seen.accept(object);
  }

  @Override
  public void onUpdate(T old, T object) {
    seen.accept(object);
  }

  @Override
  public void onDelete(T object, boolean unknownFinalState) {
    gone.accept(object);
  }
}
