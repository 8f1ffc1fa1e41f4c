package dev.keychain.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Seed 002's whitelist: images matching its patterns are admitted only if they resolve to a digest
 * signed by whitelisted signer keys (Notary v1 / Docker Content Trust, or cosign).
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
public class SignerWhitelist extends CustomResource<SignerWhitelistSpec, SignerWhitelistStatus>
    implements Namespaced {}
