package dev.keychain.core.audit;

/**
 * Where a log's durable data ended at some moment: the last segment and its length. Verification
 * bounded by it reads exactly the log as it was then, while appends go on after it.
 */
public record LogEnd(int segment, long length) {
  public LogEnd {
    if (segment < 0 || length < 0) {
      throw new IllegalArgumentException("segment and length must not be negative");
    }
  }
}
