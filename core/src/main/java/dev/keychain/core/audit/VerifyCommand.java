package dev.keychain.core.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Command-line verifier for a copied audit log:
 *
 * <pre>
 *   keychain-audit-verify --dir DIR [--k0-file FILE] [--public-key HEX]
 *       [--head cp1... | --head-note FILE --note-key VKEY] [--range A:B]
 *       [--receipt JSON|@FILE [--receipt-log NS/NAME] [--pod NS/NAME]]
 * </pre>
 *
 * With {@code --k0-file} (the hex of K_0, given to the auditor) every checkpoint MAC is checked;
 * with {@code --public-key} (for logs with signed checkpoints) every checkpoint signature is; both
 * may be given. With {@code --head} (a head from a place the log's tenant cannot write, see
 * docs/security.md) truncation and rewritten history are caught; {@code --head-note} takes that
 * head as a signed C2SP checkpoint ({@link HeadNote}), checked with the verifier key {@code
 * --note-key}. What could not be checked for want of a key or a head is printed as "not checked:
 * ...". {@code --range} checks only records A..B-1 against the head's root with a range proof.
 * {@code --receipt} checks an admission receipt (the value of a pod's annotation {@value
 * AdmissionReceipt#ANNOTATION}) offline: the record it names is the admission of that pod, its
 * SHA-256 is the decision ID, and an inclusion proof puts it in the head's tree. Exit code 0 when
 * the log verifies, 1 when it does not, 2 on bad usage.
 */
public final class VerifyCommand {
  private VerifyCommand() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    Path dir = null;
    Path k0File = null;
    byte[] publicKey = null;
    Checkpoint head = null;
    long[] range = null;
    Path headNote = null;
    String noteKey = null;
    String receiptText = null;
    String receiptLog = null;
    String expectedPod = null;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--dir" -> dir = Path.of(args[++i]);
          case "--k0-file" -> k0File = Path.of(args[++i]);
          case "--head" -> head = Checkpoint.parse(args[++i]);
          case "--public-key" -> publicKey = HexFormat.of().parseHex(args[++i]);
          case "--head-note" -> headNote = Path.of(args[++i]);
          case "--note-key" -> noteKey = args[++i];
          case "--receipt" -> receiptText = args[++i];
          case "--receipt-log" -> receiptLog = args[++i];
          case "--pod" -> expectedPod = args[++i];
          case "--range" -> {
            String[] p = args[++i].split(":");
            range = new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])};
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (dir == null) {
        throw new IllegalArgumentException("--dir is required");
      }
      if ((headNote == null) != (noteKey == null)) {
        throw new IllegalArgumentException("--head-note and --note-key go together");
      }
      if (headNote != null && head != null) {
        throw new IllegalArgumentException("give --head or --head-note, not both");
      }
      if (headNote != null) {
        try {
          head = HeadNote.open(Files.readString(headNote), noteKey);
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot read " + headNote + ": " + e.getMessage());
        }
      }
      if (receiptText != null && head == null) {
        throw new IllegalArgumentException(
            "--receipt needs --head or --head-note (the head to prove the record against)");
      }
      if (range != null && head == null) {
        throw new IllegalArgumentException(
            "--range needs --head (the checkpoint to prove against)");
      }
    } catch (RuntimeException e) {
      err.println(
          "usage: keychain-audit-verify --dir DIR [--k0-file FILE] [--public-key HEX]"
              + " [--head cp1... | --head-note FILE --note-key VKEY] [--range A:B]"
              + " [--receipt JSON|@FILE [--receipt-log NS/NAME] [--pod NS/NAME]]");
      err.println("error: " + e.getMessage());
      return 2;
    }
    AdmissionReceipt receipt = null;
    if (receiptText != null) {
      try {
        receipt = chooseReceipt(readReceipt(receiptText), receiptLog);
        if (expectedPod != null && !expectedPod.equals(receipt.pod())) {
          out.println("FAILED: the receipt is of pod " + receipt.pod() + ", not of " + expectedPod);
          return 1;
        }
      } catch (IllegalArgumentException e) {
        err.println("error: " + e.getMessage());
        return 2;
      }
    }
    try {
      if (receipt != null) {
        return verifyReceipt(dir, head, receipt, out);
      }
      if (range != null) {
        return verifyRange(dir, head, range[0], range[1], out);
      }
      if (k0File == null && publicKey == null) {
        return verifyAgainstHead(dir, head, out);
      }
      Optional<byte[]> k0 =
          k0File == null
              ? Optional.empty()
              : Optional.of(HexFormat.of().parseHex(Files.readString(k0File).trim()));
      AuditLogVerifier.Report report;
      try {
        report =
            AuditLogVerifier.verify(
                dir,
                new AuditLogVerifier.Keys(
                    k0, Optional.ofNullable(publicKey), Optional.ofNullable(head)),
                1);
      } finally {
        k0.ifPresent(k -> java.util.Arrays.fill(k, (byte) 0));
      }
      if (report.tornTail() != null) {
        out.println("note: torn tail ignored (" + report.tornTail() + ")");
      }
      if (!report.ok()) {
        out.println("FAILED: " + report.problem().orElseThrow());
        return 1;
      }
      List<String> checked = new ArrayList<>();
      k0.ifPresent(k -> checked.add("MACs with K_0"));
      if (publicKey != null) {
        checked.add("signatures with the public key");
      }
      if (head != null) {
        checked.add("against the trusted head");
      }
      out.println(
          "OK: "
              + report.records()
              + " records, "
              + report.checkpoints()
              + " checkpoints verified ("
              + String.join(", ", checked)
              + ")");
      for (String missing : report.notChecked()) {
        out.println("not checked: " + missing);
      }
      if (head == null) {
        out.println(
            "hint: a trusted head comes from where the log's writer and its volume cannot reach:"
                + " the note in Secret audit.<namespace>.<name> of the operator's namespace"
                + " (data.note) or a witness's copy; pass it with --head-note and --note-key");
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      out.println("FAILED: " + e.getMessage());
      return 1;
    }
  }

  private static List<AdmissionReceipt> readReceipt(String text) {
    if (text.startsWith("@")) {
      try {
        text = Files.readString(Path.of(text.substring(1)));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read " + text.substring(1) + ": " + e.getMessage());
      }
    }
    return AdmissionReceipt.parse(text.trim());
  }

  /** The receipt for {@code log} (required when the annotation lists receipts of several logs). */
  private static AdmissionReceipt chooseReceipt(List<AdmissionReceipt> receipts, String log) {
    if (log == null) {
      if (receipts.size() > 1) {
        throw new IllegalArgumentException(
            "the annotation has receipts of several logs ("
                + String.join(", ", receipts.stream().map(AdmissionReceipt::log).toList())
                + "): choose one with --receipt-log");
      }
      return receipts.get(0);
    }
    return receipts.stream()
        .filter(r -> r.log().equals(log))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no receipt of log " + log));
  }

  /**
   * The receipt's record: present, the one the decision ID names, the admission of the pod it
   * names, and included in the head's tree.
   */
  private static int verifyReceipt(
      Path dir, Checkpoint head, AdmissionReceipt receipt, PrintStream out) throws IOException {
    // retention: the pruned records are gone, their frontier continues the tree
    Optional<PruneMarker> marker = PruneMarker.read(dir);
    long pruned = marker.map(PruneMarker::records).orElse(0L);
    List<byte[]> records = new ArrayList<>();
    for (LogFrames.Frame f : LogFrames.scan(dir).frames()) {
      if (f.type() == LogFrames.RECORD) {
        records.add(f.payload());
      }
    }
    long index = receipt.index();
    if (index < pruned) {
      out.println(
          "FAILED: record "
              + index
              + " was pruned by retention (the log starts at "
              + pruned
              + ")");
      return 1;
    }
    if (index >= pruned + records.size()) {
      out.println(
          "FAILED: the log holds records up to "
              + (pruned + records.size())
              + "; the receipt names record "
              + index);
      return 1;
    }
    byte[] record = records.get((int) (index - pruned));
    String decision = AdmissionReceipt.decisionOf(record);
    if (!decision.equals(receipt.decision())) {
      out.println(
          "FAILED: record "
              + index
              + " is not decision "
              + receipt.decision()
              + " (its SHA-256 is "
              + decision
              + ")");
      return 1;
    }
    AuditEvent event;
    try {
      event =
          AuditEvent.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().readTree(record));
    } catch (IOException | IllegalArgumentException e) {
      out.println("FAILED: record " + index + " is not an audit event: " + e.getMessage());
      return 1;
    }
    String pod = event.namespace() + "/" + event.name();
    String uid = event.attributes().getOrDefault("uid", "");
    if (event.type() != AuditEventType.ADMISSION_ALLOWED
        || !"Pod".equals(event.kind())
        || !pod.equals(receipt.pod())
        || !uid.equals(receipt.uid())) {
      out.println(
          "FAILED: record "
              + index
              + " is "
              + event.type()
              + " of "
              + event.kind()
              + " "
              + pod
              + " (uid "
              + uid
              + "), not the admission of pod "
              + receipt.pod()
              + " (uid "
              + receipt.uid()
              + ")");
      return 1;
    }
    if (index >= head.treeSize()) {
      out.println(
          "FAILED: record "
              + index
              + " is not under the head (tree size "
              + head.treeSize()
              + "): take a newer head");
      return 1;
    }
    MerkleTree tree = PruneMarker.startTree(marker);
    records.forEach(r -> tree.appendLeafHash(MerkleHashes.leaf(r)));
    List<byte[]> proof = tree.inclusionProof(index, head.treeSize());
    if (!MerkleProofs.verifyInclusion(
        MerkleHashes.leaf(record), index, head.treeSize(), proof, head.root())) {
      out.println("FAILED: record " + index + " is not in the head's tree (the log was rewritten)");
      return 1;
    }
    out.println(
        "OK: decision "
            + decision
            + " ("
            + event.type()
            + " of pod "
            + pod
            + ", "
            + event.reason()
            + ") is record "
            + index
            + ", included in the head's tree of "
            + head.treeSize()
            + " records");
    out.println("inclusion proof (" + proof.size() + " hashes):");
    proof.forEach(h -> out.println("  " + HexFormat.of().formatHex(h)));
    return 0;
  }

  private static List<byte[]> leafHashes(Path dir) throws IOException {
    List<byte[]> leaves = new ArrayList<>();
    for (LogFrames.Frame f : LogFrames.scan(dir).frames()) {
      if (f.type() == LogFrames.RECORD) {
        leaves.add(MerkleHashes.leaf(f.payload()));
      }
    }
    return leaves;
  }

  /** Without K_0: the records must reproduce the head's root (no MACs checked). */
  private static int verifyAgainstHead(Path dir, Checkpoint head, PrintStream out)
      throws IOException {
    if (head == null) {
      throw new IllegalArgumentException("give --k0-file, --head or both");
    }
    MerkleTree tree = new MerkleTree();
    leafHashes(dir).forEach(tree::appendLeafHash);
    if (tree.size() < head.treeSize()) {
      out.println(
          "FAILED: log holds "
              + tree.size()
              + " records, head has "
              + head.treeSize()
              + " (truncated)");
      return 1;
    }
    if (!java.security.MessageDigest.isEqual(tree.root(head.treeSize()), head.root())) {
      out.println("FAILED: the first " + head.treeSize() + " records do not match the head's root");
      return 1;
    }
    out.println(
        "OK: the first " + head.treeSize() + " records match the head (MACs not checked: no K_0)");
    return 0;
  }

  private static int verifyRange(Path dir, Checkpoint head, long a, long b, PrintStream out)
      throws IOException {
    List<byte[]> leaves = leafHashes(dir);
    MerkleTree tree = new MerkleTree();
    leaves.forEach(tree::appendLeafHash);
    if (b > head.treeSize() || a < 0 || a >= b) {
      out.println(
          "FAILED: range "
              + a
              + ":"
              + b
              + " is not within the head's "
              + head.treeSize()
              + " records");
      return 1;
    }
    List<byte[]> proof = tree.rangeProof(a, b, head.treeSize());
    boolean ok =
        MerkleProofs.verifyRange(
            leaves.subList((int) a, (int) b), a, head.treeSize(), proof, head.root());
    out.println(
        (ok ? "OK: records " : "FAILED: records ")
            + a
            + ".."
            + (b - 1)
            + (ok ? " are in the head's tree" : " do not match the head's root")
            + " ("
            + proof.size()
            + " proof hashes)");
    return ok ? 0 : 1;
  }
}
