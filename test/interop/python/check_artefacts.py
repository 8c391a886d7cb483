#!/usr/bin/env python3
"""Parses and verifies our artefacts with pyca/cryptography, a stack we did not write.

Run by test/interop/python-cryptography.test.ts with a JSON manifest:
  {"root": path, "issuing": path, "crl": path, "rootCrl": path, "leaves": {name: path}}
(all DER). For every leaf it builds an OCSP request with OCSPRequestBuilder, POSTs it to the
OCSP URL in the certificate's AIA (RFC 5280 4.2.2.1, RFC 6960 A.1) and reads the answer.
Prints one JSON document; it asserts nothing itself, the test does.
"""
import datetime
import hashlib
import json
import os
import sys
import urllib.request

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, ExtensionOID

OCSP_NOCHECK = x509.ObjectIdentifier("1.3.6.1.5.5.7.48.1.5")


def load(path):
    with open(path, "rb") as f:
        return f.read()


def signature_ok(public_key, signature, data, hash_algorithm):
    """The issuer's key over the signed bytes, with the algorithm the artefact names."""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            return False
        return True
    except InvalidSignature:
        return False


def cert_signed_by(cert, issuer):
    return cert.issuer == issuer.subject and signature_ok(issuer.public_key(), cert.signature, cert.tbs_certificate_bytes, cert.signature_hash_algorithm)


def iso(d):
    return None if d is None else d.replace(tzinfo=datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def key_hash(cert):
    """SHA-1 of the subjectPublicKey BIT STRING contents (RFC 6960 4.1.1, ResponderID byKey)."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    # SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }:
    # walk the DER by hand; the key bits start after the BIT STRING's unused-bits octet.
    def tlv(buf, at):
        tag = buf[at]
        length = buf[at + 1]
        head = 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(buf[at + 2 : at + 2 + n], "big")
            head = 2 + n
        return tag, at + head, at + head + length

    _, body, _ = tlv(spki, 0)
    _, _, alg_end = tlv(spki, body)
    tag, bit_body, bit_end = tlv(spki, alg_end)
    assert tag == 0x03
    return hashlib.sha1(spki[bit_body + 1 : bit_end]).hexdigest()


def ocsp_url(cert):
    aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    return next(d.access_location.value for d in aia if d.access_method == AuthorityInformationAccessOID.OCSP)


def ask(cert, issuer):
    nonce = os.urandom(16)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, issuer, hashes.SHA1())
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
    )
    body = request.public_bytes(serialization.Encoding.DER)
    http = urllib.request.Request(ocsp_url(cert), data=body, headers={"Content-Type": "application/ocsp-request"}, method="POST")
    # No proxy: the responder is on 127.0.0.1, whatever http_proxy the environment sets.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(http, timeout=10) as r:
        content_type = r.headers.get("Content-Type")
        der = r.read()
    resp = ocsp.load_der_ocsp_response(der)
    out = {"httpContentType": content_type, "responseStatus": resp.response_status.name}
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return out
    responder = resp.certificates[0] if resp.certificates else None
    echoed = None
    for ext in resp.extensions:
        if isinstance(ext.value, x509.OCSPNonce):
            echoed = ext.value.nonce
    out.update(
        {
            "serial": format(resp.serial_number, "x"),
            "certStatus": resp.certificate_status.name,
            "revocationReason": resp.revocation_reason.name if resp.revocation_reason else None,
            "revocationTime": iso(resp.revocation_time),
            "producedAt": iso(resp.produced_at),
            "thisUpdate": iso(resp.this_update),
            "nextUpdate": iso(resp.next_update),
            "issuerKeyHashMatches": resp.issuer_key_hash == request.issuer_key_hash,
            "issuerNameHashMatches": resp.issuer_name_hash == request.issuer_name_hash,
            "nonceEchoed": echoed == nonce,
            "responderKeyHashMatches": responder is not None and resp.responder_key_hash is not None and resp.responder_key_hash.hex() == key_hash(responder),
            "signatureValid": responder is not None
            and signature_ok(responder.public_key(), resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm),
            # RFC 6960 4.2.2.2: a delegated responder is certified by the CA that issued the certificate...
            "responderIssuedByIssuer": responder is not None and cert_signed_by(responder, issuer),
            # ... for id-kp-OCSPSigning, and (4.2.2.2.1) carries id-pkix-ocsp-nocheck.
            "responderHasOcspSigning": responder is not None
            and ExtendedKeyUsageOID.OCSP_SIGNING in responder.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE).value,
            "responderHasNoCheck": responder is not None and any(e.oid == OCSP_NOCHECK for e in responder.extensions),
        }
    )
    # Tamper with one byte of the signed data: the signature must no longer verify (negative control).
    tbs = bytearray(resp.tbs_response_bytes)
    tbs[-1] ^= 0x01
    out["tamperedRejected"] = responder is not None and not signature_ok(responder.public_key(), resp.signature, bytes(tbs), resp.signature_hash_algorithm)
    return out


def main():
    manifest = json.load(open(sys.argv[1]))
    root = x509.load_der_x509_certificate(load(manifest["root"]))
    issuing = x509.load_der_x509_certificate(load(manifest["issuing"]))
    result = {
        "cryptography": __import__("cryptography").__version__,
        "root": {"subject": root.subject.rfc4514_string(), "selfSigned": cert_signed_by(root, root)},
        "issuing": {"subject": issuing.subject.rfc4514_string(), "signedByRoot": cert_signed_by(issuing, root), "signedByItself": cert_signed_by(issuing, issuing)},
        "leaves": {},
    }
    for name, path in manifest["leaves"].items():
        cert = x509.load_der_x509_certificate(load(path))
        result["leaves"][name] = {
            "serial": format(cert.serial_number, "x"),
            "subject": cert.subject.rfc4514_string(),
            "signedByIssuing": cert_signed_by(cert, issuing),
            "signedByRoot": cert_signed_by(cert, root),
            "signatureHash": cert.signature_hash_algorithm.name,
            "ocsp": ask(cert, issuing),
        }
    root_crl = x509.load_der_x509_crl(load(manifest["rootCrl"]))
    result["rootCrl"] = {
        "issuer": root_crl.issuer.rfc4514_string(),
        "signatureValid": root_crl.is_signature_valid(root.public_key()),
        "crlNumber": root_crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number,
        "revoked": len(root_crl),
    }
    crl = x509.load_der_x509_crl(load(manifest["crl"]))
    result["crl"] = {
        "issuer": crl.issuer.rfc4514_string(),
        "signatureValid": crl.is_signature_valid(issuing.public_key()),
        "signatureValidWithRoot": crl.is_signature_valid(root.public_key()),
        "crlNumber": crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number,
        "lastUpdate": iso(crl.last_update),
        "nextUpdate": iso(crl.next_update),
        "revoked": [
            {
                "serial": format(r.serial_number, "x"),
                "revocationDate": iso(r.revocation_date),
                "reason": r.extensions.get_extension_for_class(x509.CRLReason).value.reason.name,
                "invalidityDate": iso(r.extensions.get_extension_for_class(x509.InvalidityDate).value.invalidity_date),
            }
            for r in crl
        ],
    }
    json.dump(result, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
