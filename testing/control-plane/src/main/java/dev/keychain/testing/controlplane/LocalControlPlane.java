package dev.keychain.testing.controlplane;

import dev.keychain.testing.fixtures.FreePorts;
import dev.keychain.testing.fixtures.ManagedProcess;
import dev.keychain.testing.fixtures.TestPki;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Kubernetes control plane on loopback, envtest style: etcd, kube-apiserver and optionally
 * kube-controller-manager, each on free ports with its own temporary directory, stopped by {@link
 * #close()}.
 *
 * <p>Unlike fabric8's kube-api-test (whose offline mode would fit our locally built binaries), it
 * keeps the ServiceAccount admission plugin enabled, so pods get real bound, projected tokens, and
 * it can run kube-controller-manager for garbage collection, namespace deletion and service
 * accounts; later issues need both. Clients authenticate with an admin certificate (group
 * system:masters); the API server serves with a certificate from this plane's own CA.
 */
public final class LocalControlPlane implements AutoCloseable {
  /** The issuer of ServiceAccount tokens, and the default audience of the API server. */
  public static final String TOKEN_ISSUER = "https://kubernetes.default.svc.cluster.local";

  private final Path dir;
  private final TestPki pki;
  private final TestPki.Issued adminCertificate;
  private final int apiPort;
  private final List<ManagedProcess> processes;
  private final Path kubeconfig;
  private final String host;
  private volatile LocalNode node;
  private volatile int etcdPort;
  private final AtomicInteger namespaceCounter = new AtomicInteger();
  private volatile KubernetesClient adminClient;

  private LocalControlPlane(
      Path dir,
      TestPki pki,
      TestPki.Issued adminCertificate,
      int apiPort,
      List<ManagedProcess> processes,
      Path kubeconfig,
      String host) {
    this.host = host;
    this.dir = dir;
    this.pki = pki;
    this.adminCertificate = adminCertificate;
    this.apiPort = apiPort;
    this.processes = processes;
    this.kubeconfig = kubeconfig;
  }

  /**
   * Options for starting a control plane. With {@code node}, the machine's one real node joins it
   * ({@link LocalNode}): kube-scheduler runs, the controller manager's node lifecycle controller is
   * on, and the API server listens on the pod bridge's address instead of loopback.
   */
  public record Options(boolean controllerManager, List<String> extraApiServerFlags, boolean node) {
    public Options(boolean controllerManager, List<String> extraApiServerFlags) {
      this(controllerManager, extraApiServerFlags, false);
    }

    public static Options apiServerOnly() {
      return new Options(false, List.of());
    }

    public static Options withControllerManager() {
      return new Options(true, List.of());
    }

    /** Controller manager, scheduler and a real node (see {@link LocalNode#unavailableReason}). */
    public static Options withNode() {
      return new Options(true, List.of(), true);
    }
  }

  public static LocalControlPlane start(Options options) {
    return start(options, ControlPlaneBinaries.locate(), temporaryDirectory());
  }

  public static LocalControlPlane start(Options options, ControlPlaneBinaries binaries, Path dir) {
    List<ManagedProcess> processes = new ArrayList<>();
    LocalNode node = null;
    try {
      Files.createDirectories(dir);
      if (options.node()) {
        node = LocalNode.prepare();
      }
      String host = node == null ? "127.0.0.1" : node.address();
      TestPki pki = TestPki.create("keychain local control plane CA");
      Path pkiDir = dir.resolve("pki");
      Path caFile = pki.writeCa(pkiDir, "ca")[0];
      Path[] serving =
          pki.serverCertificate(
                  "kube-apiserver",
                  List.of(
                      "localhost",
                      "kubernetes",
                      "kubernetes.default",
                      "kubernetes.default.svc",
                      "kubernetes.default.svc.cluster.local"),
                  node == null ? List.of("127.0.0.1", "10.0.0.1") : List.of(host, "10.0.0.1"))
              .writeTo(pkiDir, "apiserver");
      TestPki.Issued admin = pki.clientCertificate("keychain-admin", "system:masters");
      Path[] adminFiles = admin.writeTo(pkiDir, "admin");
      Path[] serviceAccountKey = writeServiceAccountKey(pkiDir);

      int etcdPort = FreePorts.loopback();
      int etcdPeerPort = FreePorts.loopback();
      Path etcdData = etcdDataDirectory(dir);
      processes.add(
          ManagedProcess.start(
                  "etcd",
                  List.of(
                      binaries.etcd().toString(),
                      "--name=local",
                      "--data-dir=" + etcdData,
                      "--listen-client-urls=http://127.0.0.1:" + etcdPort,
                      "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
                      "--listen-peer-urls=http://127.0.0.1:" + etcdPeerPort,
                      "--initial-advertise-peer-urls=http://127.0.0.1:" + etcdPeerPort,
                      "--initial-cluster=local=http://127.0.0.1:" + etcdPeerPort,
                      "--log-level=warn"),
                  dir,
                  Map.of())
              .awaitReady(Duration.ofSeconds(30), ManagedProcess.listening(etcdPort)));

      int apiPort = FreePorts.loopback();
      List<String> apiServer =
          new ArrayList<>(
              List.of(
                  binaries.kubeApiserver().toString(),
                  "--etcd-servers=http://127.0.0.1:" + etcdPort,
                  "--etcd-prefix=/registry",
                  "--bind-address=" + host,
                  "--advertise-address=" + host,
                  "--secure-port=" + apiPort,
                  "--cert-dir=" + dir.resolve("apiserver-certs"),
                  "--tls-cert-file=" + serving[0],
                  "--tls-private-key-file=" + serving[1],
                  "--client-ca-file=" + caFile,
                  "--authorization-mode=Node,RBAC",
                  "--service-account-issuer=" + TOKEN_ISSUER,
                  "--service-account-key-file=" + serviceAccountKey[1],
                  "--service-account-signing-key-file=" + serviceAccountKey[0],
                  "--service-cluster-ip-range=10.0.0.0/24",
                  "--allow-privileged=true",
                  "--profiling=false",
                  "--v=1"));
      if (node != null) {
        // exec, logs and port-forward go from the API server to the kubelet on the node's address.
        Path[] kubeletClient =
            pki.clientCertificate("kube-apiserver-kubelet-client", "system:masters")
                .writeTo(pkiDir, "apiserver-kubelet-client");
        apiServer.addAll(
            List.of(
                "--kubelet-client-certificate=" + kubeletClient[0],
                "--kubelet-client-key=" + kubeletClient[1],
                "--kubelet-preferred-address-types=InternalIP"));
      }
      apiServer.addAll(options.extraApiServerFlags());
      ManagedProcess apiServerProcess =
          ManagedProcess.start("kube-apiserver", apiServer, dir, Map.of());
      processes.add(apiServerProcess);
      Path kubeconfig = dir.resolve("kubeconfig");
      String server = "https://" + host + ":" + apiPort;
      Files.writeString(kubeconfig, kubeconfig(server, pki, admin));

      LocalControlPlane plane =
          new LocalControlPlane(dir, pki, admin, apiPort, processes, kubeconfig, host);
      plane.node = node;
      plane.etcdPort = etcdPort;
      apiServerProcess.awaitReady(Duration.ofSeconds(90), plane::isReady);
      plane.awaitDefaultNamespace();

      if (options.controllerManager()) {
        processes.add(
            ManagedProcess.start(
                "kube-controller-manager",
                List.of(
                    binaries.kubeControllerManager().toString(),
                    "--kubeconfig=" + kubeconfig,
                    "--authentication-kubeconfig=" + kubeconfig,
                    "--authorization-kubeconfig=" + kubeconfig,
                    "--bind-address=127.0.0.1",
                    "--secure-port=" + FreePorts.loopback(),
                    "--leader-elect=false",
                    "--root-ca-file=" + caFile,
                    "--service-account-private-key-file=" + serviceAccountKey[0],
                    "--cluster-signing-cert-file=" + caFile,
                    "--cluster-signing-key-file=" + pkiDir.resolve("ca.key"),
                    // The node lifecycle controller lifts the not-ready taint of a Ready node.
                    "--controllers=*,-node-ipam-controller,"
                        + (node == null ? "-node-lifecycle-controller," : "")
                        + "-cloud-node-lifecycle-controller,-service-lb-controller,"
                        + "-node-route-controller,-persistentvolume-attach-detach-controller",
                    "--v=1"),
                dir,
                Map.of()));
        plane.awaitServiceAccount("default", "default");
      }
      if (node != null) {
        processes.add(
            ManagedProcess.start(
                "kube-scheduler",
                List.of(
                    binaries.dir().resolve("kube-scheduler").toString(),
                    "--kubeconfig=" + kubeconfig,
                    "--authentication-kubeconfig=" + kubeconfig,
                    "--authorization-kubeconfig=" + kubeconfig,
                    "--bind-address=127.0.0.1",
                    "--secure-port=" + FreePorts.loopback(),
                    "--leader-elect=false",
                    "--v=1"),
                dir,
                Map.of()));
        node.up(plane.nodeConfig(server, caFile, processes));
      }
      return plane;
    } catch (IOException | RuntimeException e) {
      if (node != null) {
        node.close();
      }
      for (int i = processes.size() - 1; i >= 0; i--) {
        processes.get(i).close();
      }
      deleteEtcdData(dir);
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot start local control plane in " + dir, io);
      }
      throw (RuntimeException) e;
    }
  }

  /**
   * What the node's script needs: the CA, kubeconfigs for the kubelet (user system:node:NAME in
   * group system:nodes, which the Node authorizer knows) and kube-proxy (system:kube-proxy, bound
   * to system:node-proxier by default), the admin's, and this plane's process IDs and etcd data
   * directory, so that a later run's cleanup can stop and remove them if this JVM is killed.
   */
  private Path nodeConfig(String server, Path caFile, List<ManagedProcess> processes)
      throws IOException {
    Path config = dir.resolve("node-config");
    Files.createDirectories(config);
    Files.copy(caFile, config.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        kubeconfig,
        config.resolve("admin.kubeconfig"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(
        config.resolve("kubelet.kubeconfig"),
        kubeconfig(
            server, pki, pki.clientCertificate("system:node:" + LocalNode.NAME, "system:nodes")));
    Files.writeString(
        config.resolve("kube-proxy.kubeconfig"),
        kubeconfig(server, pki, pki.clientCertificate("system:kube-proxy")));
    StringBuilder pids = new StringBuilder();
    processes.forEach(p -> pids.append(p.pid()).append('\n'));
    Files.writeString(config.resolve("control-plane.pids"), pids.toString());
    Path etcdData = dir.resolve("etcd-data-location");
    if (Files.exists(etcdData)) {
      Files.copy(
          etcdData,
          config.resolve("etcd-data-location"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return config;
  }

  private static Path temporaryDirectory() {
    try {
      return Files.createTempDirectory("keychain-control-plane-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** etcd's data on tmpfs where there is one: fsync there is free, and the data is throw-away. */
  private static Path etcdDataDirectory(Path dir) throws IOException {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      Path data = shm.resolve("keychain-etcd-" + UUID.randomUUID());
      Files.createDirectories(data);
      Files.writeString(dir.resolve("etcd-data-location"), data.toString());
      return data;
    }
    return dir.resolve("etcd-data");
  }

  private static Path[] writeServiceAccountKey(Path pkiDir) throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048, new SecureRandom());
      KeyPair keys = generator.generateKeyPair();
      Path key = pkiDir.resolve("sa.key");
      Path pub = pkiDir.resolve("sa.pub");
      Files.writeString(key, TestPki.pem(keys.getPrivate()));
      Files.writeString(pub, TestPki.pem(keys.getPublic()));
      return new Path[] {key, pub};
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String kubeconfig(String server, TestPki pki, TestPki.Issued user) {
    Base64.Encoder b64 = Base64.getEncoder();
    return "apiVersion: v1\n"
        + "kind: Config\n"
        + "clusters:\n"
        + "- name: keychain-local\n"
        + "  cluster:\n"
        + "    server: "
        + server
        + "\n"
        + "    certificate-authority-data: "
        + b64.encodeToString(pki.caPem().getBytes())
        + "\n"
        + "users:\n"
        + "- name: keychain-admin\n"
        + "  user:\n"
        + "    client-certificate-data: "
        + b64.encodeToString(user.certificatePem().getBytes())
        + "\n"
        + "    client-key-data: "
        + b64.encodeToString(user.privateKeyPem().getBytes())
        + "\n"
        + "contexts:\n"
        + "- name: keychain-local\n"
        + "  context:\n"
        + "    cluster: keychain-local\n"
        + "    user: keychain-admin\n"
        + "current-context: keychain-local\n";
  }

  /** The API server's {@code /readyz}, asked with the admin certificate. */
  private boolean isReady() {
    try {
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .sslContext(pki.identityContext(adminCertificate))
              .connectTimeout(Duration.ofSeconds(1))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create(apiServerUrl() + "/readyz"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void awaitDefaultNamespace() {
    awaitCondition(
        "namespace default", () -> client().namespaces().withName("default").get() != null);
  }

  /** Waits until a ServiceAccount exists (created by kube-controller-manager for namespaces). */
  public void awaitServiceAccount(String namespace, String name) {
    awaitCondition(
        "service account " + namespace + "/" + name,
        () -> client().serviceAccounts().inNamespace(namespace).withName(name).get() != null);
  }

  private void awaitCondition(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      sleep(100);
    }
    throw new IllegalStateException(
        "control plane: " + what + " did not appear within 60s" + logTails(), last);
  }

  private String logTails() {
    StringBuilder out = new StringBuilder();
    for (ManagedProcess process : processes) {
      out.append("\n--- ").append(process.log()).append('\n').append(process.tail());
    }
    return out.toString();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String apiServerUrl() {
    return "https://" + host + ":" + apiPort;
  }

  /** The real node that joined this plane, if it was started with {@link Options#withNode()}. */
  public Optional<LocalNode> node() {
    return Optional.ofNullable(node);
  }

  /** The admin kubeconfig file (cluster-admin through the system:masters group). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  public Path directory() {
    return dir;
  }

  /** The CA that signs the API server's certificate and client certificates. */
  public TestPki pki() {
    return pki;
  }

  /** A fabric8 client configuration with admin rights. */
  public Config adminConfig() {
    try {
      return Config.fromKubeconfig(Files.readString(kubeconfig));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A shared admin client; do not close it. */
  public KubernetesClient client() {
    if (adminClient == null) {
      synchronized (this) {
        if (adminClient == null) {
          adminClient = new KubernetesClientBuilder().withConfig(adminConfig()).build();
        }
      }
    }
    return adminClient;
  }

  /** A client that presents a bearer token (e.g. a ServiceAccount's) instead of the admin cert. */
  public KubernetesClient clientWithToken(String token) {
    Config config = adminConfig();
    config.setClientCertData(null);
    config.setClientKeyData(null);
    config.setOauthToken(token);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * A real token of ServiceAccount {@code serviceAccount} bound to {@code pod} for {@code audience}
   * (the TokenRequest API, as the kubelet gets a projected token), valid {@code seconds}.
   */
  public String boundToken(
      String namespace,
      String serviceAccount,
      io.fabric8.kubernetes.api.model.Pod pod,
      String audience,
      long seconds) {
    return client()
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(
            new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder()
                .withNewSpec()
                .withAudiences(audience)
                .withExpirationSeconds(seconds)
                .withNewBoundObjectRef()
                .withApiVersion("v1")
                .withKind("Pod")
                .withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid())
                .endBoundObjectRef()
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }

  /** Applies a CRD (server-side apply) and waits until the API server serves it. */
  public void installCrd(CustomResourceDefinition crd) {
    client().resource(crd).forceConflicts().serverSideApply();
    client()
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
            60,
            java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Creates a namespace with a unique name starting with {@code prefix}. */
  public String newNamespace(String prefix) {
    String name =
        (prefix + "-" + namespaceCounter.incrementAndGet() + "-" + UUID.randomUUID())
            .toLowerCase()
            .substring(0, Math.min(prefix.length() + 10, 63))
            .replaceAll("-+$", "");
    client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  public boolean isRunning() {
    return processes.stream().allMatch(ManagedProcess::isAlive);
  }

  /**
   * A fault: stops kube-apiserver and etcd (TERM, as a node reboot or an upgrade does), keeps them
   * down for {@code downFor}, then starts both again on the same ports, certificates and data, and
   * returns once the API server is ready. What was stored survives; watches and leases break.
   */
  public synchronized void restartApiServerAndEtcd(Duration downFor) {
    int api = indexOf("kube-apiserver");
    int etcd = indexOf("etcd");
    processes.get(api).close();
    processes.get(etcd).close();
    sleep(downFor.toMillis());
    processes.set(etcd, processes.get(etcd).startAgain());
    recordPids();
    processes.get(etcd).awaitReady(Duration.ofSeconds(30), ManagedProcess.listening(etcdPort));
    processes.set(api, processes.get(api).startAgain());
    recordPids();
    processes.get(api).awaitReady(Duration.ofSeconds(90), this::isReady);
  }

  /** A later run's cleanup stops this plane's processes by ID if this JVM is killed. */
  private void recordPids() {
    if (node != null) {
      StringBuilder pids = new StringBuilder();
      processes.forEach(p -> pids.append(p.pid()).append('\n'));
      node.recordControlPlanePids(pids.toString());
    }
  }

  private int indexOf(String name) {
    for (int i = 0; i < processes.size(); i++) {
      if (processes.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("this plane runs no " + name);
  }

  @Override
  public void close() {
    if (node != null) {
      node.close();
    }
    if (adminClient != null) {
      adminClient.close();
    }
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    deleteEtcdData(dir);
  }

  /** Removes the tmpfs data of this plane's (stopped) etcd. */
  private static void deleteEtcdData(Path dir) {
    try {
      Path location = dir.resolve("etcd-data-location");
      if (Files.exists(location)) {
        deleteRecursively(Path.of(Files.readString(location).trim()));
      }
    } catch (IOException e) {
      // best effort: tmpfs data of a stopped etcd
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
