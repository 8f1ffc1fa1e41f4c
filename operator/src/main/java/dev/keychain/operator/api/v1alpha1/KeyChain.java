package dev.keychain.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One tenant's key chain: session key Sk, chain root Gk and one key per cluster group, all stored
 * envelope-encrypted; status shows only key IDs and epochs.
 */
@Group(KeyChain.GROUP)
@Version(KeyChain.VERSION)
@ShortNames("kc")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Groups",
    jsonPath = ".status.groupCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Root-Epoch",
    jsonPath = ".status.rootEpoch",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "KEK",
    jsonPath = ".status.kekId",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class KeyChain extends CustomResource<KeyChainSpec, KeyChainStatus> implements Namespaced {
  public static final String GROUP = "keychain.dev";
  public static final String VERSION = "v1alpha1";
}
