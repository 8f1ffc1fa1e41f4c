package dev.keychain.operator.webhook;

import dev.keychain.core.auth.MasterIdentity;
import dev.keychain.core.tls.CertificateAuthority;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The operator's own PKI for its webhooks and its agent handshake: a CA kept in a Secret of the
 * operator's namespace, a serving certificate for the webhook Service and a master identity, both
 * issued in memory by each replica from that CA and renewed at two thirds of their lifetime.
 *
 * <p>CA rollover never leaves a window in which the API server or an agent distrusts a replica: a
 * next CA is first published beside the current one in the bundle (and the bundle injected into the
 * webhook configurations); only after {@code keychain.webhook.ca-promote-after} does it become the
 * issuer, and the old CA stays in the bundle until it expires.
 */
@Singleton
public class WebhookCertificates {
  private static final Logger LOG = Logger.getLogger(WebhookCertificates.class);
  static final String CURRENT_CERT = "tls.crt";
  static final String CURRENT_KEY = "tls.key";
  static final String NEXT_CERT = "next.crt";
  static final String NEXT_KEY = "next.key";
  static final String BUNDLE = "ca.crt";
  static final String NEXT_SINCE = "keychain.dev/next-ca-since";

  private final KubernetesClient client;
  private final CaBundleInjector injector;
  private final String namespace;
  private final String secretName;
  private final List<String> names;
  private final Duration caValidity;
  private final Duration certValidity;
  private final Duration promoteAfter;
  private final Optional<String> servingSecret;
  private String servedChainPem;
  private final RotatingKeyManager keyManager = new RotatingKeyManager();
  private final AtomicReference<Served> served = new AtomicReference<>();

  /** What this replica serves: its certificates, the CA that issued them and the bundle. */
  private record Served(
      CertificateAuthority.Issued serving,
      MasterIdentity identity,
      Instant renewAt,
      X509Certificate issuer,
      String bundlePem) {}

  public WebhookCertificates(
      KubernetesClient client,
      CaBundleInjector injector,
      @ConfigProperty(name = "keychain.operator.namespace") String namespace,
      @ConfigProperty(name = "keychain.webhook.service", defaultValue = "keychain-operator")
          String service,
      @ConfigProperty(name = "keychain.webhook.extra-sans") Optional<List<String>> extraSans,
      @ConfigProperty(name = "keychain.webhook.ca-secret", defaultValue = "keychain-operator-ca")
          String secretName,
      @ConfigProperty(name = "keychain.webhook.ca-validity", defaultValue = "P1825D")
          Duration caValidity,
      @ConfigProperty(name = "keychain.webhook.cert-validity", defaultValue = "P30D")
          Duration certValidity,
      @ConfigProperty(name = "keychain.webhook.ca-promote-after", defaultValue = "PT5M")
          Duration promoteAfter,
      @ConfigProperty(name = "keychain.webhook.serving-secret") Optional<String> servingSecret) {
    this.client = client;
    this.injector = injector;
    this.namespace = namespace;
    this.secretName = secretName;
    this.caValidity = caValidity;
    this.certValidity = certValidity;
    this.promoteAfter = promoteAfter;
    this.servingSecret = servingSecret.filter(n -> !n.isBlank());
    List<String> sans = new ArrayList<>();
    sans.add(service);
    sans.add(service + "." + namespace);
    sans.add(service + "." + namespace + ".svc");
    sans.add(service + "." + namespace + ".svc.cluster.local");
    extraSans.ifPresent(sans::addAll);
    this.names = List.copyOf(sans);
  }

  RotatingKeyManager keyManager() {
    return keyManager;
  }

  /** The PEM CA bundle agents and the API server trust (current CA, next or previous). */
  public String caBundlePem() {
    return current().bundlePem();
  }

  /** The master identity agents verify the handshake signature of. */
  public MasterIdentity masterIdentity() {
    return current().identity();
  }

  private Served current() {
    Served s = served.get();
    if (s == null) {
      throw new IllegalStateException("webhook certificates are not issued yet");
    }
    return s;
  }

