package dev.keychain.testing.controlplane;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against a real local control plane, shared by all test classes of
 * the JVM that ask for the same options. Test methods and constructors may take a {@link
 * LocalControlPlane} parameter. Tests isolate themselves with {@link
 * LocalControlPlane#newNamespace(String)}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(LocalKubernetesExtension.class)
public @interface LocalKubernetes {
  /** Also run kube-controller-manager (garbage collection, namespaces, service accounts, ...). */
  boolean controllerManager() default false;
}
