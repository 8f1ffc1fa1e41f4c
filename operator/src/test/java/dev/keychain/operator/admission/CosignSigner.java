package dev.keychain.operator.admission;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.operator.api.v1alpha1.CosignTrustSpec;
import dev.keychain.operator.api.v1alpha1.RegistrySpec;
import dev.keychain.operator.api.v1alpha1.SignerSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.api.v1alpha1.TrustSpec;
import dev.keychain.testing.fixtures.Cosign;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A signer's key imported by the real cosign CLI, signing images and listed in whitelists. */
record CosignSigner(String name, Cosign cosign, Path cosignKey, String publicKeyPem) {

  /** A fresh ECDSA key for {@code name}, imported into cosign under {@code dir/cosign}. */
  static CosignSigner create(Path dir, String name) throws IOException {
    Cosign cosign = Cosign.locate(dir.resolve("cosign"));
    Path pem = dir.resolve(name + ".pem");
    Files.writeString(
        pem, TestPki.pem(TestPki.create(name).clientCertificate(name).keys().getPrivate()));
    Path key = cosign.importKey(pem, name);
    return new CosignSigner(
        name, cosign, key, Files.readString(dir.resolve("cosign/" + name + ".pub")));
  }

  /** {@code cosign sign} of the image by its digest. */
  void sign(TestImages.Pushed image) {
    cosign.sign(cosignKey, image.digestReference());
  }

  /** {@code cosign attest} of the image by its digest with a predicate of {@code type}. */
  void attest(TestImages.Pushed image, String type, String predicateJson) throws IOException {
    Path predicate = Files.createTempFile("predicate", ".json");
    Files.writeString(predicate, predicateJson);
    cosign.attest(cosignKey, predicate, type, image.digestReference());
    Files.delete(predicate);
  }

  /** This signer as a whitelist lists it: key ID and PEM public key. */
  SignerSpec signer() {
    SignerSpec s = new SignerSpec();
    s.setName(name);
    s.setKeyId(KeyIds.spkiFingerprint(PublicKeys.fromPem(publicKeyPem)));
    s.setPublicKey(publicKeyPem);
    return s;
  }

  /** Fills {@code spec}: {@code pattern}, this one signer, cosign trust, plain-HTTP registry. */
  <S extends SignerWhitelistSpec> S whitelist(S spec, String pattern) {
    spec.setImages(List.of(pattern));
    spec.setSigners(List.of(signer()));
    TrustSpec trust = new TrustSpec();
    CosignTrustSpec cosignTrust = new CosignTrustSpec();
    cosignTrust.setEnabled(true);
    trust.setCosign(cosignTrust);
    spec.setTrust(trust);
    RegistrySpec reg = new RegistrySpec();
    reg.setInsecureHttp(true);
    spec.setRegistry(reg);
    return spec;
  }
}
