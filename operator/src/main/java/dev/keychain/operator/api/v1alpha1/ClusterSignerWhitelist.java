package dev.keychain.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A SignerWhitelist for the whole cluster: the administrator's policy, set once, governing images
 * in every namespace its namespaceSelector selects (all namespaces with image admission when it has
 * none). An image it and a namespace's SignerWhitelists both govern must satisfy all of them.
 */
@Group(KeyChain.GROUP)
@Version(KeyChain.VERSION)
@AdditionalPrinterColumn(
    name = "Mode",
    jsonPath = ".spec.mode",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Signers",
    jsonPath = ".status.usableSigners",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Non-Compliant",
    jsonPath = ".status.runningPods.nonCompliant",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Last Denial",
    jsonPath = ".status.lastDenial.time",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
public class ClusterSignerWhitelist
    extends CustomResource<ClusterSignerWhitelistSpec, SignerWhitelistStatus> {}
