package dev.keychain.core.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PredicateConditionTest {
  static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s.replace('\'', '"'));
  }

  @Test
  void readsTheBuilderWhereEachSlsaVersionKeepsIt() throws Exception {
    assertEquals(
        Optional.empty(),
        PredicateCondition.builderId(PredicateTypes.SLSA_PROVENANCE_V02, "b")
            .unmet(json("{'builder':{'id':'b'}}")));
    assertEquals(
        Optional.empty(),
        PredicateCondition.builderId(PredicateTypes.SLSA_PROVENANCE_V1, "b")
            .unmet(json("{'runDetails':{'builder':{'id':'b'}}}")));
    assertEquals(
        Optional.of("builderId is absent (/runDetails/builder/id)"),
        PredicateCondition.builderId(PredicateTypes.SLSA_PROVENANCE_V1, "b")
            .unmet(json("{'builder':{'id':'b'}}")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://github.com/example/app",
        "git+https://github.com/example/app@refs/heads/main",
        "https://GITHUB.com/example/app.git",
        "git+https://github.com/example/app.git@v1.2.3",
        "https://github.com/example/app/",
      })
  void sourceRepositorySpellingsAreOneRepository(String spelling) throws Exception {
    PredicateCondition c =
        PredicateCondition.sourceRepository(
            PredicateTypes.SLSA_PROVENANCE_V02, "https://github.com/example/app");
    assertEquals(
        Optional.empty(),
        c.unmet(json("{'invocation':{'configSource':{'uri':'" + spelling + "'}}}")));
  }

  @Test
  void repositoryPathCaseAndOtherReposDiffer() throws Exception {
    PredicateCondition c =
        PredicateCondition.sourceRepository(
            PredicateTypes.SLSA_PROVENANCE_V1, "https://github.com/example/app");
    assertEquals(
        Optional.of(
            "sourceRepository is 'https://github.com/example/App', not 'https://github.com/example/app'"),
        c.unmet(
            json(
                "{'buildDefinition':{'externalParameters':{'workflow':{'repository':'https://github.com/example/App'}}}}")));
    assertEquals(
        Optional.of(
            "sourceRepository is 'https://github.com/example/app-fork', not 'https://github.com/example/app'"),
        c.unmet(
            json(
                "{'buildDefinition':{'externalParameters':{'workflow':{'repository':'https://github.com/example/app-fork'}}}}")));
  }

  @Test
  void theFirstPresentFieldDecides() throws Exception {
    PredicateCondition c =
        PredicateCondition.sourceRepository(
            PredicateTypes.SLSA_PROVENANCE_V1, "https://github.com/example/app");
    // a matching dependency cannot make up for a workflow repository that does not match
    assertEquals(
        Optional.of(
            "sourceRepository is 'https://evil.example/x', not 'https://github.com/example/app'"),
        c.unmet(
            json(
                "{'buildDefinition':{'externalParameters':{'workflow':{'repository':'https://evil.example/x'}},"
                    + "'resolvedDependencies':[{'uri':'git+https://github.com/example/app@main'}]}}")));
  }

  @Test
  void pointerConditionsCompareScalarsAsText() throws Exception {
    assertEquals(
        Optional.empty(), PredicateCondition.at("/a/0/n", "3").unmet(json("{'a':[{'n':3}]}")));
    assertEquals(
        Optional.of("/a (/a) is not a string"),
        PredicateCondition.at("/a", "3").unmet(json("{'a':{'n':3}}")));
  }

  @Test
  void slsaConditionsNeedSlsaPredicates() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PredicateCondition.builderId(PredicateTypes.SPDX, "b"));
    assertEquals(
        "builderId applies to SLSA provenance (v0.2 or v1), not to https://spdx.dev/Document",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PredicateCondition.at("no-slash", "x"));
  }
}
