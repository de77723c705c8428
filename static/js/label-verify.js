// The public page's in-browser check (CONTRACTS §11): the browser verifies, on its own, the
// credential the page delivered: its eddsa-jcs-2022 proof with the issuer's key, its issuance in
// the transparency log (inclusion proofs to the checkpoint, the checkpoint's signature with the
// log key) and its status lists. Everything it reads comes from this host; no other is contacted.
// Ed25519 comes from WebCrypto, or from the bundled noble-ed25519 where WebCrypto lacks it.
// The verdict: data-browser-verification = valid | invalid | unsupported on #browser-check,
// data-browser-checks = the checks that ran (proof, inclusion, status), data-browser-reason =
// the reason code shared with the server's verifier.
import canonicalize from "../vendor/canonicalize-5.1.0/canonicalize.js";

const NOBLE = "../vendor/noble-ed25519-3.2.0/index.js";
const encoder = new TextEncoder();

class Failure extends Error {
  constructor(reason, detail) {
    super(detail || reason);
    this.reason = reason;
  }
}

class Unsupported extends Error {}

// --- bytes ---------------------------------------------------------------------------------

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58Decode(text) {
  let value = 0n;
  for (const character of text) {
    const digit = BASE58.indexOf(character);
    if (digit < 0) throw new Failure("MALFORMED", "not base58btc");
    value = value * 58n + BigInt(digit);
  }
  const bytes = [];
  while (value > 0n) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  for (const character of text) {
    if (character !== "1") break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

function base64Decode(text) {
  const binary = atob(text);
  return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}

function base64UrlDecode(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return base64Decode(padded + "=".repeat((4 - (padded.length % 4)) % 4));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

function hex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

// --- Ed25519: WebCrypto first, the bundled library when WebCrypto lacks it ---------------------

let noble = null;

async function ed25519Verify(publicKey, signature, message) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (!noble) {
    try {
      const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, [
        "verify",
      ]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    } catch (error) {
      if (error && error.name === "DataError") return false; // not a valid point
    }
    try {
      noble = await import(NOBLE);
    } catch (error) {
      throw new Unsupported("no Ed25519 in this browser");
    }
  }
  // RFC 8032 rules (not ZIP-215), as the platform's verifier applies them.
  return noble.verifyAsync(signature, message, publicKey, { zip215: false });
}

// --- keys: did:key decoded here, did:web read from this host --------------------------------

function multikeyBytes(multibase) {
  if (typeof multibase !== "string" || !multibase.startsWith("z")) {
    throw new Failure("UNKNOWN_ISSUER", "not a base58btc multikey");
  }
  const bytes = base58Decode(multibase.slice(1));
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) {
    throw new Failure("UNKNOWN_ISSUER", "not an Ed25519 public key");
  }
  return bytes.slice(2);
}

function didWebAddress(did) {
  const [host, ...path] = did.slice("did:web:".length).split(":").map(decodeURIComponent);
  if (host !== location.host) throw new Unsupported("the issuer's DID is on another host");
  if (path.some((part) => !/^[A-Za-z0-9._~-]+$/.test(part) || part === "..")) {
    throw new Failure("UNKNOWN_ISSUER", "not a resolvable did:web");
  }
  return `${location.origin}/${path.length ? path.join("/") : ".well-known"}/did.json`;
}

async function getJson(url) {
  const response = await fetch(url, { cache: "no-store", credentials: "omit" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

const documents = new Map();

function issuerOf(document) {
  return document.issuer && typeof document.issuer === "object" ? document.issuer.id : document.issuer;
}

async function didDocumentOf(did) {
  const address = didWebAddress(did);
  if (!documents.has(address)) documents.set(address, getJson(address));
  try {
    return await documents.get(address);
  } catch (error) {
    throw new Failure("UNKNOWN_ISSUER", String(error));
  }
}

// A body's label signed with its key's did:key form uses the body's did:web status lists: they
// match when the body's DID document lists that key.
async function sameIssuer(labelIssuer, listIssuer) {
  if (labelIssuer === listIssuer) return true;
  if (!labelIssuer.startsWith("did:key:") || !listIssuer.startsWith("did:web:")) return false;
  const didDocument = await didDocumentOf(listIssuer);
  const multibase = labelIssuer.slice("did:key:".length);
  return (didDocument.verificationMethod || []).some((item) => item.publicKeyMultibase === multibase);
}

async function issuerKey(document) {
  const issuer = issuerOf(document);
  const method = document.proof.verificationMethod;
  if (typeof issuer !== "string" || !method.startsWith(issuer + "#")) {
    throw new Failure("UNKNOWN_ISSUER", "the key is not the issuer's");
  }
  if (issuer.startsWith("did:key:")) {
    const multibase = issuer.slice("did:key:".length);
    if (method !== `${issuer}#${multibase}`) throw new Failure("UNKNOWN_ISSUER", method);
    return multikeyBytes(multibase);
  }
  if (!issuer.startsWith("did:web:")) throw new Unsupported("an issuer that is not did:web or did:key");
  const didDocument = await didDocumentOf(issuer);
  const entry = (didDocument.verificationMethod || []).find((item) => item.id === method);
  if (didDocument.id !== issuer || !entry) throw new Failure("UNKNOWN_ISSUER", method);
  const created = Date.parse(document.proof.created);
  if (entry.revoked) throw new Failure("KEY_REVOKED", `${method} was revoked`);
  if (entry.expires && !(created < Date.parse(entry.expires))) {
    throw new Failure("KEY_REVOKED", `${method} was retired before the proof`);
  }
  return multikeyBytes(entry.publicKeyMultibase);
}

// --- the Data Integrity proof (eddsa-jcs-2022, CONTRACTS §3) ----------------------------------

async function verifyProof(document) {
  const proof = document.proof;
  if (
    !proof ||
    typeof proof !== "object" ||
    Array.isArray(proof) ||
    proof.type !== "DataIntegrityProof" ||
    proof.cryptosuite !== "eddsa-jcs-2022" ||
    proof.proofPurpose !== "assertionMethod" ||
    typeof proof.verificationMethod !== "string" ||
    typeof proof.proofValue !== "string" ||
    !proof.proofValue.startsWith("z")
  ) {
    throw new Failure("MALFORMED", "no eddsa-jcs-2022 proof");
  }
  const publicKey = await issuerKey(document);
  const { proofValue, ...configuration } = proof;
  configuration["@context"] = document["@context"];
  const { proof: _proof, ...unsecured } = document;
  const hashData = concat(
    await sha256(encoder.encode(canonicalize(configuration))),
    await sha256(encoder.encode(canonicalize(unsecured))),
  );
  if (!(await ed25519Verify(publicKey, base58Decode(proofValue.slice(1)), hashData))) {
    throw new Failure("TAMPERED", "the signature does not verify");
  }
}

// --- the transparency log (RFC 9162 inclusion, C2SP signed note and checkpoint) -------------

async function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

// RFC 9162 §2.1.3.2: the root a leaf's inclusion proof leads to.
async function rootFromInclusion(leaf, index, size, proof) {
  if (index >= size) throw new Failure("NOT_IN_LOG", "index beyond the tree");
  let fn = index;
  let sn = size - 1;
  let result = leaf;
  for (const sibling of proof) {
    if (sibling.length !== 32 || sn === 0) throw new Failure("NOT_IN_LOG", "bad proof");
    if (fn % 2 === 1 || fn === sn) {
      result = await nodeHash(sibling, result);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      result = await nodeHash(result, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Failure("NOT_IN_LOG", "the proof is too short");
  return result;
}

async function openCheckpoint(note, verifierKey) {
  const [name, keyIdHex, keyBase64] = verifierKey.trim().split("+");
  const keyBytes = base64Decode(keyBase64);
  if (keyBytes.length !== 33 || keyBytes[0] !== 1) throw new Failure("NOT_IN_LOG", "log key");
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new Failure("NOT_IN_LOG", "not a signed note");
  const text = note.slice(0, split + 1);
  let signed = false;
  for (const line of note.slice(split + 2, -1).split("\n")) {
    const [dash, signer, stamp] = line.split(" ");
    if (dash !== "—" || signer !== name) continue; // a witness's cosignature
    const bytes = base64Decode(stamp);
    if (hex(bytes.slice(0, 4)) !== keyIdHex || bytes.length !== 68) continue;
    signed = await ed25519Verify(keyBytes.slice(1), bytes.slice(4), encoder.encode(text));
    if (signed) break;
  }
  if (!signed) throw new Failure("NOT_IN_LOG", "the checkpoint is not signed by the log key");
  const [origin, sizeText, rootText] = text.split("\n");
  if (origin !== name || !/^(0|[1-9][0-9]*)$/.test(sizeText)) {
    throw new Failure("NOT_IN_LOG", "not a checkpoint of this log");
  }
  return { size: Number(sizeText), root: base64Decode(rootText) };
}

async function verifyInclusion(document, log, keyUrl, serial) {
  let verifierKey;
  try {
    const response = await fetch(keyUrl, { credentials: "omit" });
    if (!response.ok) throw new Error(String(response.status));
    verifierKey = await response.text();
  } catch (error) {
    throw new Failure("NOT_IN_LOG", `the log key cannot be read: ${error}`);
  }
  const checkpoint = await openCheckpoint(log.checkpoint, verifierKey);
  const digest = hex(await sha256(encoder.encode(canonicalize(document))));
  let issued = false;
  for (const item of log.entries) {
    const entryBytes = base64Decode(item.entry);
    const leaf = await sha256(concat(Uint8Array.of(0), entryBytes));
    const proof = item.inclusionProof.map(base64Decode);
    const root = await rootFromInclusion(leaf, item.index, checkpoint.size, proof);
    if (!equal(root, checkpoint.root)) throw new Failure("NOT_IN_LOG", "a proof does not lead to the root");
    const entry = JSON.parse(new TextDecoder().decode(entryBytes));
    if (entry.label !== serial) throw new Failure("NOT_IN_LOG", "an entry of another label");
    if (entry.kind === "labels:label:issued" && entry.credentialSha256 === digest) issued = true;
  }
  if (!issued) throw new Failure("NOT_IN_LOG", "no issuance entry for this credential");
}

// --- status: the BitstringStatusList credentials on this host, and the validity period -----

async function decodeList(encoded) {
  if (typeof encoded !== "string" || !encoded.startsWith("u")) throw new Error("not multibase u");
  if (typeof DecompressionStream === "undefined") throw new Unsupported("no DecompressionStream");
  const stream = new Blob([base64UrlDecode(encoded.slice(1))])
    .stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function verifyStatus(document) {
  const now = Date.now();
  if (document.validFrom && now < Date.parse(document.validFrom)) {
    throw new Failure("NOT_YET_VALID");
  }
  if (document.validUntil && now > Date.parse(document.validUntil)) throw new Failure("EXPIRED");
  const entries = [].concat(document.credentialStatus || []);
  const order = { revocation: 0, suspension: 1 };
  entries.sort((a, b) => (order[a.statusPurpose] ?? 2) - (order[b.statusPurpose] ?? 2));
  for (const entry of entries) {
    const reason = { revocation: "REVOKED", suspension: "SUSPENDED" }[entry.statusPurpose];
    if (!reason) continue;
    const url = new URL(entry.statusListCredential, location.href);
    if (url.origin !== location.origin) throw new Unsupported("a status list on another host");
    let bits;
    try {
      const list = await getJson(url.href);
      const listIssuer = issuerOf(list);
      if (list.id !== undefined && list.id !== entry.statusListCredential) throw new Error("id");
      if (!(await sameIssuer(issuerOf(document), listIssuer))) throw new Error("another issuer");
      if (![].concat(list.type).includes("BitstringStatusListCredential")) throw new Error("type");
      await verifyProof(list);
      const purposes = [].concat(list.credentialSubject.statusPurpose);
      if (!purposes.includes(entry.statusPurpose)) throw new Error("purpose");
      bits = await decodeList(list.credentialSubject.encodedList);
    } catch (error) {
      if (error instanceof Unsupported) throw error;
      throw new Failure("STATUS_UNAVAILABLE", `${url}: ${error.message || error}`);
    }
    const index = Number(entry.statusListIndex);
    if (!Number.isSafeInteger(index) || index >= bits.length * 8) {
      throw new Failure("STATUS_UNAVAILABLE", "index outside the list");
    }
    if ((bits[index >> 3] >> (7 - (index & 7))) & 1) throw new Failure(reason);
  }
}

// --- the page ------------------------------------------------------------------------------

function message(panel, key) {
  const item = panel.querySelector(`[data-testid="browser-messages"] [data-key="${key}"]`);
  return item ? item.textContent : key;
}

function show(panel, verdict, checks, reason, failed) {
  panel.setAttribute("data-browser-checks", checks.join(" "));
  panel.setAttribute("data-browser-reason", reason);
  panel.setAttribute("data-browser-verification", verdict);
  const list = panel.querySelector('[data-testid="browser-checks"]');
  list.replaceChildren(
    ...checks.map((name) => {
      const item = document.createElement("li");
      const ok = name !== failed;
      item.className = ok ? "ok" : "fail";
      const strong = document.createElement("strong");
      strong.textContent = name;
      const small = document.createElement("small");
      small.textContent = message(panel, name);
      item.append(ok ? "✓ " : "✕ ", strong, " ", small);
      return item;
    }),
  );
  panel.querySelector('[data-testid="browser-reason"]').textContent = reason || "—";
  panel.querySelector('[data-testid="browser-message"]').textContent = message(
    panel,
    verdict === "valid" ? "valid" : verdict === "unsupported" ? "unsupported" : reason,
  );
}

async function run() {
  const panel = document.getElementById("browser-check");
  const credentialScript = document.getElementById("label-credential");
  const logScript = document.getElementById("label-log");
  if (!panel || !credentialScript || !logScript) return;
  panel.querySelector('[data-testid="browser-message"]').textContent = message(panel, "running");
  const checks = [];
  let current = null;
  try {
    if (!globalThis.crypto || !crypto.subtle) throw new Unsupported("no WebCrypto");
    let document;
    try {
      document = JSON.parse(credentialScript.textContent);
    } catch (error) {
      throw new Failure("MALFORMED", "the embedded credential is not JSON");
    }
    const log = JSON.parse(logScript.textContent);
    for (const [name, step] of [
      ["proof", () => verifyProof(document)],
      ["inclusion", () => verifyInclusion(document, log, panel.dataset.logKeyUrl, panel.dataset.serial)],
      ["status", () => verifyStatus(document)],
    ]) {
      current = name;
      checks.push(name);
      await step();
    }
    show(panel, "valid", checks, "VALID", null);
  } catch (error) {
    if (error instanceof Failure) {
      show(panel, "invalid", checks, error.reason, current);
    } else {
      // Unsupported, or anything the browser could not do: say so, never guess a verdict.
      show(panel, "unsupported", checks.slice(0, -1), "", null);
    }
    if (error && error.message) panel.setAttribute("data-browser-detail", error.message);
  }
}

run();
