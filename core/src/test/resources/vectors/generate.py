#!/usr/bin/env python3
"""Independent implementation of the key chain derivation and the envelope, in Python with the
`cryptography` package, producing the test vectors that core's Java tests check
(key-chain.json, envelope.json). Run: python3 generate.py (writes both files beside itself)."""
import hashlib, hmac, json, os, struct, base64
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def field(b):
    if isinstance(b, str): b = b.encode()
    if isinstance(b, int): b = struct.pack(">q", b)
    return struct.pack(">I", len(b)) + b

def enc(*fields):
    return b"".join(field(f) for f in fields)

def hkdf(salt, ikm, info, length):
    prk = hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block; i += 1
    return out[:length]

def key_id(level, key):
    return hashlib.sha256(enc("keychain.dev/v1/key-id", level) + key).hexdigest()

S_ROOT, S_GROUP, S_AGENT = b"keychain.dev/v1/root-key", b"keychain.dev/v1/group-key", b"keychain.dev/v1/agent-key"

def chain(sk, chain, root_epoch, group, group_epoch, agent, agent_epoch, bits):
    gk = hkdf(S_ROOT, sk, enc("root", chain, root_epoch), 32)
    gs = hkdf(S_GROUP, gk, enc("group", chain, root_epoch, group, group_epoch), 32)
    ak = hkdf(S_AGENT, gs, enc("agent", chain, group, group_epoch, agent, agent_epoch, bits), bits // 8)
    return gk, gs, ak

here = os.path.dirname(os.path.abspath(__file__))
sk = bytes(range(32))
cases = []
for (c, re_, g, ge, a, ae, bits) in [
    ("tenant-a", 0, "A", 0, "ns/pod-0", 0, 128),
    ("tenant-a", 0, "A", 0, "ns/pod-0", 0, 256),
    ("tenant-a", 0, "A", 1, "ns/pod-0", 0, 128),
    ("tenant-a", 2, "B", 7, "ns/pod-1", 3, 256),
]:
    gk, gs, ak = chain(sk, c, re_, g, ge, a, ae, bits)
    cases.append({"session": sk.hex(), "chain": c, "rootEpoch": re_, "group": g, "groupEpoch": ge,
                  "agent": a, "agentEpoch": ae, "bits": bits, "root": gk.hex(), "groupKey": gs.hex(),
                  "agentKey": ak.hex(), "rootKeyId": key_id("ROOT", gk),
                  "groupKeyId": key_id("GROUP", gs), "agentKeyId": key_id("AGENT", ak)})
with open(os.path.join(here, "key-chain.json"), "w") as f:
    json.dump(cases, f, indent=1)

# Envelope: AES-256-GCM(KEK, nonce, key XOR HKDF(share, mask-info), aad), fixed nonce.
kek = bytes([0x42] * 32); share = bytes([0x17] * 32); key = bytes(range(100, 132)); nonce = bytes(range(12))
chain_, group, level, epoch = "tenant-a", "A", "GROUP", 3
kid = key_id(level, key)
mask = hkdf(b"keychain.dev/v1/tenant-share", share, enc("keychain.dev/v1/tenant-mask", chain_, group, level, epoch), 32)
masked = bytes(x ^ y for x, y in zip(key, mask))
kek_id = "k8s-secret/v1"
aad = enc("keychain.dev/v1/envelope", chain_, group, level, epoch, kid, kek_id)
ct = AESGCM(kek).encrypt(nonce, masked, aad)
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
with open(os.path.join(here, "envelope.json"), "w") as f:
    json.dump({"kek": kek.hex(), "tenantShare": share.hex(), "key": key.hex(), "keyId": kid,
               "chain": chain_, "group": group, "level": level, "epoch": epoch,
               "sealed": "kc1.%s.%s.%s" % (kek_id, b64(nonce), b64(ct))}, f, indent=1)
