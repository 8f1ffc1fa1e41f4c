package dev.keychain.core.notation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CborTest {
  private static Object decode(String hex) throws Cbor.CborException {
    return Cbor.decode(HexFormat.of().parseHex(hex));
  }

  @Test
  void decodesTheRfc8949Examples() throws Exception {
    // RFC 8949 Appendix A
    assertEquals(0L, decode("00"));
    assertEquals(23L, decode("17"));
    assertEquals(1000000L, decode("1a000f4240"));
    assertEquals(new BigInteger("18446744073709551615"), decode("1bffffffffffffffff"));
    assertEquals(-1000L, decode("3903e7"));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, (byte[]) decode("4401020304"));
    assertEquals("\u00fc", decode("62c3bc"));
    assertEquals(List.of(1L, List.of(2L, 3L), List.of(4L, 5L)), decode("8301820203820405"));
    assertEquals(Map.of("a", 1L, "b", List.of(2L, 3L)), decode("a26161016162820203"));
    assertEquals(new Cbor.Tagged(1, 1363896240L), decode("c11a514b67b0"));
    assertEquals(Boolean.TRUE, decode("f5"));
  }

  @ParameterizedTest
  @CsvSource({
    "9f0102ff, indefinite length at byte 0 is not accepted",
    "a20101 0102, duplicate map key 1",
    "62c3, length 2 exceeds the 1 bytes left",
    "1a0001, truncated at byte 1",
    "0000, 1 bytes after the CBOR item",
    "fb3ff199999999999a, floating-point values are not accepted",
    "62c328, text string is not valid UTF-8",
    "9a7fffffff, length 2147483647 exceeds the 0 bytes left",
    "a1810101, map key of type array is not accepted",
    "818181818181818181818100, nested deeper than 8",
    "1c, reserved additional info 28",
    // found by NotationEnvelopeFuzzTest: a tag number beyond a long threw ArithmeticException
    "dbffffffffffffffff00, tag number 18446744073709551615 is out of range",
  })
  void refusesWhatIsNotStrictCbor(String hex, String message) {
    Cbor.CborException e =
        assertThrows(Cbor.CborException.class, () -> decode(hex.replace(" ", "")));
    assertEquals(message, e.getMessage());
  }

  @Test
  void encodesTheSigStructure() {
    assertEquals(
        "846a5369676e61747572653143a1012640420102",
        HexFormat.of()
            .formatHex(
                Cbor.encodeArray(
                    "Signature1",
                    HexFormat.of().parseHex("a10126"),
                    new byte[0],
                    new byte[] {1, 2})));
  }
}