  /**
   * Brings the CA Secret, this replica's certificates and the webhook configurations' bundle up to
   * date. Called at start and periodically; safe to call from every replica at once.
   */
  public synchronized void refresh(Instant now) {
    CaState ca = caState(now);
    Served s = served.get();
    boolean reissue =
        s == null || !s.issuer().equals(ca.current().certificate()) || !now.isBefore(s.renewAt());
    if (reissue) {
      CertificateAuthority.Issued serving =
          ca.current().issueServer(names.get(0), names, certValidity, now);
      CertificateAuthority.Issued identity =
          ca.current().issueIdentity(names.get(0) + "-master", certValidity, now);
      Served next =
          new Served(
              serving,
              new MasterIdentity(identity.key(), List.of(identity.certificate())),
              serving.renewAt(),
              ca.current().certificate(),
              ca.bundlePem());
      if (servingSecret.isEmpty()) {
        keyManager.install(serving);
      }
      served.set(next);
      LOG.infof(
          "webhook serving certificate and master identity issued (serial %s, valid until %s)",
          serving.certificate().getSerialNumber().toString(16), serving.notAfter());
    }
    String extraCa = "";
    try {
      extraCa = servingFromSecret().orElse("");
    } catch (RuntimeException e) {
      // Until cert-manager has written the Secret (or while it is broken), serve what we have.
      if (servedChainPem == null) {
        keyManager.install(served.get().serving());
      }
      LOG.warnf(
          "%s; serving the %s certificate meanwhile",
          e.getMessage(), servedChainPem == null ? "operator's own" : "last good");
    }
    String bundle = ca.bundlePem() + extraCa;
    Served latest = served.get();
    if (!latest.bundlePem().equals(bundle)) {
      served.set(
          new Served(
              latest.serving(), latest.identity(), latest.renewAt(), latest.issuer(), bundle));
    }
    injector.inject(bundle);
  }

