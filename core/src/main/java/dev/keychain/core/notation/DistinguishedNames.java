package dev.keychain.core.notation;

import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Compares certificate subjects as Notation's trusted identities do: the same attributes with the
 * same values, in whatever order the certificate encodes them (issuers differ in RDN order), values
 * compared after RFC 4518-style canonicalization (case and spacing).
 */
public final class DistinguishedNames {
  private DistinguishedNames() {}

  public static boolean same(X500Principal a, X500Principal b) {
    return attributes(a).equals(attributes(b));
  }

  private static List<String> attributes(X500Principal p) {
    List<String> out = new ArrayList<>();
    for (RDN rdn : X500Name.getInstance(p.getEncoded()).getRDNs()) {
      for (AttributeTypeAndValue tv : rdn.getTypesAndValues()) {
        out.add(
            tv.getType().getId()
                + "="
                + IETFUtils.canonicalize(IETFUtils.valueToString(tv.getValue())));
      }
    }
    out.sort(null);
    return out;
  }
}
