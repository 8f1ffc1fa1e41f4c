package dev.keychain.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A forward-secure Merkle audit log (seed 003) of the security events of its namespace: records on
 * a volume, checkpoints MACed with an evolving key and mirrored in status, verified periodically.
 */
@Group(KeyChain.GROUP)
@Version(KeyChain.VERSION)
@AdditionalPrinterColumn(
    name = "Records",
    jsonPath = ".status.treeSize",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Verified",
    jsonPath = ".status.conditions[?(@.type==\"Verified\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
public class AuditLog extends CustomResource<AuditLogSpec, AuditLogStatus> implements Namespaced {}