  /**
   * With {@code keychain.webhook.serving-secret} (a kubernetes.io/tls Secret in the operator's
   * namespace, e.g. written by cert-manager): serves its {@code tls.crt} chain and {@code tls.key},
   * re-read at every refresh, and returns its {@code ca.crt} for the bundle (the operator's own CA
   * stays in the bundle: agents verify the master identity it certifies). A missing or malformed
   * Secret keeps the last good certificate and says what is wrong.
   */
  private Optional<String> servingFromSecret() {
    if (servingSecret.isEmpty()) {
      return Optional.empty();
    }
    String name = servingSecret.get();
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      throw new IllegalStateException(
          "serving certificate Secret " + namespace + "/" + name + " does not exist (yet)");
    }
    Map<String, String> data = decode(secret);
    String chainPem = data.get(CURRENT_CERT);
    String keyPem = data.get(CURRENT_KEY);
    if (chainPem == null || keyPem == null) {
      throw new IllegalStateException(
          "serving certificate Secret " + namespace + "/" + name + " lacks tls.crt or tls.key");
    }
    if (!chainPem.equals(servedChainPem)) {
      List<X509Certificate> chain =
          CertificateAuthority.Pem.certificates(chainPem, "tls.crt of Secret " + name);
      keyManager.install(
          chain, CertificateAuthority.Pem.privateKey(keyPem, "tls.key of Secret " + name));
      servedChainPem = chainPem;
      LOG.infof(
          "serving the certificate of Secret %s/%s (serial %s, valid until %s)",
          namespace,
          name,
          chain.get(0).getSerialNumber().toString(16),
          chain.get(0).getNotAfter().toInstant());
    }
    return Optional.ofNullable(data.get(BUNDLE));
  }

  /** The CA Secret's content, created or rolled over as due. */
  private record CaState(CertificateAuthority current, String bundlePem) {}

  private CaState caState(Instant now) {
    for (int attempt = 0; ; attempt++) {
      try {
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        if (secret == null) {
          return create(now);
        }
        return advance(secret, now);
      } catch (KubernetesClientException e) {
        // Another replica created or rolled the CA at the same moment: read what it wrote.
        if ((e.getCode() == 409 || e.getCode() == 422) && attempt < 3) {
          continue;
        }
        throw e;
      }
    }
  }

  private CaState create(Instant now) {
    CertificateAuthority ca = CertificateAuthority.create(caName(), caValidity, now);
    String bundle = CertificateAuthority.Pem.encode(ca.certificate());
    Map<String, String> data = new HashMap<>();
    data.put(CURRENT_CERT, bundle);
    data.put(CURRENT_KEY, CertificateAuthority.Pem.encode(ca.asIssued().key()));
    data.put(BUNDLE, bundle);
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(secretName)
                .withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "keychain-operator")
                .endMetadata()
                .withType("Opaque")
                .withData(encode(data))
                .build())
        .create();
    LOG.infof("created webhook CA in Secret %s/%s", namespace, secretName);
    return new CaState(ca, bundle);
  }

  private CaState advance(Secret secret, Instant now) {
    Map<String, String> data = decode(secret);
    CertificateAuthority current =
        CertificateAuthority.fromPem(required(data, CURRENT_CERT), required(data, CURRENT_KEY));
    Map<String, String> annotations =
        secret.getMetadata().getAnnotations() == null
            ? new HashMap<>()
            : new HashMap<>(secret.getMetadata().getAnnotations());
    boolean changed = false;
    if (data.containsKey(NEXT_CERT)) {
      Instant since = Instant.parse(annotations.getOrDefault(NEXT_SINCE, now.toString()));
      if (!now.isBefore(since.plus(promoteAfter))) {
        // The next CA has been trusted long enough: it becomes the issuer.
        data.put(CURRENT_CERT, data.remove(NEXT_CERT));
        data.put(CURRENT_KEY, data.remove(NEXT_KEY));
        annotations.remove(NEXT_SINCE);
        current = CertificateAuthority.fromPem(data.get(CURRENT_CERT), data.get(CURRENT_KEY));
        changed = true;
        LOG.infof("webhook CA rolled over in Secret %s/%s", namespace, secretName);
      }
    } else if (!now.isBefore(current.asIssued().renewAt())) {
      CertificateAuthority next = CertificateAuthority.create(caName(), caValidity, now);
      data.put(NEXT_CERT, CertificateAuthority.Pem.encode(next.certificate()));
      data.put(NEXT_KEY, CertificateAuthority.Pem.encode(next.asIssued().key()));
      annotations.put(NEXT_SINCE, now.toString());
      changed = true;
      LOG.infof("next webhook CA published in Secret %s/%s", namespace, secretName);
    }
    String bundle = bundle(data, now);
    if (!bundle.equals(data.get(BUNDLE))) {
      data.put(BUNDLE, bundle);
      changed = true;
    }
    if (changed) {
      Secret updated =
          new SecretBuilder(secret)
              .editMetadata()
              .withAnnotations(annotations)
              .endMetadata()
              .withData(encode(data))
              .build();
      // Optimistic: the resourceVersion read makes a concurrent writer's update fail with 409.
      client.secrets().inNamespace(namespace).resource(updated).update();
    }
    return new CaState(current, bundle);
  }

  /** Current and next CA, and every older CA of the bundle that is still valid. */
  private static String bundle(Map<String, String> data, Instant now) {
    List<X509Certificate> out = new ArrayList<>();
    out.addAll(CertificateAuthority.Pem.certificates(data.get(CURRENT_CERT), "current CA"));
    if (data.containsKey(NEXT_CERT)) {
      out.addAll(CertificateAuthority.Pem.certificates(data.get(NEXT_CERT), "next CA"));
    }
    if (data.containsKey(BUNDLE)) {
      for (X509Certificate c :
          CertificateAuthority.Pem.certificates(data.get(BUNDLE), "CA bundle")) {
        if (!out.contains(c) && c.getNotAfter().toInstant().isAfter(now)) {
          out.add(c);
        }
      }
    }
    return CertificateAuthority.Pem.encode(out.toArray(X509Certificate[]::new));
  }

  private String caName() {
    return names.get(0) + "-webhook-ca";
  }

  private String required(Map<String, String> data, String key) {
    String value = data.get(key);
    if (value == null) {
      throw new IllegalStateException(
          "Secret " + namespace + "/" + secretName + " has no " + key + " (not a webhook CA?)");
    }
    return value;
  }

  private static Map<String, String> decode(Secret secret) {
    Map<String, String> out = new HashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) ->
                  out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.US_ASCII)));
    }
    return out;
  }

  private static Map<String, String> encode(Map<String, String> data) {
    Map<String, String> out = new HashMap<>();
    data.forEach(
        (k, v) ->
            out.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.US_ASCII))));
    return out;
  }
}
