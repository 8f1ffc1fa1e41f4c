package dev.keychain.testing.controlplane;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension behind {@link LocalKubernetes}: starts a {@link LocalControlPlane} once per JVM
 * and option set (kept in the root store, so it is stopped when the test run ends).
 */
public final class LocalKubernetesExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LocalKubernetesExtension.class);

  /** Closes the shared plane when JUnit closes the root store. */
  private record Shared(LocalControlPlane plane) implements AutoCloseable {
    @Override
    public void close() {
      plane.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == LocalControlPlane.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    return controlPlane(context);
  }

  /** The shared control plane for the options of the test class in {@code context}. */
  public static LocalControlPlane controlPlane(ExtensionContext context) {
    boolean controllerManager =
        context
            .getTestClass()
            .flatMap(c -> AnnotationSupport.findAnnotation(c, LocalKubernetes.class))
            .map(LocalKubernetes::controllerManager)
            .orElse(false);
    LocalControlPlane.Options options =
        controllerManager
            ? LocalControlPlane.Options.withControllerManager()
            : LocalControlPlane.Options.apiServerOnly();
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            "control-plane-" + controllerManager,
            key -> new Shared(LocalControlPlane.start(options)),
            Shared.class)
        .plane();
  }
}
