package dev.keychain.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The kube-apiserver's own audit log (JSON lines, written with {@link #policy}): which requests a
 * user made and whether they were allowed. The RBAC scenarios read it to show that every verb the
 * chart grants is one the operator really uses.
 */
public final class ApiAuditLog {
  /** Metadata of every request of the operator's ServiceAccount, nothing else. */
  public static String policy(String user) {
    return """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived"]
        rules:
          - level: Metadata
            users: ["%s"]
          - level: None
        """
        .formatted(user);
  }

  /** The API server flags that write the audit log to {@code log} with {@code policyFile}. */
  public static List<String> apiServerFlags(Path policyFile, Path log) {
    return List.of(
        "--audit-policy-file=" + policyFile, "--audit-log-path=" + log, "--audit-log-format=json");
  }

  private ApiAuditLog() {}

  /** The permissions {@code user} exercised and the API server allowed, as RBAC names them. */
  public static Set<ChartRbac.Permission> allowed(Path log, String user) {
    ObjectMapper json = new ObjectMapper();
    Set<ChartRbac.Permission> used = new HashSet<>();
    try (Stream<String> lines = Files.lines(log)) {
      for (String line : (Iterable<String>) lines::iterator) {
        JsonNode event = json.readTree(line);
        if (!user.equals(event.path("user").path("username").asText())
            || !"allow"
                .equals(event.path("annotations").path("authorization.k8s.io/decision").asText())) {
          continue;
        }
        JsonNode ref = event.path("objectRef");
        if (ref.isMissingNode() || ref.path("resource").asText().isEmpty()) {
          continue;
        }
        String resource = ref.path("resource").asText();
        if (!ref.path("subresource").asText().isEmpty()) {
          resource += "/" + ref.path("subresource").asText();
        }
        used.add(
            new ChartRbac.Permission(
                ref.path("apiGroup").asText(""), resource, event.path("verb").asText()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the API server audit log " + log, e);
    }
    return used;
  }
}
