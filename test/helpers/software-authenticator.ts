import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { PasskeysRepo } from '../../src/passkeys/passkeys-repo.js';

/**
 * A passkey in software, for ceremony tests and benchmarks: a P-256 key, its COSE
 * public key for the passkeys table, and assertions shaped as a browser would send them
 * (WebAuthn §6.1, §5.8.1): authenticatorData ‖ SHA-256(clientDataJSON), signed ES256.
 */
export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(16).toString('base64url');
  private readonly privateKey: KeyObject;
  readonly cosePublicKey: Uint8Array<ArrayBuffer>;

  constructor(private readonly rpId: string, private readonly origin: string, private readonly userHandle: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
    this.cosePublicKey = new Uint8Array(isoCBOR.encode(cose)) as Uint8Array<ArrayBuffer>;
  }

  /** Stores this credential as the user's passkey, as a completed registration would. */
  async enrolIn(passkeys: PasskeysRepo, options: { backupEligible?: boolean; name?: string; aaguid?: string; attestationAnchor?: string } = {}) {
    const backupEligible = options.backupEligible ?? true;
    return passkeys.insert({
      id: this.credentialId,
      accountId: this.userHandle,
      publicKey: this.cosePublicKey,
      counter: 0,
      transports: ['internal'],
      aaguid: options.aaguid ?? '00000000-0000-0000-0000-000000000000',
      attestationFormat: options.attestationAnchor ? 'packed' : 'none',
      attestationAnchor: options.attestationAnchor ?? null,
      backupEligible,
      backupState: backupEligible,
      name: options.name ?? 'Software passkey',
    });
  }

  /**
   * A create() response for `challenge` (WebAuthn §6.5.1 attested credential data), as a
   * browser sends it to a registration verify. Defaults: user verified, backup eligible
   * and backed up (a synced passkey), `none` attestation and a zero AAGUID.
   * `attestation`: `self` (packed, signed by the credential key, WebAuthn §8.2 self
   * attestation) or `{ x5c, key }` (packed full attestation: certificates leaf first and
   * the leaf's private key, e.g. from helpers/attestation-ca.ts).
   */
  attest(
    challenge: string,
    options: {
      userVerified?: boolean;
      backupEligible?: boolean;
      origin?: string;
      aaguid?: string;
      attestation?: 'none' | 'self' | { x5c: Uint8Array[]; key: KeyObject };
    } = {},
  ) {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge, origin: options.origin ?? this.origin, crossOrigin: false }));
    const be = options.backupEligible ?? true;
    const flags = 0x01 | (options.userVerified === false ? 0 : 0x04) | (be ? 0x08 | 0x10 : 0) | 0x40; // UP | UV | BE | BS | AT
    const id = Buffer.from(this.credentialId, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      createHash('sha256').update(this.rpId).digest(),
      Buffer.from([flags]),
      Buffer.alloc(4), // signature counter 0
      options.aaguid ? Buffer.from(options.aaguid.replace(/-/g, ''), 'hex') : Buffer.alloc(16), // AAGUID (default: all zero, none said)
      idLength,
      id,
      Buffer.from(this.cosePublicKey),
    ]);
    type Cbor = Parameters<typeof isoCBOR.encode>[0];
    const attestation = options.attestation ?? 'none';
    let fmt = 'none';
    const attStmt = new Map<string, Cbor>();
    if (attestation !== 'none') {
      // WebAuthn §8.2 packed: sig over authenticatorData ‖ SHA-256(clientDataJSON), ES256 (DER).
      fmt = 'packed';
      const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]);
      attStmt.set('alg', -7);
      attStmt.set('sig', new Uint8Array(sign('sha256', signed, attestation === 'self' ? this.privateKey : attestation.key)));
      if (attestation !== 'self') attStmt.set('x5c', attestation.x5c.map((c) => new Uint8Array(c)));
    }
    const attestationObject = isoCBOR.encode(new Map<string, Cbor>([['fmt', fmt], ['attStmt', attStmt], ['authData', new Uint8Array(authData)]]));
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  /**
   * A get() response for `challenge`. Defaults: user present and verified, backup
   * eligible and backed up, signature counter 0 (a synced passkey).
   */
  assert(challenge: string, options: { userVerified?: boolean; backupEligible?: boolean; counter?: number; userHandle?: string; origin?: string } = {}) {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin: options.origin ?? this.origin, crossOrigin: false }));
    const be = options.backupEligible ?? true;
    const flags = 0x01 | (options.userVerified === false ? 0 : 0x04) | (be ? 0x08 | 0x10 : 0); // UP | UV | BE | BS
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(options.counter ?? 0);
    const authenticatorData = Buffer.concat([createHash('sha256').update(this.rpId).digest(), Buffer.from([flags]), counter]);
    const signature = sign('sha256', Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]), this.privateKey);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: Buffer.from(options.userHandle ?? this.userHandle, 'utf8').toString('base64url'),
      },
    };
  }
}
