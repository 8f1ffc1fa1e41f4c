package dev.keychain.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Seed 004's data sharing: an owner SecureInstance shares an item (a key its chain derives for a
 * purpose, or an entry of a Secret) with recipient SecureInstances, each version under a fresh
 * one-time key that only the agents of the owner and the recipients receive.
 */
@Group(KeyChain.GROUP)
@Version(KeyChain.VERSION)
@AdditionalPrinterColumn(
    name = "Owner",
    jsonPath = ".spec.owner",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Version",
    jsonPath = ".status.version",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
public class KeyShare extends CustomResource<KeyShareSpec, KeyShareStatus> implements Namespaced {}
