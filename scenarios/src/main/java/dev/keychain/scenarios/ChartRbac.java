package dev.keychain.scenarios;

import dev.keychain.testing.controlplane.ControlPlaneBinaries;
import dev.keychain.testing.fixtures.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the Helm chart renders for the operator's identity and webhooks: its ServiceAccount,
 * ClusterRole and Role with their bindings, and the two webhook configurations. The RBAC scenarios
 * install exactly these (optionally with one rule taken out) and run the operator with a token of
 * that ServiceAccount.
 */
public final class ChartRbac {
  public static final String RELEASE = "keychain-operator";

  /** One rule of the chart's ClusterRole or Role, by position. */
  public record RuleRef(String kind, int index, PolicyRule rule) {
    public String describe() {
      String names =
          rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
              ? ""
              : " names " + rule.getResourceNames();
      List<String> groups =
          rule.getApiGroups().stream().map(g -> g.isEmpty() ? "core" : g).toList();
      return kind
          + " rule "
          + index
          + " ("
          + String.join(",", groups)
          + ": "
          + rule.getResources()
          + " "
          + rule.getVerbs()
          + names
          + ")";
    }
  }

  /** One granted (API group, resource, verb) triple; the resource may name a subresource. */
  public record Permission(String group, String resource, String verb) {
    @Override
    public String toString() {
      return (group.isEmpty() ? "core" : group) + "/" + resource + ":" + verb;
    }
  }

  private final String namespace;
  private final ServiceAccount serviceAccount;
  private final ClusterRole clusterRole;
  private final ClusterRoleBinding clusterRoleBinding;
  private final Role role;
  private final RoleBinding roleBinding;
  private final List<MutatingWebhookConfiguration> mutating;
  private final MutatingWebhookConfiguration injection;
  private final ValidatingWebhookConfiguration images;

  private ChartRbac(String namespace, List<HasMetadata> objects) {
    this.namespace = namespace;
    this.serviceAccount = only(objects, ServiceAccount.class);
    this.clusterRole = only(objects, ClusterRole.class);
    this.clusterRoleBinding = only(objects, ClusterRoleBinding.class);
    this.role = only(objects, Role.class);
    this.roleBinding = only(objects, RoleBinding.class);
    // Agent injection, and digest pinning before image admission.
    this.mutating =
        objects.stream()
            .filter(MutatingWebhookConfiguration.class::isInstance)
            .map(MutatingWebhookConfiguration.class::cast)
            .toList();
    this.injection =
        mutating.stream()
            .filter(m -> m.getMetadata().getName().endsWith("-injection"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("the chart renders no injection webhook"));
    this.images = only(objects, ValidatingWebhookConfiguration.class);
  }

  /** Renders the chart with its default values into {@code namespace}. */
  public static ChartRbac render(Helm helm, String namespace) {
    String yaml =
        helm.template(
            OperatorProcess.root().resolve("helm/keychain-operator"),
            RELEASE,
            namespace,
            List.of("--kube-version", ControlPlaneBinaries.version()));
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (document.lines().anyMatch(l -> !l.isBlank() && !l.startsWith("#"))) {
        objects.add(serialization.unmarshal(document, HasMetadata.class));
      }
    }
    return new ChartRbac(namespace, objects);
  }

  private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    if (found.size() != 1) {
      throw new IllegalStateException(
          "the chart renders " + found.size() + " " + type.getSimpleName() + " objects, not 1");
    }
    return found.get(0);
  }

  public String serviceAccountName() {
    return serviceAccount.getMetadata().getName();
  }

  /** The user the API server sees for the chart's ServiceAccount (its audit log names it so). */
  public String userName() {
    return "system:serviceaccount:" + namespace + ":" + serviceAccountName();
  }

  /** Every rule of the ClusterRole and the Role. */
  public List<RuleRef> rules() {
    List<RuleRef> rules = new ArrayList<>();
    for (int i = 0; i < clusterRole.getRules().size(); i++) {
      rules.add(new RuleRef("ClusterRole", i, clusterRole.getRules().get(i)));
    }
    for (int i = 0; i < role.getRules().size(); i++) {
      rules.add(new RuleRef("Role", i, role.getRules().get(i)));
    }
    return rules;
  }

  /** Every (group, resource, verb) the rules grant. */
  public Set<Permission> permissions() {
    Set<Permission> granted = new LinkedHashSet<>();
    for (RuleRef ref : rules()) {
      for (String group : ref.rule().getApiGroups()) {
        for (String resource : ref.rule().getResources()) {
          for (String verb : ref.rule().getVerbs()) {
            granted.add(new Permission(group, resource, verb));
          }
        }
      }
    }
    return granted;
  }

  /**
   * Applies the ServiceAccount, roles and bindings as rendered, except for rule {@code without}
   * when present; the roles are replaced, so a rule taken out before is back afterwards.
   */
  public void apply(KubernetesClient admin, Optional<RuleRef> without) {
    ClusterRole cr = Serialization.clone(clusterRole);
    Role r = Serialization.clone(role);
    without.ifPresent(
        ref -> {
          if (ref.kind().equals("ClusterRole")) {
            cr.getRules().remove(ref.index());
          } else {
            r.getRules().remove(ref.index());
          }
        });
    for (HasMetadata object : List.of(serviceAccount, cr, clusterRoleBinding, r, roleBinding)) {
      object.getMetadata().setResourceVersion(null);
      admin.resource(object).forceConflicts().serverSideApply();
    }
  }

  /**
   * Registers the chart's webhook configurations as rendered (selectors, rules, failure policy, no
   * caBundle: the operator writes it), calling the operator on loopback instead of through its
   * Service, which needs a cluster network.
   */
  public void registerWebhooks(KubernetesClient admin, int port) {
    ValidatingWebhookConfiguration v = Serialization.clone(images);
    v.getWebhooks().forEach(w -> w.setClientConfig(loopback(w.getClientConfig(), port)));
    deleteWebhooks(admin);
    for (MutatingWebhookConfiguration rendered : mutating) {
      MutatingWebhookConfiguration m = Serialization.clone(rendered);
      m.getWebhooks().forEach(w -> w.setClientConfig(loopback(w.getClientConfig(), port)));
      admin.resource(m).create();
    }
    admin.resource(v).create();
  }

  public void deleteWebhooks(KubernetesClient admin) {
    for (MutatingWebhookConfiguration m : mutating) {
      admin
          .admissionRegistration()
          .v1()
          .mutatingWebhookConfigurations()
          .withName(m.getMetadata().getName())
          .withTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
          .delete();
    }
    admin
        .admissionRegistration()
        .v1()
        .validatingWebhookConfigurations()
        .withName(images.getMetadata().getName())
        .withTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
        .delete();
  }

  public String injectionNamespaceLabel() {
    return injection
        .getWebhooks()
        .get(0)
        .getNamespaceSelector()
        .getMatchExpressions()
        .get(0)
        .getKey();
  }

  public String imageAdmissionNamespaceLabel() {
    return images.getWebhooks().get(0).getNamespaceSelector().getMatchExpressions().get(0).getKey();
  }

  private static WebhookClientConfig loopback(WebhookClientConfig config, int port) {
    WebhookClientConfig local = new WebhookClientConfig();
    local.setUrl("https://127.0.0.1:" + port + config.getService().getPath());
    return local;
  }
}
